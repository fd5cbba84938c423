"""Server sessions from pg_stat_activity rows: counts by state, blockers, the longest query.

The console's own backend is excluded by the query itself (`pid <> pg_backend_pid()`);
other console sessions (application_name `incident-console:…`) still count against
max_connections, but are never reported as "the longest query": an operator hunting a
runaway statement should not be shown the console's own diagnostics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from console.metrics.snapshot import Connections, Session

CONSOLE_APPLICATION = "incident-console"


def build_connections(
    rows: Iterable[Mapping[str, Any]], now: datetime, max_connections: int
) -> Connections:
    sessions = tuple(sorted((_session(r, now) for r in rows), key=_longest_first))
    by_state = Counter((s.state or "unknown") for s in sessions)
    others = [
        s
        for s in sessions
        if s.state == "active"
        and s.duration_seconds is not None
        and not (s.application_name or "").startswith(CONSOLE_APPLICATION)
    ]
    return Connections(
        total=len(sessions),
        max_connections=max_connections,
        by_state=MappingProxyType(dict(by_state)),
        longest=others[0] if others else None,
        blocked=tuple(s for s in sessions if s.blocked_by),
        idle_in_transaction=tuple(
            s for s in sessions if (s.state or "").startswith("idle in transaction")
        ),
        sessions=sessions,
    )


def _session(row: Mapping[str, Any], now: datetime) -> Session:
    state = row["state"]
    if state == "active" and row["query_start"] is not None:
        duration: float | None = (now - row["query_start"]).total_seconds()
    elif row["xact_start"] is not None:
        duration = (now - row["xact_start"]).total_seconds()
    else:
        duration = None
    return Session(
        pid=row["pid"],
        state=state,
        usename=row["usename"],
        application_name=row["application_name"],
        client_addr=row["client_addr"],
        backend_start=row["backend_start"],
        xact_start=row["xact_start"],
        query_start=row["query_start"],
        state_change=row["state_change"],
        wait_event_type=row["wait_event_type"],
        wait_event=row["wait_event"],
        query=row["query"] or "",
        duration_seconds=duration,
        blocked_by=tuple(row["blocked_by"] or ()),
    )


def _longest_first(session: Session) -> tuple[int, float]:
    return (0 if session.duration_seconds is not None else 1, -(session.duration_seconds or 0.0))
