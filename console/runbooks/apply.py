"""`incident-console run RUNBOOK --apply STEP [--allow-write --confirm TOKEN]`, headless.

Without --confirm it previews the action and says which token to type: nothing is
written, exit 2. With --confirm it previews afresh (a token typed for an older preview
only works if the rows are still the same count) and applies only when the token matches
and the console was started with --allow-write (and, while a shared incident is open, a
big write has a second person's approval: console/incidents/two_person.py). Each outcome
is one JSON document with --json; the exit code is 0 only when the action applied (or
had nothing to do).
Printing is console/cli/run.py's: `apply_step` returns what to say as an `ApplyOutcome`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.runbooks.model import ActionStep, Runbook

EXIT_OK, EXIT_ERROR, EXIT_NEEDS_CONFIRM = 0, 1, 2


class ApplyRefused(ValueError):
    """The request cannot be carried out as given; nothing was touched."""


APPLIED = {"applied", "nothing_to_do", "dry_run"}


@dataclass(frozen=True)
class ApplyOutcome:
    """What the command says (one JSON document, or one line) and its exit code."""

    document: dict[str, Any]
    line: str
    exit_code: int


def apply_step(
    runbook: Runbook,
    settings: Any,
    step_id: str,
    *,
    confirm: str | None,
    allow_write: bool,
    dry_run: bool = False,
) -> ApplyOutcome:
    from console.core.db import SessionLimits, connect_sync, require_dsn
    from console.incidents.presence import Identity
    from console.incidents.session import SharedIncident
    from console.incidents.two_person import TwoPersonRule, guarded_apply
    from console.recovery import actions
    from console.recovery.audit import AuditLog

    step = next((s for s in runbook.steps if s.id == step_id), None)
    if not isinstance(step, ActionStep):
        names = ", ".join(s.id for s in runbook.steps if isinstance(s, ActionStep)) or "none"
        raise ApplyRefused(f"{runbook.id} has no action step {step_id!r} (action steps: {names})")
    dsn = require_dsn(settings.database_url)
    limits = SessionLimits.from_settings(settings)  # the pooler setting and the timeouts
    with connect_sync(dsn, limits=limits) as read_conn:
        plan = actions.plan(read_conn, step.action, dict(step.params))
    preview = {"runbook": runbook.id, "step": step.id, "preview": plan.to_json()}
    if confirm is None:
        return ApplyOutcome(
            {**preview, "applied": False, "token_prompt": plan.token_prompt()},
            f"{plan.describe()}\nnothing written; to apply: --allow-write --confirm <token> "
            f"({plan.token_prompt()})",
            EXIT_NEEDS_CONFIRM,
        )
    if not allow_write:
        raise ApplyRefused("the console is read-only; add --allow-write to apply")
    state_dsn = settings.state_database_url or dsn
    audit = AuditLog(state_dsn=state_dsn, limits=limits)
    # While a shared incident is open, a big write needs a second person (two_person.py).
    shared = SharedIncident(
        state_dsn, Identity.here(via="cli"), settings=settings, audit=audit, limits=limits
    )
    try:
        incident = shared.current()
        with (
            guarded_apply(TwoPersonRule(shared), incident, plan),
            connect_sync(dsn, allow_write=True, limits=limits, role="apply") as write_conn,
        ):
            result = actions.apply(
                write_conn,
                plan,
                confirm.strip(),
                audit=audit,
                dry_run=dry_run,
                incident_id=incident.id if incident else None,
            )
        if incident is not None:  # the others see it on the shared timeline
            shared.store.record_result(incident, shared.who, result)
    finally:
        shared.close()
        audit.close()
    return ApplyOutcome(
        {**preview, "result": result.to_json()},
        f"{result.status}: {result.message}",
        EXIT_OK if result.status in APPLIED else EXIT_ERROR,
    )
