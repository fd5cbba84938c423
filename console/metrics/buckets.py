"""Per-minute buckets over 24 h: the in-memory half of the live metrics engine.

Events are bucketed by the minute of their own `created_at` (server clock, UTC). Each
bucket splits into two parts:

- a *final* part, changed only by deltas: arrivals by event type, and for processed events
  their processing latency (a log-scale histogram per type) and any error message they
  kept. Processed rows are treated as final: the monitored system never un-processes one.
- a *volatile* part, the errors of events that are still unprocessed. Those rows can gain
  or lose an `error_message` without any timestamp changing, so the collector re-reads
  them (see tracked.py) and this part is replaced whenever they changed.

A window of "the last N minutes" is the current (partial) minute and the N-1 before it.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from console.metrics.aggregate import Aggregate, ErrorPart
from console.metrics.latency import LatencyAgg, MinuteLatency
from console.metrics.snapshot import MinuteBucket

MINUTE = timedelta(minutes=1)
WINDOW = timedelta(hours=24)
# Aggregates of whole clock hours and of whole ten minutes are cached between polls.
BLOCK_MINUTES = (60, 10)


def minute_of(ts: datetime) -> datetime:
    """The UTC minute a timestamp falls in (what `date_trunc('minute', ts)` gives)."""
    return ts.astimezone(UTC).replace(second=0, microsecond=0)


def window_start(now: datetime) -> datetime:
    """First minute of the 24 h window: whole minutes, so a recount agrees with deltas."""
    return minute_of(now - WINDOW)


class _Bucket:
    """One minute's final part; slots and MinuteLatency keep a day of them small."""

    __slots__ = ("arrivals", "errors", "latency", "latency_total")

    def __init__(self) -> None:
        # never changed in place (replaced): a frozen MinuteBucket shares it, no copy
        self.arrivals: dict[str, int] = {}
        self.latency: dict[str, MinuteLatency] = {}
        self.latency_total = MinuteLatency()  # all types together
        self.errors = ErrorPart()


class _Block:
    """A cached block of minutes: an Aggregate's totals with its latencies compact."""

    __slots__ = ("arrivals", "errors", "groups", "latency", "latency_by_type", "processed")

    def __init__(self, agg: Aggregate) -> None:
        self.arrivals = agg.arrivals
        self.processed = agg.processed
        self.errors = agg.errors
        self.latency = MinuteLatency.of(agg.latency)
        self.latency_by_type = {t: MinuteLatency.of(a) for t, a in agg.latency_by_type.items()}
        self.groups = agg.groups

    def merge_into(self, agg: Aggregate, *, by_type: bool, histogram: bool) -> None:
        """What Aggregate.merge does with the Aggregate this block was made from."""
        agg.add_counts(self.arrivals, self.processed, self.errors)
        self.latency.merge_into(agg.latency, histogram=histogram)
        if by_type:
            for event_type, lat in self.latency_by_type.items():
                lat.merge_into(agg.latency_by_type.setdefault(event_type, LatencyAgg()))
        agg.merge_groups(self.groups)


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
        self._volatile: dict[datetime, ErrorPart] = {}
        self._frozen: dict[datetime, MinuteBucket] = {}
        self._blocks: dict[tuple[int, datetime], _Block] = {}  # by (minutes, first minute)
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
        event_type = sys.intern(event_type)  # one string per type, not one per minute
        arrivals = dict(bucket.arrivals)
        had = event_type in arrivals
        count = arrivals.get(event_type, 0) + delta
        if count > 0:
            arrivals[event_type] = count
        else:
            arrivals.pop(event_type, None)
        bucket.arrivals = arrivals
        if had != (event_type in arrivals):
            self._type_minutes[event_type] += -1 if had else 1

    @staticmethod
    def _latency(bucket: _Bucket, event_type: str) -> MinuteLatency:
        lat = bucket.latency.get(event_type)
        if lat is None:
            lat = bucket.latency[sys.intern(event_type)] = MinuteLatency()
        return lat

    def add_processed(
        self, created_at: datetime, event_type: str, us: int, error_group: str | None
    ) -> None:
        bucket = self._bucket(created_at)
        self._latency(bucket, event_type).add(us)
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
        for lat in (self._latency(bucket, event_type), bucket.latency_total):
            lat.add_group(count, sum_us, max_us, bin_index)
        if error_group is not None:
            bucket.errors.add(error_group, event_type, first_at, count, last_at)

    def set_volatile(
        self,
        rows: Iterable[tuple[datetime, datetime, str, str, int]],
        *,
        since: datetime | None = None,
    ) -> None:
        """Replace the errors of unprocessed events (only the minutes from `since` on).

        Rows are (first created_at, last created_at, event_type, group, count), each within
        one minute: single events, or the per-minute summary of a large backlog. Why
        `since`: a large backlog's settled minutes are re-read on their own cadence;
        rebuilding a day of them every poll was most of the console's CPU at 10M events.
        """
        fresh: dict[datetime, ErrorPart] = {}
        for first_at, last_at, event_type, group, count in rows:
            part = fresh.setdefault(minute_of(first_at), ErrorPart())
            part.add(group, event_type, first_at, count, last_at)
        if since is not None:
            low = minute_of(since)
            for minute, kept in self._volatile.items():
                if minute < low:
                    fresh[minute] = kept
        for minute in set(self._volatile) | set(fresh):
            before, after = self._volatile.get(minute), fresh.get(minute)
            if before is not after and before != after:
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
                whole = Aggregate()
                self._add_range(whole, block, block + size - MINUTE, True, True, level + 1)
                cached = self._blocks[(size_minutes, block)] = _Block(whole)
            cached.merge_into(agg, by_type=by_type, histogram=histogram)
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
            total.merge_into(agg.latency, histogram=histogram)
            if by_type:
                for event_type, lat in bucket.latency.items():
                    lat.merge_into(agg.latency_by_type.setdefault(event_type, LatencyAgg()))
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
            by_type=MappingProxyType(bucket.arrivals),
            errors=errors + bucket.errors.total,
            processed=bucket.latency_total.count,
            latency_sum_seconds=bucket.latency_total.sum_us / 1e6,
            latency_count=bucket.latency_total.count,
        )

    def event_types(self) -> tuple[str, ...]:
        return tuple(sorted(t for t, minutes in self._type_minutes.items() if minutes > 0))
