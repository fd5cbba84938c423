"""Measure the size of a recording per hour, and what recording costs per poll.

    python tools/measure_recording.py --synthetic-hours 24 [--outage-hours 2]
    python tools/measure_recording.py --demo-minutes 5 [--scenario processor_down]

`--synthetic-hours`: Snapshots shaped like the Collector's (tests/support/
recording_samples.py: 24 h of per-minute buckets, 20 sessions, the guide's error groups,
per-type latency, the ages of waiting payment events), one every 2 s, with an outage in
the middle (backlog and payment waits growing every poll: the costly part to record),
through the real Recorder with its production flush cadence (sync flush + fsync every
3 s, a keyframe every 10 min).
`--demo-minutes`: the demo world's own Collector and triage, polled every 2 s in real time.
Prints one JSON document: bytes, bytes per hour, the 24 h projection, recorder CPU per poll.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from console.recording.recording import Recording  # noqa: E402
from console.recording.writer import Recorder  # noqa: E402

LIMIT_PER_DAY = 50_000_000


def synthetic(hours: float, outage_hours: float, path: Path) -> dict[str, object]:
    from support.recording_samples import FakeTime, SyntheticSystem, outage_findings

    middle = hours * 30.0  # minutes
    system = SyntheticSystem(outage=(middle, middle + outage_hours * 60))
    clock = FakeTime()
    polls = int(hours * 3600 / system.refresh_seconds)
    cpu = 0.0
    with Recorder(path, clock=clock.clock, monotonic=clock.monotonic) as recorder:
        for _ in range(polls):
            snapshot = system.poll(clock.now)
            findings = outage_findings(system, clock.now)
            started = time.thread_time()
            recorder.snapshot(snapshot, findings)
            cpu += time.thread_time() - started
            clock.advance(system.refresh_seconds)
    return {"source": "synthetic", "polls": polls, "hours": hours, "cpu": cpu}


def demo(minutes: float, scenario: str, path: Path) -> dict[str, object]:
    from console.core.config import load_settings
    from console.metrics.collector import Collector
    from console.sim.demo import BackgroundLive, DemoWorld
    from console.sim.faults import parse_fault_spec
    from console.triage import evaluate

    world = DemoWorld(days=None, events=None, seed=1)
    dsn = world.start()
    live = BackgroundLive(dsn, load_settings(), parse_fault_spec(scenario), None)
    live.start()
    settings = live.console_settings
    polls = int(minutes * 30)
    cpu = 0.0

    async def run() -> None:
        nonlocal cpu
        async with Collector(dsn, settings) as collector:
            with Recorder(path, settings=settings) as recorder:
                for _ in range(polls):
                    due = time.monotonic() + 2.0
                    snapshot = await collector.poll()
                    findings = evaluate(snapshot, settings.thresholds)
                    started = time.thread_time()
                    recorder.snapshot(snapshot, findings)
                    cpu += time.thread_time() - started
                    await asyncio.sleep(max(0.0, due - time.monotonic()))

    try:
        asyncio.run(run())
    finally:
        live.stop()
        world.stop()
    return {"source": f"demo ({scenario})", "polls": polls, "hours": minutes / 60, "cpu": cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-hours", type=float)
    parser.add_argument("--outage-hours", type=float, default=2.0)
    parser.add_argument("--demo-minutes", type=float)
    parser.add_argument("--scenario", default="processor_down")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "measure.icrec.gz"
        started = time.monotonic()
        if args.demo_minutes:
            result = demo(args.demo_minutes, args.scenario, path)
        else:
            result = synthetic(args.synthetic_hours or 24.0, args.outage_hours, path)
        size = path.stat().st_size
        opened = time.monotonic()
        recording = Recording.open(path)
        last = recording.snapshot(len(recording) - 1)[0].taken_at
        scan_seconds = time.monotonic() - opened
    hours = float(result["hours"])  # type: ignore[arg-type]
    per_hour = size / hours
    print(
        json.dumps(
            {
                **{k: v for k, v in result.items() if k != "cpu"},
                "bytes": size,
                "bytes_per_hour": round(per_hour),
                "projected_24h_bytes": round(per_hour * 24),
                "limit_24h_bytes": LIMIT_PER_DAY,
                "within_limit": per_hour * 24 < LIMIT_PER_DAY,
                "recorder_cpu_ms_per_poll": round(
                    1000 * float(result["cpu"]) / int(result["polls"]), 3
                ),  # type: ignore[arg-type]
                "open_and_seek_last_seconds": round(scan_seconds, 2),
                "last_snapshot": last.isoformat() if last else None,
                "elapsed_seconds": round(time.monotonic() - started, 1),
                "span": str(timedelta(hours=hours)),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
