"""Per-minute buckets over 24 h: the in-memory half of the live metrics engine.

Events are bucketed by the minute of their own `created_at` (server clock, UTC). Each
bucket splits into two parts:

- a *final* part, changed only by deltas: arrivals by event type, and for processed events
  their processing latency (a log-scale histogram per type) and any error message they
  kept. Processed rows are treated as final: the monitored system never un-processes one.
- a *volatile* part, the errors of events that are still unprocessed. Those rows can gain
  or lose an `error_message` without any timestamp changing, so the collector re-reads
  them (see collector.py) and this part is replaced whenever they changed.

A window of "the last N minutes" is the current (partial) minute and the N-1 before it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from console.metrics.snapshot import MinuteBucket

MINUTE = timedelta(minutes=1)
WINDOW = timedelta(hours=24)
# Aggregates of whole clock hours and of whole ten minutes are cached between polls.
BLOCK_MINUTES = (60, 10)

# Latency histogram: bin 0 holds <= 1 ms, bin b holds (1 ms·r^(b-1), 1 ms·r^b].
# With r = 1.05 any percentile read from it is within 2.5 % of the true value.
_FIRST_EDGE_US = 1_000
_RATIO = 1.05
_LOG_RATIO = math.log(_RATIO)


def minute_of(ts: datetime) -> datetime:
    """The UTC minute a timestamp falls in (what `date_trunc('minute', ts)` gives)."""
    return ts.astimezone(UTC).replace(second=0, microsecond=0)


def window_start(now: datetime) -> datetime:
    """First minute of the 24 h window: whole minutes, so a recount agrees with deltas."""
    return minute_of(now - WINDOW)


def latency_us(created_at: datetime, processed_at: datetime) -> int:
    """Processing time in whole microseconds (integers keep sums exact); skew clamps to 0."""
    delta = processed_at - created_at
    return max(0, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def latency_bin(us: int) -> int:
    if us <= _FIRST_EDGE_US:
        return 0
    return max(1, math.ceil(math.log(us / _FIRST_EDGE_US) / _LOG_RATIO - 1e-12))


def bin_seconds(index: int) -> float:
    """A representative value of a bin: its geometric middle (half a millisecond for bin 0)."""
    if index == 0:
        return _FIRST_EDGE_US / 2 / 1e6
    return _FIRST_EDGE_US * _RATIO ** (index - 0.5) / 1e6


@dataclass
class LatencyAgg:
    """Count, exact sum and max, and a histogram for percentiles."""

    count: int = 0
    sum_us: int = 0
    max_us: int = 0
    hist: Counter[int] = field(default_factory=Counter)

    def add(self, us: int) -> None:
        self.count += 1
        self.sum_us += us
        self.max_us = max(self.max_us, us)
        self.hist[latency_bin(us)] += 1

    def merge(self, other: LatencyAgg) -> None:
        self.count += other.count
        self.sum_us += other.sum_us
        self.max_us = max(self.max_us, other.max_us)
        hist = self.hist
        for index, count in other.hist.items():
            hist[index] = hist.get(index, 0) + count

    @property
    def avg_seconds(self) -> float | None:
        return self.sum_us / self.count / 1e6 if self.count else None

    @property
    def max_seconds(self) -> float | None:
        return self.max_us / 1e6 if self.count else None

    def percentile(self, q: float) -> float | None:
        """Nearest-rank percentile from the histogram, never above the observed max."""
        if not self.count:
            return None
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for index in sorted(self.hist):
            seen += self.hist[index]
            if seen >= rank:
                return min(bin_seconds(index), self.max_us / 1e6)
        return self.max_us / 1e6


@dataclass
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


@dataclass
class _ErrorPart:
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
        self.counts[(group, event_type)] += count
        if group not in self.first or created_at < self.first[group]:
            self.first[group] = created_at
        if group not in self.last or last_at > self.last[group]:
            self.last[group] = last_at

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class _Bucket:
    arrivals: Counter[str] = field(default_factory=Counter)
    latency: dict[str, LatencyAgg] = field(default_factory=dict)
    latency_total: LatencyAgg = field(default_factory=LatencyAgg)  # all types together
    errors: _ErrorPart = field(default_factory=_ErrorPart)


@dataclass
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

    def add_errors(self, part: _ErrorPart) -> None:
        for (group, event_type), count in part.counts.items():
            self.errors += count
            self.groups.setdefault(group, GroupAgg()).add(count, event_type)
        for group, first in part.first.items():
            self.groups.setdefault(group, GroupAgg()).seen(first, part.last.get(group))

    def merge(self, other: Aggregate, *, by_type: bool, histogram: bool) -> None:
        """Add another run of minutes (computed with by_type and histogram on)."""
        arrivals = self.arrivals
        for event_type, count in other.arrivals.items():
            arrivals[event_type] = arrivals.get(event_type, 0) + count
        self.processed += other.processed
        self.errors += other.errors
        if histogram:
            self.latency.merge(other.latency)
        else:
            self.latency.count += other.latency.count
            self.latency.sum_us += other.latency.sum_us
        if by_type:
            for event_type, lat in other.latency_by_type.items():
                self.latency_by_type.setdefault(event_type, LatencyAgg()).merge(lat)
        for group, theirs in other.groups.items():
            mine = self.groups.setdefault(group, GroupAgg())
            mine.count += theirs.count
            mine.types |= theirs.types
            mine.seen(theirs.first, theirs.last)


class MetricWindow:
    """The 24 h of per-minute buckets, updated by deltas and read as windows.

    Why blocks: every Snapshot reads windows up to 24 h long, and merging 1 440 minutes
    of histograms each poll cost more than all of the poll's queries. Whole clock hours
    and whole ten minutes are aggregated once and kept until a minute inside them
    changes, so a day's window merges ~24 hours, a few ten-minute blocks and at most 18
    single minutes.
    """

    def __init__(self) -> None:
        self._buckets: dict[datetime, _Bucket] = {}
        self._volatile: dict[datetime, _ErrorPart] = {}
        self._frozen: dict[datetime, MinuteBucket] = {}
        self._blocks: dict[tuple[int, datetime], Aggregate] = {}  # by (minutes, first minute)
        self._type_minutes: Counter[str] = Counter()  # event type: minutes with arrivals

    def _changed(self, minute: datetime) -> None:
        self._frozen.pop(minute, None)
        for size in BLOCK_MINUTES:
            self._blocks.pop((size, minute.replace(minute=minute.minute // size * size)), None)

    def _bucket(self, created_at: datetime) -> _Bucket:
        minute = minute_of(created_at)
        self._changed(minute)
        bucket = self._buckets.get(minute)
        if bucket is None:
            bucket = self._buckets[minute] = _Bucket()
        return bucket

    def add_arrival(self, created_at: datetime, event_type: str, delta: int = 1) -> None:
        bucket = self._bucket(created_at)
        had = event_type in bucket.arrivals
        bucket.arrivals[event_type] += delta
        if bucket.arrivals[event_type] <= 0:
            del bucket.arrivals[event_type]
        if had != (event_type in bucket.arrivals):
            self._type_minutes[event_type] += -1 if had else 1

    def add_processed(
        self, created_at: datetime, event_type: str, us: int, error_group: str | None
    ) -> None:
        bucket = self._bucket(created_at)
        bucket.latency.setdefault(event_type, LatencyAgg()).add(us)
        bucket.latency_total.add(us)
        if error_group is not None:
            bucket.errors.add(error_group, event_type, created_at)

    def add_processed_group(
        self,
        minute: datetime,
        event_type: str,
        bin_index: int,
        count: int,
        sum_us: int,
        max_us: int,
        error_group: str | None,
        first_at: datetime,
        last_at: datetime,
    ) -> None:
        """Processed events pre-aggregated by the database (the initial load)."""
        bucket = self._bucket(minute)
        for lat in (bucket.latency.setdefault(event_type, LatencyAgg()), bucket.latency_total):
            lat.count += count
            lat.sum_us += sum_us
            lat.max_us = max(lat.max_us, max_us)
            lat.hist[bin_index] += count
        if error_group is not None:
            bucket.errors.add(error_group, event_type, first_at, count, last_at)

    def set_volatile(self, rows: Iterable[tuple[datetime, datetime, str, str, int]]) -> None:
        """Replace the errors of unprocessed events.

        Rows are (first created_at, last created_at, event_type, group, count), each within
        one minute: single events, or the per-minute summary of a large backlog.
        """
        fresh: dict[datetime, _ErrorPart] = {}
        for first_at, last_at, event_type, group, count in rows:
            part = fresh.setdefault(minute_of(first_at), _ErrorPart())
            part.add(group, event_type, first_at, count, last_at)
        for minute in set(self._volatile) | set(fresh):
            if self._volatile.get(minute) != fresh.get(minute):
                self._changed(minute)
        self._volatile = fresh

    def prune(self, first_minute: datetime) -> None:
        for minute in [m for m in self._buckets if m < first_minute]:
            self._type_minutes.subtract(self._buckets[minute].arrivals.keys())
        for store in (self._buckets, self._volatile, self._frozen):
            for minute in [m for m in store if m < first_minute]:
                del store[minute]
        for key in [k for k in self._blocks if k[1] < first_minute]:
            del self._blocks[key]

    def aggregate(
        self, first: datetime, last: datetime, *, by_type: bool = False, histogram: bool = True
    ) -> Aggregate:
        """Totals over minutes first..last inclusive (whole blocks from the cache)."""
        agg = Aggregate()
        self._add_range(agg, first, last, by_type, histogram, 0)
        return agg

    def _add_range(
        self,
        agg: Aggregate,
        first: datetime,
        last: datetime,
        by_type: bool,
        histogram: bool,
        level: int,
    ) -> None:
        if level == len(BLOCK_MINUTES):
            self._add_minutes(agg, first, last, by_type, histogram)
            return
        size_minutes = BLOCK_MINUTES[level]
        size = size_minutes * MINUTE
        block = first.replace(minute=first.minute // size_minutes * size_minutes)
        if block < first:
            block += size
        if block + size - MINUTE > last:
            self._add_range(agg, first, last, by_type, histogram, level + 1)
            return
        self._add_range(agg, first, block - MINUTE, by_type, histogram, level + 1)
        while block + size - MINUTE <= last:
            cached = self._blocks.get((size_minutes, block))
            if cached is None:
                cached = Aggregate()
                self._add_range(cached, block, block + size - MINUTE, True, True, level + 1)
                self._blocks[(size_minutes, block)] = cached
            agg.merge(cached, by_type=by_type, histogram=histogram)
            block += size
        self._add_range(agg, block, last, by_type, histogram, level + 1)

    def _add_minutes(
        self, agg: Aggregate, first: datetime, last: datetime, by_type: bool, histogram: bool
    ) -> None:
        if last < first:
            return
        arrivals = agg.arrivals
        for minute in self._minutes(first, last, self._buckets):
            bucket = self._buckets[minute]
            for event_type, count in bucket.arrivals.items():
                arrivals[event_type] = arrivals.get(event_type, 0) + count
            total = bucket.latency_total
            agg.processed += total.count
            if histogram:
                agg.latency.merge(total)
            else:
                agg.latency.count += total.count
                agg.latency.sum_us += total.sum_us
            if by_type:
                for event_type, lat in bucket.latency.items():
                    agg.latency_by_type.setdefault(event_type, LatencyAgg()).merge(lat)
            if bucket.errors.counts:
                agg.add_errors(bucket.errors)
        for minute in self._minutes(first, last, self._volatile):
            agg.add_errors(self._volatile[minute])

    @staticmethod
    def _minutes(first: datetime, last: datetime, store: dict[datetime, Any]) -> list[datetime]:
        """The minutes of `store` in first..last, by lookup when the range is the shorter."""
        span = int((last - first) / MINUTE) + 1
        if span < len(store):
            minutes = (first + i * MINUTE for i in range(span))
            return [m for m in minutes if m in store]
        return [m for m in store if first <= m <= last]

    def minute_buckets(self, first: datetime, last: datetime) -> tuple[MinuteBucket, ...]:
        """One frozen MinuteBucket per minute first..last (empty minutes included)."""
        out: list[MinuteBucket] = []
        minute = first
        while minute <= last:
            frozen = self._frozen.get(minute)
            if frozen is None:
                frozen = self._frozen[minute] = self._freeze(minute)
            out.append(frozen)
            minute += MINUTE
        return tuple(out)

    def _freeze(self, minute: datetime) -> MinuteBucket:
        bucket = self._buckets.get(minute)
        volatile = self._volatile.get(minute)
        errors = volatile.total if volatile else 0
        if bucket is None:
            return MinuteBucket(minute=minute, errors=errors)
        return MinuteBucket(
            minute=minute,
            by_type=MappingProxyType(dict(bucket.arrivals)),
            errors=errors + bucket.errors.total,
            processed=bucket.latency_total.count,
            latency_sum_seconds=bucket.latency_total.sum_us / 1e6,
            latency_count=bucket.latency_total.count,
        )

    def event_types(self) -> tuple[str, ...]:
        return tuple(sorted(t for t, minutes in self._type_minutes.items() if minutes > 0))
