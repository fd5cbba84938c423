"""Processing latency as exact integers plus a log-scale histogram, for percentiles.

Why a histogram: a p95 over a day of events cannot keep every latency in memory, and
the windows the dashboard reads are merged from per-minute parts each poll. Microsecond
integers keep sums exact however often parts are merged; a histogram of ratio 1.05 reads
any percentile within 2.5 % of the true value and merges by adding counts.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

# Latency histogram: bin 0 holds <= 1 ms, bin b holds (1 ms·r^(b-1), 1 ms·r^b].
# With r = 1.05 any percentile read from it is within 2.5 % of the true value.
_FIRST_EDGE_US = 1_000
_RATIO = 1.05
_LOG_RATIO = math.log(_RATIO)


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


@dataclass(slots=True)
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


class MinuteLatency:
    """One minute's latencies, compact: what a day of 1 440 minutes keeps in memory.

    Why not a LatencyAgg: its Counter costs a dict per minute and event type (~2.5 KB
    each, most of the Collector's memory at 10M events). Here the non-empty bins are two
    sorted arrays (2 + 4 bytes a bin), and the counts are exact, so any window merged
    from these parts gives the same percentiles as before. A count above 2^32 in one
    minute's bin would raise OverflowError, never wrap.
    """

    __slots__ = ("bins", "count", "counts", "max_us", "sum_us")

    def __init__(self) -> None:
        self.count = 0
        self.sum_us = 0
        self.max_us = 0
        self.bins = array("H")  # histogram bin indexes, ascending (the last bin is ~500)
        self.counts = array("I")  # events in each of those bins

    @classmethod
    def of(cls, agg: LatencyAgg) -> MinuteLatency:
        """The compact copy of an aggregate (a cached block of minutes keeps these)."""
        part = cls()
        part.count, part.sum_us, part.max_us = agg.count, agg.sum_us, agg.max_us
        bins = sorted(index for index, count in agg.hist.items() if count)
        part.bins = array("H", bins)
        part.counts = array("I", [agg.hist[index] for index in bins])
        return part

    def add(self, us: int) -> None:
        self.add_group(1, us, us, latency_bin(us))

    def add_group(self, count: int, sum_us: int, max_us: int, bin_index: int) -> None:
        """Events pre-aggregated by the database: all in one bin."""
        self.count += count
        self.sum_us += sum_us
        if max_us > self.max_us:
            self.max_us = max_us
        bins = self.bins
        at = bisect_left(bins, bin_index)
        if at < len(bins) and bins[at] == bin_index:
            self.counts[at] += count
        else:
            bins.insert(at, bin_index)
            self.counts.insert(at, count)

    def merge_into(self, agg: LatencyAgg, *, histogram: bool = True) -> None:
        """Add this minute to an aggregate (count and sum only without `histogram`)."""
        agg.count += self.count
        agg.sum_us += self.sum_us
        if not histogram:
            return
        if self.max_us > agg.max_us:
            agg.max_us = self.max_us
        hist = agg.hist
        for index, count in zip(self.bins, self.counts, strict=True):
            hist[index] = hist.get(index, 0) + count
