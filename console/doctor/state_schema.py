"""The console's own state schema: present, and as new as this version of the console.

An upgrade adds columns and tables (the audit chain's hashes, saved plans, live sharing).
Against an older schema the console still works — audit records go to the local file, plans
to the local folder, followers poll — but the shared record is incomplete, so doctor says
which parts are missing and that `incident-console init` (idempotent) brings them.
"""

from __future__ import annotations

from typing import Any

from console.doctor.report import Check

PARTS = {
    "audit_chained": "the audit log's hash chain",
    "saved_plans": "saved plans",
    "live_sharing": "live sharing (presence, roles, approvals)",
}


def state_schema_check(row: dict[str, Any]) -> Check:
    if not row["present"]:
        return Check(
            "state_schema",
            "info",
            "no incident_console schema here: incidents and the audit log stay local",
            "incident-console init (creates it; needs CREATE on the database once)",
        )
    missing = [what for key, what in PARTS.items() if not row[key]]
    if missing:
        return Check(
            "state_schema",
            "warn",
            "the incident_console schema is older than this console: no "
            + ", ".join(missing)
            + " (the audit goes to the local file only)",
            "incident-console init (idempotent: adds what is missing, keeps every record)",
        )
    return Check("state_schema", "ok", "incident_console schema is up to date")
