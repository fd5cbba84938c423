"""`incident-console replay FILE` opens the live dashboard on a recording: the recorded
panels, findings and status bar at the player's position, with pause, speed and seeks,
and the timeline beside it; no database and nothing written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support.dashboard_samples import panel_text, status_text
from support.pilot import wait_until
from support.recording_samples import (
    START,
    ManualClock,
    outage_recording,
)

from console.recording.recording import Recording
from screens.dialogs.prompt import PromptScreen
from screens.replay.app import ReplayApp
from screens.replay.timeline import ReplayTimeline


@pytest.fixture
def recording(tmp_path: Path) -> Recording:
    """Ten minutes; processing_down lit 03:00-05:00; a note at 04:00; the DB down 07:00."""
    failed = {210: ("connection refused", "unreachable")}
    return outage_recording(tmp_path / "r.icrec.gz", failures=failed)


def timeline(app: ReplayApp) -> str:
    return str(app.dashboard.query_one(ReplayTimeline).render())


async def test_the_recorded_moment_in_the_live_panels(recording: Recording) -> None:
    clock = ManualClock()
    app = ReplayApp(recording, monotonic=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.state.polls >= 1)
        assert "REPLAY r.icrec.gz" in status_text(app)
        assert "▶ 1x" in status_text(app)
        assert "processing_down" not in panel_text(app, "findings")
        await pilot.press("right_square_bracket")  # the next finding: fired at 03:00
        await wait_until(pilot, lambda: "processing_down" in panel_text(app, "findings"))
        assert app.player.position == START + timedelta(minutes=3)
        assert "00:03:00" in status_text(app)
        assert "finding fired" in timeline(app)
        assert "next 00:04:00 restarting the worker" in timeline(app)
        await pilot.press("n")  # the next timeline entry: the note
        await wait_until(pilot, lambda: "restarting the worker" in timeline(app).split("next")[0])
        await pilot.press("right_square_bracket")  # cleared at 05:00
        await wait_until(pilot, lambda: "processing_down" not in panel_text(app, "findings"))
        assert app.dashboard.query_one("#backlog") is not None


async def test_pause_speed_and_seek_to_a_time(recording: Recording) -> None:
    clock = ManualClock()
    app = ReplayApp(recording, monotonic=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.state.polls >= 1)
        await pilot.press("plus", "plus", "plus")  # 1x -> 2x -> 5x -> 10x
        await wait_until(pilot, lambda: app.player.speed == 10)
        clock.now += 6  # six real seconds at 10x: a minute of the recording
        await wait_until(pilot, lambda: app.player.position >= START + timedelta(minutes=1))
        await pilot.press("p")
        await wait_until(pilot, lambda: "⏸ 10x" in status_text(app))
        held = app.player.position
        clock.now += 60
        await pilot.pause(0.6)  # one replay refresh: the paused position must not move
        assert app.player.position == held
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"00:07:01", "enter")
        await wait_until(
            pilot, lambda: app.player.position == START + timedelta(minutes=7, seconds=1)
        )
        await wait_until(pilot, lambda: "DB DOWN" in status_text(app))  # as recorded
        assert "db_connection_failure" in panel_text(app, "findings")


async def test_nothing_is_written_and_nothing_recorded(recording: Recording) -> None:
    app = ReplayApp(recording, monotonic=ManualClock())
    assert app.polling.recording is None and app.options.allow_write is False  # never recorded
    assert app.incident_controller.state_dsn is None
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.state.polls >= 1)
        assert "READ-ONLY" in status_text(app) or "READ" in status_text(app)
        timeline_widget = app.dashboard.query_one(ReplayTimeline)
        assert timeline_widget.has_class("-hidden")  # 80 columns: the panels first
        await pilot.press("t")
        await wait_until(pilot, lambda: not timeline_widget.has_class("-hidden"))
