"""Totals over a run of minutes: arrivals, processed latency and errors by message group.

Why apart from the window: the same shapes are built per minute, cached per block of
minutes and merged into any window the Snapshot asks for (see buckets.MetricWindow), so
they only know how to add and merge, not which minutes they stand for.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from console.metrics.latency import LatencyAgg


@dataclass(slots=True)
class GroupAgg:
    """Errors of one message group within some minutes."""

    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    types: set[str] = field(default_factory=set)

    def add(self, count: int, event_type: str) -> None:
        self.count += count
        if count:
            self.types.add(event_type)

    def seen(self, first: datetime | None, last: datetime | None) -> None:
        if first is not None and (self.first is None or first < self.first):
            self.first = first
        if last is not None and (self.last is None or last > self.last):
            self.last = last


@dataclass(slots=True)
class ErrorPart:
    """Errors by (group, event type) in one minute, and when each group was first/last seen."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (group, type)
    first: dict[str, datetime] = field(default_factory=dict)
    last: dict[str, datetime] = field(default_factory=dict)

    def add(
        self,
        group: str,
        event_type: str,
        created_at: datetime,
        count: int = 1,
        last_at: datetime | None = None,
    ) -> None:
        """Count errors of one group; `created_at`..`last_at` is when they happened."""
        last_at = last_at or created_at
        group, event_type = sys.intern(group), sys.intern(event_type)  # one copy per name
        self.counts[(group, event_type)] += count
        if group not in self.first or created_at < self.first[group]:
            self.first[group] = created_at
        if group not in self.last or last_at > self.last[group]:
            self.last[group] = last_at

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(slots=True)
class Aggregate:
    """Totals over a run of minutes (final and volatile parts together)."""

    arrivals: Counter[str] = field(default_factory=Counter)
    processed: int = 0
    errors: int = 0
    latency: LatencyAgg = field(default_factory=LatencyAgg)
    latency_by_type: dict[str, LatencyAgg] = field(default_factory=dict)
    groups: dict[str, GroupAgg] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return sum(self.arrivals.values())

    def add_errors(self, part: ErrorPart) -> None:
        for (group, event_type), count in part.counts.items():
            self.errors += count
            self.groups.setdefault(group, GroupAgg()).add(count, event_type)
        for group, first in part.first.items():
            self.groups.setdefault(group, GroupAgg()).seen(first, part.last.get(group))

    def merge(self, other: Aggregate, *, by_type: bool, histogram: bool) -> None:
        """Add another run of minutes (computed with by_type and histogram on)."""
        self.add_counts(other.arrivals, other.processed, other.errors)
        if histogram:
            self.latency.merge(other.latency)
        else:
            self.latency.count += other.latency.count
            self.latency.sum_us += other.latency.sum_us
        if by_type:
            for event_type, lat in other.latency_by_type.items():
                self.latency_by_type.setdefault(event_type, LatencyAgg()).merge(lat)
        self.merge_groups(other.groups)

    def add_counts(self, arrivals: dict[str, int], processed: int, errors: int) -> None:
        """Add another run of minutes' arrivals by type, processed and error counts."""
        mine = self.arrivals
        for event_type, count in arrivals.items():
            mine[event_type] = mine.get(event_type, 0) + count
        self.processed += processed
        self.errors += errors

    def merge_groups(self, groups: dict[str, GroupAgg]) -> None:
        """Add the error groups of another run of minutes (theirs are left unchanged)."""
        for group, theirs in groups.items():
            mine = self.groups.setdefault(group, GroupAgg())
            mine.count += theirs.count
            mine.types |= theirs.types
            mine.seen(theirs.first, theirs.last)
