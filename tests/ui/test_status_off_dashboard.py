"""The status bar is live on every screen (issue 12): on a runbook the severity and data
age are the latest poll's (behind a dialog, a new severity shows at once), and a finding
that fires while the operator is elsewhere raises a notification naming it and `!`,
which opens its runbook."""

from __future__ import annotations

from datetime import timedelta

from support.checklist_samples import checklist_app
from support.dashboard_samples import NOW, TAKEN, healthy, lit
from support.pilot import wait_screen, wait_until

from screens.controllers.source import StaticSource
from screens.dialogs.help import HelpScreen
from screens.views.runbook_screen import RunbookScreen
from screens.widgets.status_bar import StatusBar


def toast_text(app) -> str:
    """What the notifications on the screen in front say, each joined into one line."""
    return " | ".join(" ".join(str(t.render()).split()) for t in app.screen.query("Toast"))


def bar_text(screen) -> str:
    return str(screen.query_one(StatusBar).render())


async def test_runbook_screen_status_follows_polls_and_a_new_finding_is_announced(tmp_path):
    later = TAKEN + timedelta(seconds=60)
    source = StaticSource([healthy(), healthy(taken_at=later)])
    findings: list = []
    now = [NOW]
    app = checklist_app(None, tmp_path, findings=findings, clock=lambda: now[0])
    app.polling.source_factory = lambda: source
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.state.polls >= 1)
        app.open_runbook("issue_state_transitions")
        runbook = await wait_screen(pilot, RunbookScreen)
        await wait_until(pilot, lambda: "OK" in bar_text(runbook))
        # a minute later a poll brings fresh data and a P1: the runbook's bar tells both
        now[0] = later + timedelta(seconds=1)
        findings.append(lit("stuck_orders", "P1", "Orders stuck in pending states", 9, 0))
        app.action_poll_now()
        await wait_until(pilot, lambda: "P1 HIGH" in bar_text(runbook))
        assert "data 1s old" in bar_text(runbook), bar_text(runbook)
        await wait_until(pilot, lambda: "Orders stuck in pending states" in toast_text(app))
        assert "press ! to open its runbook" in toast_text(app)
        # behind the help dialog the bar takes a new severity at once (not each tick)
        await pilot.press("question_mark")
        await wait_screen(pilot, HelpScreen)
        findings.append(lit("db_connection_failure", "P0", "Database connection failure", 1, 0))
        app.action_poll_now()
        await wait_until(pilot, lambda: "P0 CRITICAL" in bar_text(runbook))
        await pilot.press("escape")
        await wait_screen(pilot, RunbookScreen)
        await pilot.press("exclamation_mark")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, RunbookScreen) and app.screen is not runbook,
        )
        # the finding that fired last: the P0
        assert app.screen.runbook.id == app.checklists.for_finding("db_connection_failure").id
