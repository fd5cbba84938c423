"""A drill from a recording: the faults named by the recorded findings, the history
rebuilt from the day before, par from the real time to mitigation, and the real
incident's moves on the ideal path (then the catalogue's, so it can always be solved)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support.recording_samples import (
    START,
    SampleEntry,
    SampleFinding,
    SyntheticSystem,
    outage_findings,
    record_polls,
)

from console.recording.recording import Recording
from console.training.from_recording import compare, scenario_from_recording
from console.training.model import ScenarioError
from console.training.scenarios import validate_scenarios


def _record(
    path: Path, *, findings=outage_findings, moves: bool = True, polls: int = 400
) -> Recording:
    """40 minutes at a 6 s refresh; the processor down 10:00-30:00 (processing_down lit
    11:00-30:00); the team restarted the worker at 25:00, reset failed events at 26:00."""
    system = SyntheticSystem(outage=(10, 30), refresh_seconds=6.0)
    team = {
        250: lambda at: SampleEntry(
            "s1", at, "step", "step recovery_complete_system/restart_webhook",
            data={"runbook": "recovery_complete_system", "step": "restart_webhook"},
        ),
        260: lambda at: SampleEntry(
            "a1", at, "action_applied", "reset 12 failed events",
            data={"action_id": "reset_failed_events", "status": "applied"},
        ),
    }  # fmt: skip
    record_polls(path, system, polls, findings=findings, entries=team if moves else None)
    return Recording.open(path)


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    return _record(tmp_path_factory.mktemp("drill") / "r.icrec.gz")


def test_the_drill_is_the_recorded_incident_scaled_down(incident: Recording) -> None:
    recording = incident
    scenario, real = scenario_from_recording(recording, time_scale=10)
    assert validate_scenarios([scenario]) == []
    assert scenario.fault_names == ("processor_down",)
    assert scenario.diagnose_findings == ("processing_down",)
    assert real.detected_at == START + timedelta(minutes=11)
    assert real.time_to_mitigation == 19 * 60
    assert scenario.par_resolve_seconds == pytest.approx(19 * 60 / 10)
    assert scenario.par_diagnose_seconds == pytest.approx(14 * 60 / 10)  # to the first move
    fixes = [(s.kind, s.target) for s in scenario.ideal_path if s.kind in ("command", "action")]
    assert fixes[:2] == [("command", "webhook_restart"), ("action", "reset_failed_events")]
    assert ("command", "webhook_status") in fixes  # the catalogue's, after the real moves
    assert scenario.world is not None and scenario.world.days == 1.0
    assert scenario.world.events is not None and scenario.world.events > 50_000  # 60/min
    assert scenario.briefing.at == "00:11"
    assert 2.0 <= scenario.rate <= 8.0


def test_the_comparison_scales_the_drill_back(incident: Recording) -> None:
    _, real = scenario_from_recording(incident, time_scale=10)
    outcome = {
        "time_to_resolve": 60.0,
        "path": [{"kind": "command", "target": "webhook_restart"}],
    }
    compared = compare(real, outcome, 10)
    assert compared["drill_time_to_resolve_scaled_back_seconds"] == 600.0
    assert compared["faster_than_real"] is True  # 10 min against the real 19
    assert compared["real_moves_repeated"] == ["command webhook_restart"]
    assert compared["real_moves_not_repeated"] == ["action reset_failed_events"]


def test_a_finding_the_simulator_cannot_make_is_named(tmp_path: Path) -> None:
    # every scenario's fault raises errors, but none teaches the error rate on its own
    def error_rate(system, at):
        return [SampleFinding("high_error_rate", severity="P0")] if at > START else []

    recording = _record(tmp_path / "r.icrec.gz", findings=error_rate, moves=False, polls=20)
    with pytest.raises(ScenarioError, match=r"cannot re-create any finding.*high_error_rate"):
        scenario_from_recording(recording)


def test_a_recording_where_nothing_fired_is_no_drill(tmp_path: Path) -> None:
    recording = _record(tmp_path / "r.icrec.gz", findings=lambda s, at: [], moves=False, polls=20)
    with pytest.raises(ScenarioError, match="no finding fired"):
        scenario_from_recording(recording)
