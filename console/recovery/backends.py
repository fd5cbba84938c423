"""Cancel or terminate a server backend from the dashboard: a recovery action like any other.

The dashboard's signals are the registry's `cancel_backend` and `terminate_backend`: the
same plan (a preview of the session), typed pid, advisory lock, audit before and after,
and timeline entry as from a runbook; `console.recovery.apply` runs them. This module adds
only what the dashboard knows and a runbook does not:

- the pids the console must never signal besides the planning session itself (its other
  sessions, such as the poller): refused here, before any preview;
- the session the operator was looking at (its backend_start): if the pid now belongs
  to another session, the plan has nothing to do, so a reused pid is never signalled.
  A session whose backend_start this role cannot see (no pg_read_all_stats) is never
  signalled either: its plan is blocked (console.recovery.plan), and the write itself
  matches the previewed backend_start (sql/recovery/signal_backend.sql).
Own-backend guards hold behind a pooler: the planning session's pid is refused only when
it means something (console.core.db.own_backend_pid), and every preview and signal
excludes `pg_backend_pid()` inside its own statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal

import psycopg

from console.recovery.errors import ActionRefused
from console.recovery.plan import DEFAULT_TTL_SECONDS, Plan, plan

Signal = Literal["cancel", "terminate"]

SIGNAL_ACTIONS: Mapping[str, str] = MappingProxyType(
    {"cancel": "cancel_backend", "terminate": "terminate_backend"}
)


class BackendRefused(ActionRefused):
    """The console will not send this signal (a protected pid, a bad pid, a bad signal)."""


def signal_action(action: str) -> str:
    """The recovery action behind a signal name."""
    try:
        return SIGNAL_ACTIONS[action]
    except KeyError:
        raise BackendRefused(f"unknown action {action!r}", "use cancel or terminate") from None


def plan_signal(
    conn: psycopg.Connection[Any],
    pid: int,
    action: Signal,
    *,
    protected_pids: Iterable[int] = (),
    seen_start: datetime | None = None,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
) -> Plan:
    """Preview `action` on backend `pid`; its token is the pid, as for a runbook's step.

    Raises BackendRefused for a protected pid, ActionRefused for the planning session's
    own pid. When `seen_start` (the backend_start the operator saw) differs from the
    session holding the pid now, the plan has nothing to do and says why.
    """
    action_id = signal_action(action)
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        raise BackendRefused(f"not a backend pid: {pid!r}")
    if pid in set(protected_pids):
        raise BackendRefused(f"pid {pid} belongs to this console", "pick another backend")
    previewed = plan(conn, action_id, {"pid": pid}, ttl_seconds=ttl_seconds)
    now_start = previewed.rows[0].get("backend_start") if previewed.rows else None
    # Blocked: a backend_start hidden from this role (never signalled); no rows: gone.
    if previewed.blocked or not previewed.rows or seen_start in (None, now_start):
        return previewed
    return replace(
        previewed,
        keys=(),
        rows=(),
        token=action_id,
        nothing_to_do=True,
        note=f"pid {pid} now belongs to another session (started {now_start:%H:%M:%S}), "
        "not the one on screen",
    )
