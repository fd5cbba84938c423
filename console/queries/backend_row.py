"""One server backend's pg_stat_activity columns, as the console's queries read them.

The connections panel (`sql/live/connections.sql`, the Snapshot's `Session`) and the
backend drill-down (`sql/drilldown/backend.sql`, `BackendDetail`) read the same columns;
each extends this with what only it has, so a column added here reaches both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class BackendRow:
    pid: int
    state: str | None
    usename: str | None
    application_name: str | None
    client_addr: str | None
    backend_start: datetime | None
    xact_start: datetime | None
    query_start: datetime | None
    state_change: datetime | None
    wait_event_type: str | None
    wait_event: str | None
    query: str
    duration_seconds: float | None
