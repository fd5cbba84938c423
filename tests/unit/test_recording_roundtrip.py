"""A recording gives back what the console polled: every Snapshot, the findings lit with
it, the fire/clear times and the timeline, across keyframes; and it stays small."""

from __future__ import annotations

import json
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from support.recording_samples import (
    START,
    SampleEntry,
    SyntheticSystem,
    outage_findings,
    record_polls,
)

from console.metrics.snapshot import Snapshot
from console.recording import format as fmt
from console.recording.recording import Recording
from console.recording.redact import strip_literals
from console.recording.summary import episodes
from console.recording.wire import from_state, to_state
from console.recording.writer import Recorder

MAX_BYTES_PER_DAY = 50_000_000


def test_every_snapshot_comes_back_across_keyframes(tmp_path: Path) -> None:
    path = tmp_path / "r.icrec.gz"
    system = SyntheticSystem(outage=(3, 6))
    taken = record_polls(path, system, 300, samples=True, member_seconds=120)
    recording = Recording.open(path)
    assert recording.damage is None
    assert len(recording.scan.members) == 5  # 600 s of polls, a keyframe every 120 s
    assert len(recording) == len(taken)
    for index in [*range(0, 300, 7), 299, 150, 3, 0]:  # forward, then backward seeks
        snapshot, findings = recording.snapshot(index)
        original = taken[index]
        assert snapshot == original
        assert [f.id for f in findings] == [
            f.id for f in outage_findings(system, original.taken_at)
        ]


def test_without_samples_query_literals_are_cut(tmp_path: Path) -> None:
    path = tmp_path / "r.icrec.gz"
    taken = record_polls(path, SyntheticSystem(), 20)
    snapshot, _ = Recording.open(path).snapshot(19)
    queries = [s.query for s in snapshot.connections.sessions]
    assert queries == [strip_literals(s.query) for s in taken[19].connections.sessions]
    assert "'paid'" not in " ".join(queries)
    assert strip_literals("UPDATE orders SET state = 'paid', note = E'it''s' WHERE id = $1") == (
        "UPDATE orders SET state = '…', note = '…' WHERE id = $1"
    )


def test_fire_and_clear_times_and_the_timeline(tmp_path: Path) -> None:
    path = tmp_path / "r.icrec.gz"
    record_polls(
        path,
        SyntheticSystem(outage=(2, 5)),
        240,
        entries={
            120: lambda at: SampleEntry("e1", at, "action_applied", "restarted", data={"x": 1})
        },
        phases={120: ("resolution", "Resolution")},
    )
    recording = Recording.open(path)
    [episode] = episodes(recording)
    assert episode.id == "processing_down"
    assert episode.fired_at == START + timedelta(minutes=3)
    assert episode.cleared_at == START + timedelta(minutes=5)
    kinds = [e.kind for e in recording.events]
    assert kinds == [fmt.FIRED, fmt.ENTRY, fmt.PHASE, fmt.CLEARED]
    assert recording.events[1].text == "restarted"


def test_a_state_decodes_into_the_same_snapshot_type() -> None:
    snapshot = SyntheticSystem().poll(START)
    state = json.loads(json.dumps(to_state(snapshot)))  # through real JSON text
    decoded = from_state(state)
    assert isinstance(decoded, Snapshot)
    assert decoded.throughput == snapshot.throughput
    assert decoded.connections == snapshot.connections


def test_a_state_from_an_older_or_newer_console_still_decodes() -> None:
    state = json.loads(json.dumps(to_state(SyntheticSystem().poll(START))))
    state["a_field_from_a_newer_console"] = 1
    del state["rows_read"]
    decoded = from_state(state)
    assert decoded.rows_read == 0  # the default


def test_a_day_at_a_2s_refresh_stays_under_50_mb(tmp_path: Path) -> None:
    """Retained bound: one hour, with a 30-minute outage (the costly part: backlog and
    payment waits growing every poll), flushed every 3 s as in production."""
    path = tmp_path / "hour.icrec.gz"
    record_polls(path, SyntheticSystem(outage=(10, 40)), 1800)
    per_hour = path.stat().st_size
    assert per_hour * 24 < MAX_BYTES_PER_DAY, f"{per_hour} bytes per hour"
    recording = Recording.open(path)
    assert len(recording) == 1800 and recording.damage is None


def test_the_file_is_gzip_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.icrec.gz"
    record_polls(path, SyntheticSystem(), 5)
    text = zlib.decompressobj(31).decompress(path.read_bytes()).decode()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["t"] == "header" and lines[0]["format"] == fmt.FORMAT
    assert [line["t"] for line in lines[1:]] == ["key", "snap", "snap", "snap", "snap", "end"]


def test_an_existing_recording_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "r.icrec.gz"
    record_polls(path, SyntheticSystem(), 3)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="already exists"):
        Recorder(path).open()
    assert path.read_bytes() == before
