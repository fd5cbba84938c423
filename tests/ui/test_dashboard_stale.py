"""Panels never show zeros they did not measure (issue 12): a panel whose query fails keeps
the last values it saw measured, marked STALE with their age; before any, it says so."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType

from support.dashboard_samples import NOW, TAKEN, healthy, make_app, panel_text, settle
from support.metrics_testkit import add_events

from console.core.config import Settings
from console.metrics.snapshot import Backlog
from screens.app import IncidentApp
from screens.controllers.source import collector_factory
from screens.options import DashboardOptions
from tests.db.test_check_locked import locked

LOCKED = MappingProxyType(
    {
        name: "webhook_events locked by pid 4242 (ACCESS EXCLUSIVE, careless-migration, idle in "
        "transaction, 40 s in transaction): LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE; "
        "lock timeout"
        for name in ("events", "processed", "unprocessed")
    }
)


def unmeasured(seconds_later: float):
    """A poll in which webhook_events could not be read: the Collector's zeros."""
    return healthy(
        taken_at=TAKEN + timedelta(seconds=seconds_later),
        backlog=Backlog(),
        panel_errors=LOCKED,
    )


async def test_a_failing_query_keeps_the_last_measured_values_marked_stale() -> None:
    now = [NOW]
    app = make_app(healthy(), unmeasured(42), interval=60, clock=lambda: now[0])
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert "Unprocessed 3 (2 without error)" in panel_text(app, "backlog")
        now[0] = NOW + timedelta(seconds=42)
        app.action_poll_now()
        await settle(pilot, polls=2)
        backlog = panel_text(app, "backlog")
        assert "Unprocessed 3 (2 without error)" in backlog, backlog
        assert "Unprocessed 0" not in backlog
        assert "STALE 44s: webhook_events locked by pid 4242" in backlog, backlog
        assert "STALE 44s" in panel_text(app, "throughput")
        # the panels whose queries answered are not stale
        assert "STALE" not in panel_text(app, "stuck_orders")
        assert "STALE" not in panel_text(app, "connections")


async def test_a_query_failing_from_the_first_poll_shows_no_data_not_zeros() -> None:
    app = make_app(unmeasured(0), interval=60)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        backlog = panel_text(app, "backlog")
        assert "Unprocessed 0" not in backlog and "Failed 0" not in backlog, backlog
        assert "no data: webhook_events locked by pid 4242" in backlog, backlog
        assert "query failed: webhook_events locked" in backlog


async def test_a_real_lock_on_webhook_events_names_the_session_and_keeps_the_values(db) -> None:
    with db.connect() as conn:
        add_events(conn, 6, oldest=100, newest=10, latency=None)
    settings = Settings(lock_timeout_ms=300, statement_timeout_ms=3_000)
    app = IncidentApp(
        collector_factory(db.dsn, settings), DashboardOptions(interval=60, settings=settings)
    )
    async with app.run_test(size=(240, 60)) as pilot:
        await settle(pilot, timeout=15)
        before = panel_text(app, "backlog")
        assert "Unprocessed 6" in before, before
        with locked(db) as pid:
            app.action_poll_now()
            await settle(pilot, polls=2, timeout=15)
            backlog = panel_text(app, "backlog")
        assert "Unprocessed 6" in backlog and "Unprocessed 0" not in backlog, backlog
        assert "STALE" in backlog and f"webhook_events locked by pid {pid}" in backlog, backlog
        assert "schema" not in backlog


async def test_a_missing_optional_table_turns_its_detector_off_in_one_line(db) -> None:
    with db.connect() as conn:
        conn.execute("DROP TABLE IF EXISTS notifications CASCADE")
    settings = Settings()
    app = IncidentApp(
        collector_factory(db.dsn, settings), DashboardOptions(interval=60, settings=settings)
    )
    async with app.run_test(size=(240, 60)) as pilot:
        await settle(pilot, timeout=15)
        app.action_poll_now()
        await settle(pilot, polls=2, timeout=15)
        findings = panel_text(app, "findings")
        line = "notification failures detector off: no notifications table (optional)"
        assert line in findings, findings
        assert "query failed" not in findings


async def test_the_failed_line_counts_one_set_and_says_how_many_are_recent() -> None:
    backlog = Backlog(
        unprocessed=200, unprocessed_without_error=10, failed_24h=33, retryable_failed=150
    )
    app = make_app(healthy(backlog=backlog), interval=60)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert "Failed 190 (150 retryable), 33 in 24 h" in panel_text(app, "backlog")


async def test_at_80x24_throughput_shows_several_types_by_their_distinguishing_names() -> None:
    app = make_app(healthy(), interval=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.dashboard.query_one("#throughput DataTable")
        await pilot.pause()
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        region = table.content_region
        visible = min(table.row_count, region.height - (1 if table.show_header else 0))
        assert visible >= 2, (names, region)
        assert "checkout…completed" in names or "checkout.session.completed" in names, names
        assert not any(n.startswith("…session") for n in names), names
