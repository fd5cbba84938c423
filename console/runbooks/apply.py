"""`incident-console run RUNBOOK --apply STEP [--allow-write --confirm TOKEN]`, headless.

Without --confirm it previews the action and says which token to type: nothing is
written, exit 2. With --confirm it previews afresh (a token typed for an older preview
only works if the rows are still the same count) and applies only when the token matches
and the console was started with --allow-write. Each outcome is one JSON document with
--json; the exit code is 0 only when the action applied (or had nothing to do).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from console.runbooks.model import ActionStep, Runbook

EXIT_OK, EXIT_ERROR, EXIT_NEEDS_CONFIRM = 0, 1, 2


class ApplyRefused(ValueError):
    """The request cannot be carried out as given; nothing was touched."""


APPLIED = {"applied", "nothing_to_do", "dry_run"}


def _say(args: argparse.Namespace, document: dict[str, Any], line: str) -> None:
    if args.json:
        print(json.dumps(document, default=str))
    else:
        print(line)


def apply_step(args: argparse.Namespace, runbook: Runbook, settings: Any) -> int:
    from console.core.db import connect_sync, require_dsn
    from console.recovery import actions
    from console.recovery.audit import AuditLog

    step = next((s for s in runbook.steps if s.id == args.apply), None)
    if not isinstance(step, ActionStep):
        names = ", ".join(s.id for s in runbook.steps if isinstance(s, ActionStep)) or "none"
        raise ApplyRefused(
            f"{runbook.id} has no action step {args.apply!r} (action steps: {names})"
        )
    dsn = require_dsn(settings.database_url)
    with connect_sync(dsn) as read_conn:
        plan = actions.plan(read_conn, step.action, dict(step.params))
    preview = {"runbook": runbook.id, "step": step.id, "preview": plan.to_json()}
    if args.confirm is None:
        _say(
            args,
            {**preview, "applied": False, "token_prompt": plan.token_prompt()},
            f"{plan.describe()}\nnothing written; to apply: --allow-write --confirm <token> "
            f"({plan.token_prompt()})",
        )
        return EXIT_NEEDS_CONFIRM
    if not args.allow_write:
        raise ApplyRefused("the console is read-only; add --allow-write to apply")
    audit = AuditLog(state_dsn=settings.state_database_url or dsn)
    try:
        with connect_sync(dsn, allow_write=True, role="apply") as write_conn:
            result = actions.apply(
                write_conn,
                plan,
                args.confirm.strip(),
                audit=audit,
                dry_run=bool(getattr(args, "dry_run", False)),
            )
    finally:
        audit.close()
    _say(args, {**preview, "result": result.to_json()}, f"{result.status}: {result.message}")
    return EXIT_OK if result.status in APPLIED else EXIT_ERROR
