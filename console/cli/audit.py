"""`incident-console audit verify [--json]`: is the audit log as it was written?

Walks each store's hash chain (console/recovery/audit_chain.py): the state database's
`incident_console.audit_log` when one is configured, and the local `audit.jsonl`. Exit 0
when every store holds, 1 naming the first broken record of the first store that does
not (or when a store cannot be read: unverified is not intact; `--local` checks the local
file alone).
"""

from __future__ import annotations

import argparse
import json
import sys

from console.cli import EXIT_ERROR, EXIT_OK, load_settings_from
from console.cli.runbooks import emit_error
from console.core.config import mask_dsn
from console.core.db import DatabaseError, SessionLimits, translate
from console.recovery.audit import AuditLog
from console.recovery.audit_chain import Verdict, local_records, verify


def audit_command(args: argparse.Namespace) -> int:
    if getattr(args, "audit_command", None) != "verify":
        return emit_error(args, "audit needs a command: incident-console audit verify [--json]")
    settings = load_settings_from(args)
    dsn = (
        None
        if getattr(args, "local", False)
        else settings.state_database_url or settings.database_url
    )
    log = AuditLog(state_dsn=dsn, limits=SessionLimits.from_settings(settings))
    verdicts: list[Verdict] = []
    try:
        if dsn:
            try:
                rows = log.chain_rows()
            except DatabaseError as exc:
                return emit_error(args, f"the state database's audit log cannot be read: {exc}")
            except Exception as exc:  # psycopg: no schema, no privilege
                return emit_error(
                    args,
                    f"the state database's audit log cannot be read: {translate(exc).message}"
                    " (run incident-console init, or check the role's SELECT on it; "
                    "--local verifies the local file alone)",
                )
            verdicts.append(
                verify(f"state database {mask_dsn(dsn)}", ((str(r["id"]), r) for r in rows))
            )
        path = log.local_path
        verdicts.append(verify(f"local file {path}", local_records(path)))
    finally:
        log.close()
    intact = all(v.intact for v in verdicts)
    if getattr(args, "json", False):
        print(json.dumps({"intact": intact, "stores": [v.to_json() for v in verdicts]}))
    else:
        for verdict in verdicts:
            print(_line(verdict), file=sys.stdout if verdict.intact else sys.stderr)
    return EXIT_OK if intact else EXIT_ERROR


def _line(verdict: Verdict) -> str:
    if verdict.broken is not None:
        return f"{verdict.store}: BROKEN at {verdict.broken.describe()}"
    older = verdict.records - verdict.chained
    extra = f" ({older} older than the chain, not verifiable)" if older else ""
    return f"{verdict.store}: intact, {verdict.chained} chained records{extra}"
