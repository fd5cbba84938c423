"""The look-ups the dashboard's incident desk makes before it touches the store.

The desk (screens) asks whether the state schema exists before it opens or resumes an
incident: when it is missing the store would quietly fall back to a local file nobody
else sees. The SQL lives in `sql/state/`, run through the one query runner.
"""

from __future__ import annotations

from console.core.db import connect_sync
from console.core.state import SCHEMA
from console.queries.runner import run_query_sync


def state_schema_ready(state_dsn: str) -> bool:
    """Whether `incident_console.timeline` exists; raises a DatabaseError when the state
    database cannot be read."""
    with connect_sync(state_dsn, role="state") as conn:
        rows = run_query_sync(conn, "state/schema_ready", {"table": f"{SCHEMA}.timeline"})
    return any(bool(row["ok"]) for row in rows)


def live_schema_ready(state_dsn: str) -> bool:
    """Whether the live-sharing tables exist too (console_state_live.sql, applied by
    `init`): a state schema from before them is shared by reload only."""
    with connect_sync(state_dsn, role="state") as conn:
        found = [
            run_query_sync(conn, "state/schema_ready", {"table": f"{SCHEMA}.{table}"})
            for table in ("presence", "approvals")
        ]
    return all(any(bool(row["ok"]) for row in rows) for rows in found)
