"""Shared by the checklist tests: an app on a real database, seeded rows, waiting helpers."""

from __future__ import annotations

import functools
import uuid
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from textual.widgets import DataTable

from console.core.db import SessionLimits
from console.recovery.actions import Plan
from console.runbooks.loader import load_runbooks
from screens.app import IncidentApp
from screens.views.checklist_state import Checklists
from support.dashboard_samples import NOW, P1_FINDINGS, make_app, p1_firing
from support.pilot import wait_until

wait_for = wait_until  # the name the checklist tests import


@functools.cache
def shipped_runbooks() -> dict[str, Any]:
    """The shipped runbooks, validated once per test session (they are frozen values)."""
    return load_runbooks()


FAST = SessionLimits(statement_timeout_ms=3_000, lock_timeout_ms=500, connect_timeout_seconds=3)


def checklist_app(
    dsn: str | None, tmp_path: Path, *, findings: Any = P1_FINDINGS, **kwargs: Any
) -> IncidentApp:
    """The real app (StaticSource snapshot, frozen clock) on `dsn`, state files in tmp."""
    kwargs.setdefault("interval", 60)
    kwargs.setdefault("operator", "alice")
    kwargs.setdefault("limits", FAST)
    kwargs.setdefault("checklists", Checklists(shipped_runbooks))
    return make_app(
        p1_firing(),
        findings=findings,
        dsn=dsn,
        state_dir=tmp_path / "state",
        report_dir=tmp_path / "reports",
        **kwargs,
    )


def widget_text(app: Any, selector: str) -> str:
    """A widget's text as shown (cheaper to poll than a whole-screen screenshot)."""
    return str(app.screen.query_one(selector).render())


def row_keys(table: DataTable) -> list[str]:
    return [str(row.key.value) for row in table.ordered_rows]


def cell_text(table: DataTable, key: str, column: int) -> str:
    return str(table.get_row(key)[column])


def seed_stuck_orders(conn: Any, n: int) -> None:
    """n orders stuck in 'pending' for two hours, plus one being worked on (recent update)."""
    conn.execute(
        "INSERT INTO orders (state, created_at, updated_at, total_amount_cents)"
        " SELECT 'pending', now() - interval '2 hours', now() - interval '2 hours', 1000 * g"
        " FROM generate_series(1, %s) AS g",
        (n,),
    )
    conn.execute(
        "INSERT INTO orders (state, created_at, updated_at) VALUES"
        " ('pending', now() - interval '2 hours', now() - interval '1 minute')"
    )


def states(conn: Any) -> dict[str, int]:
    rows = conn.execute("SELECT state, count(*) FROM orders GROUP BY state").fetchall()
    return {state: n for state, n in rows}


def frozen_plan(count: int = 3) -> Plan:
    """A preview as `actions.plan` makes it, with fixed rows and times (for snapshots)."""
    rows = tuple(
        MappingProxyType(
            {
                "id": i,
                "state": "pending",
                "created_at": "2026-11-28 01:00:00+00",
                "updated_at": "2026-11-28 01:00:00+00",
                "unchanged_for": "2:00:00",
                "stripe_payment_intent_id": None,
            }
        )
        for i in range(1, count + 1)
    )
    return Plan(
        plan_id=uuid.UUID(int=1),
        action_id="reset_stuck_orders",
        params=MappingProxyType({"age": "1 hour"}),
        keys=tuple(range(1, count + 1)),
        rows=rows,
        token=str(count),
        created_at=NOW,
        expires_at=NOW + timedelta(seconds=120),
        deadline=float("inf"),
    )
