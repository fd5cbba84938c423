"""Shared by the checklist tests: an app on a real database, seeded rows, waiting helpers."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from textual.widgets import DataTable

from console.core.db import SessionLimits
from console.recovery.actions import Plan
from console.runbooks.loader import load_runbooks
from screens.app import IncidentApp
from screens.dialogs.action_confirm import ActionConfirmScreen
from screens.views.checklist_state import Checklists
from screens.views.runbook_screen import RunbookScreen
from support.dashboard_samples import NOW, P1_FINDINGS, make_app, p1_firing, running
from support.pilot import wait_screen, wait_until

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


async def open_runbook(pilot: Any, runbook_id: str, step: str | None = None) -> RunbookScreen:
    """The runbook's screen on top and mounted, with `step` selected when one is named."""
    pilot.app.open_runbook(runbook_id)
    screen = await wait_screen(pilot, RunbookScreen)
    if step is not None:
        screen.select(step)
        await pilot.pause()
    return screen


def action_step(screen: RunbookScreen) -> str:
    """The id of the runbook's first action step."""
    return next(s.id for s in screen.runbook.steps if s.kind == "action")


async def open_action(
    pilot: Any, runbook_id: str = "issue_state_transitions"
) -> ActionConfirmScreen:
    """The runbook's action step previewed: its confirm dialog, on top and mounted."""
    screen = await open_runbook(pilot, runbook_id)
    screen.select(action_step(screen))
    await pilot.press("p")
    dialog: ActionConfirmScreen = await wait_screen(pilot, ActionConfirmScreen)
    return dialog


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


def stuck_orders_app(db: Any, tmp_path: Path, n: int, **kwargs: Any) -> IncidentApp:
    """The checklist app on `db` after `seed_stuck_orders(n)` (the reset action's world)."""
    with db.connect() as conn:
        seed_stuck_orders(conn, n)
    return checklist_app(db.dsn, tmp_path, **kwargs)


@asynccontextmanager
async def reset_previewed(
    db: Any, tmp_path: Path, n: int, **kwargs: Any
) -> AsyncIterator[tuple[IncidentApp, Any, ActionConfirmScreen]]:
    """The running app over `n` stuck orders, the reset previewed: (app, pilot, dialog)."""
    app = stuck_orders_app(db, tmp_path, n, **kwargs)
    async with running(app) as pilot:
        yield app, pilot, await open_action(pilot)


def order_states(db: Any) -> dict[str, int]:
    """`states` on a fresh connection to `db`: what the orders table holds now."""
    with db.connect() as conn:
        return states(conn)


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
