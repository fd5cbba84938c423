"""What every detector shares: its signature and the small readings of a Snapshot."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from console.metrics.snapshot import Snapshot
from console.triage.findings import Finding

# A detector is a pure function of one Snapshot and the resolved thresholds, so a one-shot
# `check` and the live dashboard judge the same way.
Detector = Callable[[Snapshot, Mapping[str, float]], Finding | None]


@dataclass(frozen=True)
class Reading:
    """What a one-threshold detector read from the Snapshot, before `past_limit` judges it."""

    measure: float  # compared with the threshold
    title: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    since: datetime | None = None
    shown: float | None = None  # the finding's value, when it is not the measure itself


def past_limit(
    finding_id: str, severity: str, limit: str
) -> Callable[[Callable[[Snapshot], Reading | None]], Detector]:
    """A detector made of a reading: it fires when the measure passes threshold `limit`.

    The comparison and the Finding's wording live here once, so each such detector says
    only what it reads; a reading of None (a panel not measured yet) never fires.
    """

    def detector(read: Callable[[Snapshot], Reading | None]) -> Detector:
        def detect(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
            got = read(s)
            if got is None or got.measure <= t[limit]:
                return None
            value = float(got.measure) if got.shown is None else got.shown
            return Finding(
                finding_id,
                severity,
                got.title,
                value,
                t[limit],
                finding_id,
                got.evidence,
                got.since,
            )

        return detect

    return detector


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
