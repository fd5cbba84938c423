"""The interactive training screens on a real session: embedded PostgreSQL, the live
simulated system with the scenario's fault, the production dashboard, driven by Pilot.

briefing → Enter → dashboard with the fault's finding lit → Enter on it (viewed, its
runbook opened) → a runbook step → checklist index (c) → the recovery runbook's service
commands (acting on the simulation) → resolved → f → debrief, saved to the history.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest
from support.dashboard_samples import screen_text
from textual.app import App
from textual.widgets import DataTable, Input, Static

from console.training.history import history_path, read_history
from console.training.options import DrillOptions
from console.training.scenarios import get_scenario
from console.training.scoring import (
    DIAGNOSE_OVERRUN_POINTS,
    Harm,
    TraineeEvent,
    debrief,
    score,
)
from console.training.session import TrainingSession
from screens.dialogs.confirm import ConfirmScreen
from screens.training.app import TrainingApp
from screens.training.briefing import BriefingScreen, briefing_body
from screens.training.debrief import DebriefScreen
from screens.training.dialogs import FinishScreen, HintScreen
from screens.training.text import bar_text, clock, event_line, ideal_line, versus_par
from screens.views.checklist_index import ChecklistScreen
from screens.views.dashboard import DashboardScreen
from screens.views.runbook_screen import RunbookScreen

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


async def wait_screen(pilot, app: App, kind: type, timeout: float = 15.0) -> None:
    """Until a `kind` screen is on top and mounted (composed, so it can be driven)."""
    await wait_until(pilot, lambda: isinstance(app.screen, kind) and app.screen.is_mounted, timeout)
    await pilot.pause()


def make_app(dsn: str, tmp_path: Path, time_limit: float | None = None) -> TrainingApp:
    session = TrainingSession(
        get_scenario(SCENARIO),
        dsn,
        DrillOptions(poll_interval=POLL, state_dir=tmp_path, seed=7, time_limit=time_limit),
    )
    return TrainingApp(session, history_dir=tmp_path / "history", interval=POLL, state_dir=tmp_path)


def move_to(table: DataTable, key: str) -> None:
    keys = [row.key.value for row in table.ordered_rows]
    table.move_cursor(row=keys.index(key), animate=False)


async def start(pilot, app: TrainingApp) -> None:
    assert isinstance(app.screen, BriefingScreen)
    await pilot.press("enter")
    await wait_screen(pilot, app, DashboardScreen)
    assert app.started


async def run_step(pilot, app: TrainingApp, step_id: str, confirm: bool = False) -> str:
    screen = app.screen
    assert isinstance(screen, RunbookScreen)
    screen.select(step_id)
    await pilot.press("r")
    if confirm:
        await wait_screen(pilot, app, ConfirmScreen)
        app.screen.query_one(Input).value = step_id
        await pilot.press("enter")
    state = app.checklists.state(screen.runbook.id, step_id)
    await wait_until(pilot, lambda: state.status not in ("pending", "running"))
    return state.status


async def test_briefing_dashboard_checklist_debrief(db, tmp_path: Path) -> None:
    app = make_app(db.dsn, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        page = screen_text(app)
        assert app.scenario.briefing.alert in page and "PAGE 03:12" in page
        assert "diagnose 2:00, resolve 8:00" in page  # the par times
        assert app.session.elapsed() == 0.0  # the clock waits for Enter
        await start(pilot, app)
        assert "TRAINING" in str(app.bar.render())

        # the dashboard (production) lights the fault's finding
        findings = lambda: [f.id for f in app.current_findings()]  # noqa: E731
        await wait_until(pilot, lambda: "signature_failures" in findings())
        table = app.dashboard.query_one("#findings DataTable", DataTable)
        await wait_until(pilot, lambda: table.row_count > 0)
        await pilot.press("1")
        finding_ids = [str(k.value).split("\x00")[0] for k in table.rows]
        table.move_cursor(row=finding_ids.index("signature_failures"), animate=False)
        await pilot.press("enter")  # the finding, then its runbook: both recorded
        await wait_screen(pilot, app, RunbookScreen)
        assert app.screen.runbook.id == "signature_failures"
        assert "T+0:" in screen_text(app).splitlines()[0]  # the training clock, every screen
        assert await run_step(pilot, app, "count") in ("ok", "warn", "fail")
        await pilot.press("escape")

        # the checklist index, then the recovery runbook's service commands
        await pilot.press("c")
        await wait_screen(pilot, app, ChecklistScreen)
        move_to(app.screen.query_one(DataTable), "recovery_complete_system")
        await pilot.press("enter")
        await wait_screen(pilot, app, RunbookScreen)
        assert await run_step(pilot, app, "assess_service") == "ok"
        assert await run_step(pilot, app, "restart_webhook", confirm=True) == "ok"
        result = app.checklists.state("recovery_complete_system", "restart_webhook").result
        assert "simulation" in result.verdict
        await wait_until(pilot, lambda: app.session.resolved_at is not None, 20.0)
        assert app.session.diagnosed_at is not None

        await pilot.press("f")
        await wait_screen(pilot, app, FinishScreen)
        await pilot.press("enter")
        await wait_screen(pilot, app, DebriefScreen)
        final, report = app.result
        assert final.resolved and final.grade == "A" and final.harmful == ()
        assert report.missed == ()
        shown = screen_text(app)
        assert "GRADE A" in shown
        assert "✗" not in shown  # every move of the ideal path ticked, with its time
        assert "command webhook_restart" in shown and "runbook signature_failures" in shown
        await pilot.press("q")
    assert app.return_code == 0
    [record] = read_history(history_path(tmp_path / "history"))
    assert record["scenario"] == SCENARIO and record["autopilot"] is False
    assert record["grade"] == "A"


async def test_hints_cost_points_and_show_on_the_debrief(db, tmp_path: Path) -> None:
    app = make_app(db.dsn, tmp_path)
    scenario = app.scenario
    async with app.run_test(size=(120, 36)) as pilot:
        await start(pilot, app)
        await pilot.press("h")
        await wait_screen(pilot, app, HintScreen)
        assert scenario.hints[0] in screen_text(app)
        assert f"Hint 1 of 2 (-{scenario.hint_cost} points)" in screen_text(app)
        await pilot.press("escape", "h")
        await wait_screen(pilot, app, HintScreen)
        assert scenario.hints[1] in screen_text(app)
        await pilot.press("escape")
        app.update_bar()
        assert "0 hints left" in str(app.bar.render())
        await pilot.press("h")  # none left: a note, no dialog, no charge
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert app.hints_taken == 2

        # q while the clock runs asks to finish; Esc keeps going
        await pilot.press("q")
        await wait_screen(pilot, app, FinishScreen)
        await pilot.press("escape")
        await wait_screen(pilot, app, DashboardScreen)
        assert app.running

        # fix it blind with the session's own move (what the runbook screen calls): resolved,
        # never diagnosed, so the points are 100 less that and the hints
        await app.session.run_command("webhook_restart")
        assert await app.session.wait_for(lambda p: p.resolved, 15)
        await pilot.resize_terminal(40, 10)  # a tiny terminal: the question stays readable
        await pilot.press("f")
        await wait_screen(pilot, app, FinishScreen)
        assert "Enter finishes" in screen_text(app)
        await pilot.resize_terminal(120, 36)
        await pilot.press("enter")
        await wait_screen(pilot, app, DebriefScreen)
        final, _ = app.result
        assert final.resolved and final.hints_used == 2
        assert final.points == 100 - DIAGNOSE_OVERRUN_POINTS - 2 * scenario.hint_cost
        shown = screen_text(app)
        assert "Hints used 2" in shown
        assert f"-{2 * scenario.hint_cost:.1f}  2 hint(s) taken" in shown
        assert f"{final.points} points" in shown
        await pilot.press("q")
    assert app.return_code == 0
    [record] = read_history(history_path(tmp_path / "history"))
    assert record["hints_used"] == 2 and record["points"] == final.points


async def test_a_harmful_action_in_the_ui_costs_points_on_the_debrief(db, tmp_path: Path) -> None:
    """Terminating a healthy receiver session from the runbook (pid prompt, preview, typed
    pid) goes through the session: judged harmful from its preview, shown on the debrief."""
    import psycopg

    from screens.dialogs.action_confirm import ActionConfirmScreen
    from screens.dialogs.prompt import PromptScreen

    app = make_app(db.dsn, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await start(pilot, app)
        pids: list[int] = []

        async def find_idle_receiver() -> bool:
            async with await psycopg.AsyncConnection.connect(db.dsn, autocommit=True) as conn:
                cur = await conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND application_name = 'webhook-receiver' AND state = 'idle' LIMIT 1"
                )
                row = await cur.fetchone()
            pids[:] = [row[0]] if row else []
            return bool(pids)

        app.open_runbook("issue_database_connections")
        await wait_screen(pilot, app, RunbookScreen)
        app.screen.select("terminate")
        for _attempt in range(5):  # the preview must catch it between transactions
            deadline = asyncio.get_running_loop().time() + 10
            while not await find_idle_receiver():
                assert asyncio.get_running_loop().time() < deadline, "no receiver session"
                await pilot.pause(0.1)
            await pilot.press("p")
            await wait_screen(pilot, app, PromptScreen)
            app.screen.query_one(Input).value = str(pids[0])
            await pilot.press("enter")
            await wait_screen(pilot, app, ActionConfirmScreen, 10)
            dialog = app.screen
            rows = dialog.plan.rows
            if rows and rows[0].get("state") not in (None, "idle in transaction"):
                break
            await pilot.press("escape")
            await wait_screen(pilot, app, RunbookScreen)
        else:
            raise AssertionError("never previewed the receiver outside a transaction")
        pid = pids[0]
        assert dialog.plan.token == str(pid)
        dialog.query_one(Input).value = dialog.plan.token
        await pilot.press("enter")
        await wait_until(pilot, lambda: dialog.result is not None, 10)
        assert dialog.result.changed == 1
        recorded = [(e.kind, e.target) for e in app.session.events]
        assert recorded == [
            ("runbook_opened", "issue_database_connections"),
            ("action_applied", "terminate_backend"),
        ]
        await pilot.press("escape", "f")
        await wait_screen(pilot, app, FinishScreen)
        await pilot.press("enter")
        await wait_screen(pilot, app, DebriefScreen)
        final, _ = app.result
        assert [h.kind for h in final.harmful] == ["terminated_healthy_receiver"]
        shown = screen_text(app)
        assert "Harmful actions 1" in shown and f"terminated pid {pid}" in shown
        assert "action terminate_backend (1 changed)" in shown


async def test_the_time_limit_ends_the_run_with_the_debrief(db, tmp_path: Path) -> None:
    app = make_app(db.dsn, tmp_path, time_limit=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app)
        assert "/0:01 │" in str(app.bar.render())  # the clock against the limit
        await wait_screen(pilot, app, DebriefScreen, 15)
        final, _ = app.result
        assert (final.resolved, final.grade) == (False, "F")
        assert "not resolved within the 1 s limit" in screen_text(app)
        await pilot.press("f", "h")  # over: neither finishes twice nor takes a hint
        assert app.session.events == [] and isinstance(app.screen, DebriefScreen)
        await pilot.press("q")
    assert app.return_code == 2
    [record] = read_history(history_path(tmp_path / "history"))
    assert record["grade"] == "F" and record["resolved"] is False


async def test_a_simulation_that_cannot_start_says_why_and_q_leaves(tmp_path: Path) -> None:
    app = make_app("postgresql://postgres@127.0.0.1:1/nowhere?connect_timeout=2", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        status = app.briefing.query_one("#briefing-status", Static)
        await wait_until(pilot, lambda: "could not start" in str(status.render()), 10)
        assert isinstance(app.screen, BriefingScreen) and not app.started
        await pilot.press("enter")  # no half-started retry
        await pilot.press("q")
    assert app.return_code == 1
    assert not history_path(tmp_path / "history").exists()


def test_text_helpers() -> None:
    assert [clock(None), clock(0), clock(75.9), clock(3725)] == ["—", "0:00", "1:15", "1:02:05"]
    assert versus_par(45, 120) == "0:45 (par 2:00)"
    assert versus_par(130, 120) == "2:10 (par 2:00) OVER PAR"
    assert versus_par(None, 120) == "not done (par 2:00)"
    bar = bar_text(
        elapsed=754,
        par_diagnose=120,
        par_resolve=480,
        diagnosed_at=None,
        resolved_at=None,
        hints_taken=0,
        hints_total=2,
        hint_cost=10,
    )
    assert bar == "TRAINING 12:34 │ diagnose par 2:00 │ resolve par 8:00 │ 2 hints left (-10)"
    assert len(bar) <= 78  # fits the 80-column bar with its padding
    step = {"kind": "step_run", "target": "rb", "detail": {"step": "count", "status": "fail"}}
    assert event_line(step) == "step rb/count (fail)"
    assert event_line({"kind": "finding_viewed", "target": "x", "detail": {"lit": False}}) == (
        "finding x (not lit)"
    )
    assert ideal_line({"kind": "run_step", "target": "rb", "params": {"step": "count"}}) == (
        "step rb/count"
    )


def test_the_briefing_does_not_give_the_diagnosis_away() -> None:
    for scenario_id in ("wrong_secret", "processor_down", "duplicate_deliveries"):
        scenario = get_scenario(scenario_id)
        page = briefing_body(scenario).plain
        assert scenario.briefing.alert in page and scenario.briefing.customer_impact in page
        for finding in scenario.diagnose_findings:
            assert finding not in page
        assert "par diagnose 2:00" in page or "diagnose 3:00" in page or "diagnose" in page


# --- snapshots (80x24) ------------------------------------------------------------------


def test_snapshot_briefing(snap_compare, db, tmp_path: Path) -> None:
    app = make_app(db.dsn, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24))


class DebriefHost(App[None]):
    """Shows one DebriefScreen: the snapshot renders real Score/Debrief values."""

    def on_mount(self) -> None:
        scenario = get_scenario(SCENARIO)
        events = [
            TraineeEvent(31.0, "finding_viewed", "signature_failures", {"lit": True}),
            TraineeEvent(31.2, "runbook_opened", "signature_failures"),
            TraineeEvent(
                48.5, "step_run", "signature_failures", {"step": "count", "status": "fail"}
            ),
            TraineeEvent(95.0, "hint_taken", "1", {"text": scenario.hints[0]}),
            TraineeEvent(210.0, "action_applied", "terminate_backend", {"changed": 1}),
            TraineeEvent(545.0, "command_run", "webhook_restart", {"ok": True}),
        ]
        harm = Harm(
            "terminated_healthy_receiver",
            210.0,
            "terminated pid 4242, a healthy webhook-receiver session (active)",
        )
        final = score(
            scenario,
            resolved=True,
            time_to_diagnose=48.5,
            time_to_resolve=560.0,
            hints_used=1,
            harmful=[harm],
        )
        self.push_screen(DebriefScreen(scenario, final, debrief(scenario, events, final)))


def test_snapshot_debrief(snap_compare) -> None:
    assert snap_compare(DebriefHost(), terminal_size=(80, 24))


# --- the command in a real terminal -----------------------------------------------------


def test_train_command_in_a_terminal_and_an_ssh_drop(tmp_path: Path) -> None:
    """`train --scenario S` in a pseudo-terminal: the page, Enter starts the clock (the
    training bar shows), then SIGTERM (an SSH drop): the console leaves cleanly with
    128+15, stopping the simulation and its database, and records no run."""
    import os
    import pty
    import re
    import select
    import signal
    import sys
    import time

    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment |= {
        "INCIDENT_CONSOLE_CONFIG": os.devnull,
        "XDG_STATE_HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    command = [sys.executable, "-m", "console", "train", "--scenario", SCENARIO]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console, in the terminal
        os.chdir(Path(__file__).resolve().parents[2])
        os.execve(sys.executable, command, environment)
    seen = ""

    def read_until(text: str, timeout: float) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while text not in seen and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                with contextlib.suppress(OSError):
                    chunk = os.read(fd, 65536).decode("utf-8", "replace")
                    seen += re.sub(r"\x1b\[[0-9;?<>]*[a-zA-Z]", " ", chunk)
        assert text in seen, seen[-500:]

    try:
        read_until("Start the clock", 30)
        os.write(fd, b"\r")
        read_until("TRAINING 0:0", 30)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if select.select([fd], [], [], 0.2)[0]:
                with contextlib.suppress(OSError):
                    os.read(fd, 65536)
        else:
            os.kill(pid, signal.SIGKILL)
            raise AssertionError("the console did not leave on SIGTERM")
    finally:
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 128 + signal.SIGTERM
    assert not history_path(tmp_path / "incident-console").exists()
