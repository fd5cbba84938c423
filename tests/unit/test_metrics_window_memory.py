"""Per-minute buckets stay compact: the bound behind the console's memory figure.

At 10M events a day of minutes held a LatencyAgg Counter per minute and event type, ~2.5 KB
each and most of the Collector's memory. The buckets now keep sorted bin/count arrays; this
bounds what hours of them cost with the block cache and the frozen minutes filled as a
Snapshot fills them.
"""

from __future__ import annotations

import gc
import tracemalloc
from datetime import UTC, datetime

from console.metrics.buckets import MINUTE, MetricWindow

START = datetime(2026, 11, 28, tzinfo=UTC)
MINUTES = 360  # six hours: the cost per minute is what a day multiplies by 4
TYPES = tuple(f"type.{n}" for n in range(5))
BINS = range(80, 120)  # latency bins with events in each minute and type (~68 at 10M)


def _fill(window: MetricWindow) -> None:
    for offset in range(MINUTES):
        minute = START + offset * MINUTE
        for event_type in TYPES:
            window.add_arrival(minute, event_type, 3 * len(BINS))
            for index in BINS:
                window.add_processed_group(
                    minute, event_type, index, 3, 3_000_000, 1_500_000, None, minute, minute
                )


def test_hours_of_minutes_retain_under_a_kilobyte_per_minute_and_type() -> None:
    last = START + (MINUTES - 1) * MINUTE
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        window = MetricWindow()
        _fill(window)
        whole = window.aggregate(START, last, by_type=True)  # fills the block cache
        frozen = window.minute_buckets(START, last)
        del whole, frozen
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert window.aggregate(START, last).latency.count == MINUTES * len(TYPES) * 3 * len(BINS)
    histograms = MINUTES * (len(TYPES) + 1)  # one per type and one for all types together
    assert retained < histograms * 1_000, (retained, retained / histograms)
