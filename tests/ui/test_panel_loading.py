"""Panels whose longer windows are still loading say so, and the others do not.

On a big table the first poll answers the last minutes first and the day fills in
behind (console/metrics/initial_load.py): a user must not read a partial 24 h as the day.
"""

from __future__ import annotations

from support.dashboard_samples import healthy, make_app, panel_text, settle

from console.metrics.panels import EVENTS, PROCESSED

LOADING = "loading history: 2.0 h of 24 h so far"


async def test_panels_with_partial_history_say_loading_and_the_rest_do_not() -> None:
    app = make_app(healthy(loading={EVENTS: LOADING, PROCESSED: LOADING}))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        for panel in ("throughput", "errors", "latency"):
            assert "loading history: 2.0 h of 24 h" in panel_text(app, panel), panel
        assert "payment_intent.succeeded" in panel_text(app, "throughput")  # shown so far
        for panel in ("backlog", "stuck_orders", "connections"):
            assert "loading" not in panel_text(app, panel), panel


async def test_complete_history_shows_no_loading_line() -> None:
    app = make_app(healthy())
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert "loading" not in panel_text(app, "throughput")


async def test_panel_waiting_for_its_index_names_it_instead_of_a_failure() -> None:
    waiting = (
        "waiting for an index: webhook_events has ~10,000,000 rows and no index on "
        "(created_at), so this panel would scan the whole table; fix (incident-console "
        "doctor): CREATE INDEX CONCURRENTLY webhook_events_created_at_idx ON webhook_events "
        "(created_at);"
    )
    app = make_app(healthy(panel_errors={EVENTS: waiting}))
    async with app.run_test(size=(200, 48), notifications=True) as pilot:
        await settle(pilot)
        text = panel_text(app, "throughput")
        assert "waiting for an index: webhook_events has ~10,000,000 rows" in text
        assert "query failed" not in text
        assert "(y copies it)" in text
        assert "loading" not in panel_text(app, "backlog")
        await pilot.press("y")  # one key: the fix on the clipboard, to paste into psql
        await settle(pilot)
        assert app.clipboard == (
            "CREATE INDEX CONCURRENTLY webhook_events_created_at_idx ON webhook_events "
            "(created_at);"
        )
        assert "Copied: CREATE INDEX CONCURRENTLY webhook_events_created_at_idx" in toasts(app)


async def test_y_with_no_panel_waiting_says_so_and_copies_nothing() -> None:
    app = make_app(healthy())
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == ""
        assert "No panel is waiting for an index." in toasts(app)


def toasts(app) -> str:
    """The notifications on the screen in front, each joined into one line."""
    return " | ".join(" ".join(str(t.render()).split()) for t in app.screen.query("Toast"))
