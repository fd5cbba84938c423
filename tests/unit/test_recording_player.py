"""The replay's clock: pause, speed 1x-60x, seek to a time, to the next finding or
timeline entry, and the frame (snapshot, findings, timeline) shown at each moment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support.recording_samples import (
    START,
    ManualClock,
    outage_recording,
)

from console.recording import format as fmt
from console.recording.player import Player, SeekError
from console.recording.recording import Recording


@pytest.fixture
def recording(tmp_path: Path) -> Recording:
    """10 minutes at 2 s; processing_down lit 03:00-05:00; a note at 04:00."""
    return outage_recording(tmp_path / "r.icrec.gz")


def test_playing_moves_with_real_time_times_the_speed(recording: Recording) -> None:
    clock = ManualClock(100.0)
    player = Player(recording, clock=clock)
    clock.now += 10
    assert player.tick() == START + timedelta(seconds=10)
    player.set_speed(60)
    clock.now += 2
    assert player.tick() == START + timedelta(seconds=130)
    player.pause()
    clock.now += 100
    assert player.tick() == START + timedelta(seconds=130)
    assert player.toggle() is False  # playing again
    clock.now += 1
    assert player.tick() == START + timedelta(seconds=190)


def test_speed_is_kept_between_1x_and_60x(recording: Recording) -> None:
    player = Player(recording, clock=ManualClock(100.0))
    assert player.set_speed(500) == 60
    assert player.set_speed(0.1) == 1
    assert [player.faster() for _ in range(6)] == [2, 5, 10, 30, 60, 60]
    assert player.slower() == 30


def test_the_end_pauses_and_play_starts_over(recording: Recording) -> None:
    clock = ManualClock(100.0)
    player = Player(recording, speed=60, clock=clock)
    clock.now += 3600
    assert player.tick() == player.end
    assert player.finished and player.paused
    player.resume()
    assert player.position == player.start and not player.paused


def test_the_frame_shows_the_snapshot_and_findings_of_that_moment(
    recording: Recording,
) -> None:
    player = Player(recording, clock=ManualClock(100.0))
    player.seek(START + timedelta(minutes=3, seconds=1))
    frame = player.frame()
    assert frame.snapshot is not None
    assert frame.snapshot.taken_at == START + timedelta(minutes=3)
    assert [f.id for f in frame.findings] == ["processing_down"]
    assert [e.kind for e in frame.timeline] == [fmt.FIRED]
    player.seek(START + timedelta(minutes=6))
    frame = player.frame()
    assert frame.findings == ()
    assert [e.kind for e in frame.timeline] == [fmt.FIRED, fmt.ENTRY, fmt.CLEARED]


def test_seek_to_the_next_finding_and_entry_and_back(recording: Recording) -> None:
    player = Player(recording, clock=ManualClock(100.0))
    fired = player.next_finding()
    assert fired is not None and fired.kind == fmt.FIRED
    assert player.position == START + timedelta(minutes=3)
    entry = player.next_entry()
    assert entry is not None and entry.text == "restarting the worker"
    assert player.position == START + timedelta(minutes=4)
    cleared = player.next_finding()
    assert cleared is not None and cleared.kind == fmt.CLEARED
    assert player.next_finding() is None  # nothing after: the position stays
    assert player.position == START + timedelta(minutes=5)
    back = player.previous_entry()
    assert back is not None and back.kind == fmt.ENTRY


def test_seek_by_clock_time_offset_and_iso(recording: Recording) -> None:
    player = Player(recording, clock=ManualClock(100.0))
    assert player.seek_text("00:04:30") == START + timedelta(minutes=4, seconds=30)
    assert player.seek_text("+90s") == START + timedelta(seconds=90)
    assert player.seek_text("+2m") == START + timedelta(minutes=2)
    assert player.seek_text(START.isoformat()) == START
    assert player.seek_text("+5h") == player.end  # clamped to the recording
    with pytest.raises(SeekError, match="HH:MM"):
        player.seek_text("yesterday")
