"""Snapshots from the real Collector, polled while the processor is down (the backlog and
the payment waits growing every poll), come back from a recording exactly, findings too."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from console.core.config import Settings
from console.metrics.collector import Collector
from console.recording.recording import Recording
from console.recording.writer import Recorder
from console.sim.live import LiveSystem
from console.triage import evaluate


async def test_real_snapshots_round_trip_exactly(db, tmp_path: Path) -> None:
    path = tmp_path / "real.icrec.gz"
    taken = []
    async with LiveSystem(db.dsn, Settings(), rate=8, seed=5) as live:
        live.faults.enable("processor_down")
        settings = replace(live.settings, thresholds={"processing_down_grace_seconds": 1.0})
        async with Collector(db.dsn, settings) as collector:
            with Recorder(path, settings=settings, samples=True, member_seconds=3) as recorder:
                while len(taken) < 12 or not taken[-1][1]:  # until processing_down is lit
                    snapshot = await collector.poll()
                    findings = evaluate(snapshot, settings.thresholds)
                    recorder.snapshot(snapshot, findings)
                    taken.append((snapshot, findings))
                    assert len(taken) < 200, "processing_down never fired"
                    await asyncio.sleep(0.3)  # the next poll, as the dashboard's refresh
    recording = Recording.open(path)
    assert recording.damage is None and len(recording.scan.members) >= 2
    assert any(s.backlog.payment_waiting_seconds for s, _ in taken)
    for index, (snapshot, findings) in enumerate(taken):
        replayed, recorded = recording.snapshot(index)
        assert replayed == snapshot
        assert [(f.id, f.severity, f.title) for f in recorded] == [
            (f.id, f.severity, f.title) for f in findings
        ]
