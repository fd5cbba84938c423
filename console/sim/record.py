"""The demo's headless console: polls and judges as the dashboard would, and records.

`demo --headless --record FILE` has no dashboard to record from, so this loop stands in
for it: the production Collector and triage at the configured refresh, polls that never
overlap, a poll that fails recorded as such (the dashboard would have shown the database
unreachable), everything appended to the recording as it happens.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from console.core.config import Settings
from console.core.db import DatabaseError
from console.metrics.collector import Collector
from console.recording.writer import Recorder
from console.triage import FindingTracker, evaluate


async def record_for(
    dsn: str,
    settings: Settings,
    path: Path,
    seconds: float,
    *,
    source: Mapping[str, Any] | None = None,
    samples: bool = False,
) -> dict[str, Any]:
    """Poll `dsn` every `settings.refresh_seconds` for `seconds`, recording to `path`."""
    tracker = FindingTracker()
    polls = failures = 0
    fired: set[str] = set()
    deadline = time.monotonic() + seconds
    recorder = Recorder(path, settings=settings, samples=samples, source=source)
    recorder.open()
    try:
        async with Collector(dsn, settings) as collector:
            while time.monotonic() < deadline:
                due = time.monotonic() + settings.refresh_seconds
                try:
                    snapshot = await collector.poll()
                except DatabaseError as exc:
                    failures += 1
                    recorder.poll_failed(exc.message, exc.kind)
                else:
                    polls += 1
                    findings = tracker.update(
                        evaluate(snapshot, settings.thresholds), snapshot.taken_at
                    )
                    fired |= {f.id for f in findings}
                    recorder.snapshot(snapshot, findings)
                await asyncio.sleep(max(0.0, min(due, deadline) - time.monotonic()))
    finally:
        recorder.close()
    return {
        "file": str(path),
        "polls": polls,
        "failed_polls": failures,
        "findings_fired": sorted(fired),
        "bytes": path.stat().st_size if path.exists() else 0,
        "problem": recorder.problem or None,
    }
