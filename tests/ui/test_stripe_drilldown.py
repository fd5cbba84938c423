"""The undelivered_events finding opens Stripe's reconciliation in the dashboard: the same
classes and counts as `incident-console reconcile`, the missing events in a table."""

# ruff: noqa: F811  (stripe_world is a fixture imported from support)
from __future__ import annotations

import asyncio

from support.dashboard_samples import healthy, lit, make_app, settle
from support.stripe_world import StripeWorld, stripe_world  # noqa: F401
from textual.widgets import DataTable, Static

from console.core.config import Secret
from console.sim.stripe_api import DEMO_NO_PERMISSION_KEY
from screens.views.drilldown import TextScreen
from screens.views.reconcile_screen import ReconciliationScreen

FINDING = lit("undelivered_events", "P1", "Stripe holds 3 events that were never processed", 3, 0)


async def _wait(pilot, condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not reached in time"
        await pilot.pause(0.05)


def _summary(app) -> str:
    return str(app.screen.query_one("#reconcile-summary", Static).render())


async def test_e_on_undelivered_events_shows_the_reconciliation(stripe_world: StripeWorld) -> None:
    missing = [stripe_world.new_event() for _ in range(3)]
    for event in missing:
        stripe_world.miss(event)
    assert await stripe_world.send(stripe_world.new_event()) == 200
    app = make_app(
        healthy(), findings=(FINDING,), dsn=stripe_world.dsn, settings=stripe_world.settings()
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("1", "e")
        assert isinstance(app.screen, ReconciliationScreen)
        await _wait(pilot, lambda: "Stripe events" in _summary(app))
        summary = _summary(app)
        assert "missing" in summary and "      3  Stripe holds these events" in summary
        table = app.screen.query_one(DataTable)
        assert sorted(table.get_row_at(i)[0] for i in range(table.row_count)) == sorted(
            e["id"] for e in missing
        )
        stripe_world.miss(stripe_world.new_event())
        await pilot.press("r")  # again: the new one shows
        await _wait(pilot, lambda: app.screen.query_one(DataTable).row_count == 4)
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_a_refused_key_is_one_line_in_the_screen(stripe_world: StripeWorld) -> None:
    settings = stripe_world.settings(stripe_secret_key=Secret(DEMO_NO_PERMISSION_KEY))
    app = make_app(healthy(), findings=(FINDING,), dsn=stripe_world.dsn, settings=settings)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("1", "e")
        await _wait(pilot, lambda: _summary(app).startswith("!"))
        line = _summary(app)
        assert "403" in line and "Events: Read" in line and DEMO_NO_PERMISSION_KEY not in line
        assert app.is_running


async def test_without_a_stripe_key_the_finding_shows_its_evidence() -> None:
    app = make_app(healthy(), findings=(FINDING,))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("1", "e")
        assert isinstance(app.screen, TextScreen)


async def test_the_checklist_redelivers_with_preview_token_and_timeline(
    stripe_world: StripeWorld, tmp_path
) -> None:
    from support.checklist_samples import checklist_app
    from support.sim_helpers import query
    from textual.widgets import Button

    from console.core.state import init_state
    from screens.dialogs.action_confirm import ActionConfirmScreen

    init_state(stripe_world.dsn)
    missing = [stripe_world.new_event() for _ in range(2)]
    for event in missing:
        stripe_world.miss(event)
    app = checklist_app(
        stripe_world.dsn, tmp_path, allow_write=True, settings=stripe_world.settings()
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.desk.open("Stripe deliveries failed", "P1")
        app.open_runbook("recovery_data")
        await pilot.pause()
        app.screen.select("redeliver")
        await pilot.press("p")
        await _wait(pilot, lambda: isinstance(app.screen, ActionConfirmScreen))
        dialog = app.screen
        assert dialog.plan.count == 2 and dialog.plan.token == "2"
        assert list(dialog.plan.keys) == [e["id"] for e in missing]
        assert dialog.query_one("#action-apply", Button).disabled
        await pilot.press("2", "enter")
        await _wait(pilot, lambda: dialog.result is not None)
        assert dialog.result.status == "applied" and dialog.result.changed == 2
        processed = query(
            stripe_world.dsn,
            "SELECT count(*) AS n FROM webhook_events WHERE event_id = ANY(%s)"
            " AND processed_at IS NOT NULL",
            [[e["id"] for e in missing]],
        )
        assert processed[0]["n"] == 2
        await pilot.press("escape")  # back to the checklist: the result goes on the timeline
        await _wait(pilot, lambda: any(e.kind == "action_applied" for e in app.desk.timeline()))
        applied = next(e for e in app.desk.timeline() if e.kind == "action_applied")
        assert applied.data["action_id"] == "redeliver_stripe_events"
        assert applied.data["changed"] == 2
