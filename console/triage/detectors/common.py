"""What every detector shares: its signature and the small readings of a Snapshot."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from console.metrics.snapshot import Snapshot
from console.triage.findings import Finding

# A detector is a pure function of one Snapshot and the resolved thresholds, so a one-shot
# `check` and the live dashboard judge the same way.
Detector = Callable[[Snapshot, Mapping[str, float]], Finding | None]


def ago(snapshot: Snapshot, seconds: float | None) -> datetime | None:
    """The moment `seconds` before the snapshot was taken (None stays None)."""
    return snapshot.taken_at - timedelta(seconds=seconds) if seconds is not None else None


def group_5m(snapshot: Snapshot, name: str) -> tuple[int, datetime | None]:
    """The last 5 minutes' count of one error group, and when it was first seen in them."""
    for group in snapshot.errors:
        if group.message == name:
            return group.count_5m, group.first_seen_5m
    return 0, None


def duration_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
