"""The postmortem of a demo incident: recorded while the processor was down, written by
`incident-console incident postmortem ID` with its four charts (opened, sized, not blank),
and the sections of the usual template filled from the recording."""

from __future__ import annotations

import asyncio
import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from console.cli import main
from console.core.config import Settings
from console.core.state import init_state
from console.core.state_place import StatePlace
from console.incidents.postmortem_charts import CHART_SIZE
from console.incidents.store import IncidentStore
from console.recording.recording import Recording
from console.recording.summary import episodes
from console.sim.live import LiveSystem
from console.sim.record import record_for

FAST = {"processing_down_grace_seconds": 3.0}


@pytest.fixture
def demo_incident(db, tmp_path: Path) -> tuple[str, Path]:
    """An incident opened on a demo system whose processor is down, recorded for 14 s;
    the worker restarted (an action on the timeline) 9 s in."""
    init_state(db.dsn)
    store = IncidentStore(StatePlace(db.dsn, local_dir=tmp_path / "state"))
    incident = store.open_incident("Checkout payments stuck", "P0", "carol", "alice")
    path = tmp_path / "incident.icrec.gz"

    async def run() -> dict[str, object]:
        async with LiveSystem(db.dsn, Settings(), rate=6, seed=3) as live:
            live.faults.enable("processor_down")
            settings = replace(live.settings, thresholds=FAST, refresh_seconds=1.0)
            recording = asyncio.create_task(record_for(db.dsn, settings, path, 14.0))
            await asyncio.sleep(9)
            live.faults.disable("processor_down")
            await live.receiver.reprocess_pending(5_000)
            store.add_entry(
                incident,
                "action_applied",
                "alice",
                "webhook worker restarted: backlog processed",
                {"action_id": "webhook_restart", "status": "applied"},
            )
            return await recording

    result = asyncio.run(run())
    assert "processing_down" in result["findings_fired"]
    store.close_incident(incident, "carol", "The worker was OOM-killed; restarted.")
    store.close()
    return str(incident.id), path


def test_the_postmortem_of_a_demo_incident_has_its_four_charts(
    db, demo_incident: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id, recording = demo_incident
    [fired] = [e for e in episodes(Recording.open(recording)) if e.id == "processing_down"]
    out = tmp_path / "reports"
    code = main(
        [
            "incident", "postmortem", incident_id, "--dsn", db.dsn, "--json",
            "--out", str(out), "--recording", str(recording),
        ]
    )  # fmt: skip
    assert code == 0
    written = json.loads(capsys.readouterr().out)
    draft = Path(written["postmortem"])
    assert written["markdown"] == draft.read_text()  # printed as well as written
    assert draft.parent == out and stat.S_IMODE(draft.stat().st_mode) == 0o600
    charts = [Path(p) for p in written["charts"]]
    assert [p.name.rsplit("-", 1)[-1] for p in charts] == [
        "throughput.png", "rate.png", "latency.png", "backlog.png",
    ]  # fmt: skip
    for chart in charts:
        assert chart.parent == out and stat.S_IMODE(chart.stat().st_mode) == 0o600
        with Image.open(chart) as image:
            assert image.size == CHART_SIZE
            assert ImageStat.Stat(image.convert("L")).stddev[0] > 10, f"{chart.name} is blank"
    text = draft.read_text()
    for section in (
        "## Summary", "## Impact", "## Detection", "## Timeline", "## Root cause",
        "## Resolution", "## Charts", "## Action items", "## Lessons learned",
    ):  # fmt: skip
        assert f"\n{section}\n" in text
    for chart in charts:
        assert f"]({chart.name})" in text
    assert f"{fired.fired_at:%H:%M:%S} the console's `processing_down` fired" in text
    assert "- **Webhook events received**: " in text
    assert "- **Peak backlog**: " in text
    assert "webhook worker restarted" in text
    assert "The worker was OOM-killed; restarted." in text
