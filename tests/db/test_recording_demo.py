"""Issue 15's whole path, as a user runs it: a headless demo with processor_down
recorded, replayed headless (processing_down fired), then turned into a drill that the
autopilot resolves and that is judged against the recorded incident."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from console.cli import main


@pytest.fixture(scope="module")
def demo_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    config = folder / "fast.toml"
    config.write_text("[thresholds]\nprocessing_down_grace_seconds = 3\n")
    path = folder / "processor_down.icrec.gz"
    code = main(
        [
            "demo", "--scenario", "processor_down", "--headless", "--seconds", "20",
            "--record", str(path), "--json", "--config", str(config),
        ]
    )  # fmt: skip
    assert code == 0
    return path


def test_a_headless_demo_recording_replays_with_processing_down_fired(
    demo_recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert stat.S_IMODE(demo_recording.stat().st_mode) == 0o600
    assert main(["replay", str(demo_recording), "--headless", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["complete"] is True and document["damage"] is None
    assert document["source"]["scenario"] == ["processor_down"]
    assert document["snapshots"] >= 5
    fired = [f for f in document["findings"] if f["id"] == "processing_down"]
    assert fired and fired[0]["severity"] == "P0" and fired[0]["fired_at"]
    assert document["phases"][0]["phase"] == "immediate"


def test_a_drill_from_the_recording_is_resolved_by_the_autopilot(
    demo_recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = main(
        [
            "train", "--from-recording", str(demo_recording), "--autopilot", "--json",
            "--history-dir", str(tmp_path / "history"),
        ]
    )  # fmt: skip
    outcome = json.loads(capsys.readouterr().out)
    assert code == 0, outcome
    assert outcome["resolved"] is True
    assert outcome["faults"] == ["processor_down"]
    assert outcome["scenario"] == "recording:processor_down"
    real = outcome["recording"]["real_incident"]
    assert real["findings"][0] == "processing_down"
    assert outcome["recording"]["world"]["events"] > 1000  # the recorded day, rebuilt
    compared = outcome["recording"]["compared"]
    assert compared["drill_time_to_resolve_seconds"] == outcome["time_to_resolve"]
