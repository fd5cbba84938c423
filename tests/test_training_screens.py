"""The interactive training screens on a real session: embedded PostgreSQL, the live
simulated system with the scenario's fault, the production dashboard, driven by Pilot.

briefing → Enter → dashboard with the fault's finding lit → Enter on it (viewed, its
runbook opened) → a runbook step → checklist index (c) → the recovery runbook's service
commands (acting on the simulation) → resolved → f → debrief, saved to the history.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from dashboard_samples import screen_text
from textual.widgets import DataTable, Input

from console.training.history import history_path, read_history
from console.training.scenarios import get_scenario
from console.training.session import TrainingSession
from screens.checklist_index import ChecklistScreen
from screens.confirm import ConfirmScreen
from screens.dashboard import DashboardScreen
from screens.runbook_screen import RunbookScreen
from screens.training.app import TrainingApp
from screens.training.briefing import BriefingScreen
from screens.training.debrief import DebriefScreen
from screens.training.dialogs import FinishScreen

pytestmark = pytest.mark.timeout(60)
SCENARIO = "wrong_secret"  # lit within seconds, solved by one restart
POLL = 0.3


async def wait_until(pilot, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        await pilot.pause(0.05)


def make_app(dsn: str, tmp_path: Path) -> TrainingApp:
    session = TrainingSession(
        get_scenario(SCENARIO), dsn, poll_interval=POLL, state_dir=tmp_path, seed=7
    )
    return TrainingApp(session, history_dir=tmp_path / "history", interval=POLL, state_dir=tmp_path)


def move_to(table: DataTable, key: str) -> None:
    keys = [row.key.value for row in table.ordered_rows]
    table.move_cursor(row=keys.index(key), animate=False)


async def start(pilot, app: TrainingApp) -> None:
    assert isinstance(app.screen, BriefingScreen)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
    assert app.started


async def run_step(pilot, app: TrainingApp, step_id: str, confirm: bool = False) -> str:
    screen = app.screen
    assert isinstance(screen, RunbookScreen)
    screen.select(step_id)
    await pilot.press("r")
    if confirm:
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        app.screen.query_one(Input).value = step_id
        await pilot.press("enter")
    state = app.checklists.state(screen.runbook.id, step_id)
    await wait_until(pilot, lambda: state.status not in ("pending", "running"))
    return state.status


async def test_briefing_dashboard_checklist_debrief(db, tmp_path: Path) -> None:
    app = make_app(db.dsn, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        text = screen_text(app)
        assert "Invalid signature" in text or "signature" in text
        assert "par" in text.lower()
        assert app.session.elapsed() == 0.0  # the clock waits for Enter
        await start(pilot, app)
        assert "TRAINING" in str(app.bar.render())

        # the dashboard (production) lights the fault's finding
        findings = lambda: [f.id for f in app.current_findings()]  # noqa: E731
        await wait_until(pilot, lambda: "signature_failures" in findings())
        table = app.dashboard.query_one("#findings DataTable", DataTable)
        await wait_until(pilot, lambda: table.row_count > 0)
        await pilot.press("1")
        move_to_finding = [str(k.value).split("\x00")[0] for k in table.rows]
        table.move_cursor(row=move_to_finding.index("signature_failures"), animate=False)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunbookScreen))
        assert app.screen.runbook.id == "signature_failures"
        assert await run_step(pilot, app, "count") in ("ok", "warn", "fail")
        await pilot.press("escape")

        # the checklist index, then the recovery runbook's service commands
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        move_to(app.screen.query_one(DataTable), "recovery_complete_system")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunbookScreen))
        assert await run_step(pilot, app, "assess_service") == "ok"
        assert await run_step(pilot, app, "restart_webhook", confirm=True) == "ok"
        result = app.checklists.state("recovery_complete_system", "restart_webhook").result
        assert "simulation" in result.verdict
        await wait_until(pilot, lambda: app.session.resolved_at is not None, 20.0)
        assert app.session.diagnosed_at is not None

        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FinishScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DebriefScreen))
        final, report = app.result
        assert final.resolved and final.grade == "A" and final.harmful == ()
        assert report.missed == ()
        shown = screen_text(app)
        assert "GRADE A" in shown
        assert "ran command webhook_restart" in shown
        assert "open runbook signature_failures" in shown
        await pilot.press("q")
    assert app.return_code == 0
    [record] = read_history(history_path(tmp_path / "history"))
    assert record["scenario"] == SCENARIO and record["autopilot"] is False
    assert record["grade"] == "A"
