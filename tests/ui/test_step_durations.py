"""Durations read as people read them (issue 12): a step's rows show a column of seconds
(and an interval) as `2h00m`, never `7215.657063` (or `2:00:03`); `run` prints the same."""

from __future__ import annotations

from pathlib import Path

from support.checklist_samples import checklist_app, wait_for
from support.cli import run_console
from support.dashboard_samples import settle
from support.metrics_testkit import add_events
from textual.widgets import DataTable

from console.core.durations import human_duration
from screens.views.runbook_screen import RunbookScreen
from tests.conftest import TestDatabase


def test_the_one_formatter_reads_like_a_person() -> None:
    assert [human_duration(s) for s in (0.85, 4.2, 36, 185, 7215.657063, 3 * 86400 + 4 * 3600)] == [
        "850 ms",
        "4.2 s",
        "36 s",
        "3m05s",
        "2h00m",
        "3d04h",
    ]


async def test_step_rows_show_intervals_and_seconds_as_durations(
    db: TestDatabase, tmp_path: Path
) -> None:
    with db.connect() as conn:
        add_events(conn, 1, oldest=7215, newest=7215, latency=None)
    app = checklist_app(db.dsn, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.open_runbook("payments_not_processing")
        await wait_for(pilot, lambda: isinstance(app.screen, RunbookScreen))
        screen = app.screen
        screen.select("stalled")
        await pilot.pause()
        await pilot.press("r")
        state = app.checklists.state("payments_not_processing", "stalled")
        await wait_for(pilot, lambda: state.status not in ("pending", "running"), timeout=15)
        rows = screen.query_one("#rb-rows", DataTable)
        labels = [str(c.label) for c in rows.columns.values()]
        row = [str(v) for v in rows.get_row_at(0)]
        assert row[labels.index("oldest_age_seconds")] == "2h00m", row


def test_run_prints_seconds_as_a_duration(db: TestDatabase) -> None:
    with db.connect() as conn:
        add_events(conn, 1, oldest=7215, newest=7215, latency=None)
    proc = run_console("run", "payments_not_processing", "--dsn", db.dsn)
    assert "oldest_age_seconds=2h00m" in proc.stdout, proc.stdout + proc.stderr
    assert "7215." not in proc.stdout
