"""A live console records on demand from start to exit, or by itself while an incident is
open (one file per incident, starting with the minutes before it opened), from a writer
thread: the phase changes come along."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from support.recording_samples import START, SampleEntry, SyntheticSystem, outage_findings

from console.incidents.model import Incident
from console.recording import format as fmt
from console.recording.background import LiveRecording
from console.recording.recording import Recording


def _incident() -> Incident:
    return Incident(
        id=uuid.uuid4(),
        title="Payments stuck",
        severity="P0",
        commander="carol",
        opened_by="alice",
        opened_at=START + timedelta(minutes=1),
    )


def test_without_an_incident_nothing_is_written_and_each_incident_gets_a_file(
    tmp_path: Path,
) -> None:
    system = SyntheticSystem(outage=(1, 4))
    live = LiveRecording(None, folder=tmp_path / "recordings", clock=lambda: START)
    at = START
    for _ in range(20):
        live.polled(system.poll(at), [], at)
        at += timedelta(seconds=2)
    assert live.path is None and not (tmp_path / "recordings").exists()
    incident = _incident()
    live.incident_changed(incident)
    path = live.path
    assert path is not None and path.name.startswith(f"incident-{incident.id}-")
    for poll in range(300):  # ten minutes: Immediate Response, then Investigation
        live.polled(system.poll(at), outage_findings(system, at), at)
        if poll == 10:
            live.entry(SampleEntry("n", at, "note", "worker restarted"))
        if poll % 50 == 49:  # polls come every 2 s, not in a loop: let the writer keep up
            live.flush()
        at += timedelta(seconds=2)
    assert live.current is not None and live.current.dropped == 0
    live.incident_changed(replace(incident, closed_at=at, closed_by="carol"))
    assert live.path is None  # closed with the incident
    recording = Recording.open(path)
    assert recording.damage is None
    assert len(recording) == 20 + 300  # the polls before it opened come first
    assert recording.times[0] == START
    kinds = [e.kind for e in recording.events]
    assert kinds[0] == fmt.INCIDENT and kinds[-1] == fmt.INCIDENT
    phases = [e.data["phase"] for e in recording.events_of(fmt.PHASE)]
    assert phases == ["immediate", "investigation"]
    assert [e.text for e in recording.events_of(fmt.ENTRY)] == ["worker restarted"]
    assert recording.events[-1].data["incident"]["closed_by"] == "carol"


def test_on_demand_records_from_start_to_exit_across_incidents(tmp_path: Path) -> None:
    path = tmp_path / "all.icrec.gz"
    system = SyntheticSystem()
    live = LiveRecording(None, path=path, folder=tmp_path / "recordings")
    incident = _incident()
    at = START
    for poll in range(30):
        if poll == 5:
            live.incident_changed(incident)
        if poll == 15:
            live.incident_changed(replace(incident, closed_at=at))
        live.polled(system.poll(at), [], at)
        at += timedelta(seconds=2)
    assert live.flush() == path
    assert len(Recording.open(path)) == 30  # readable while still being written
    live.poll_failed("connection refused")
    live.close()
    recording = Recording.open(path)
    assert recording.damage is None
    assert [e.kind for e in recording.events_of(fmt.INCIDENT, fmt.ERROR)] == [
        fmt.INCIDENT, fmt.INCIDENT, fmt.ERROR,
    ]  # fmt: skip
    assert not (tmp_path / "recordings").exists()
