"""Cached block aggregates and the indexed backlog give the figures a plain recount gives.

The Collector keeps hour and ten-minute aggregates between polls and an index of the
backlog; both must be invisible: any change inside a cached block shows at the next read.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from console.metrics.aggregate import Aggregate
from console.metrics.backlog import BacklogIndex, JoinedIndex, PendingGroup, build_backlog
from console.metrics.buckets import MINUTE, MetricWindow

BASE = datetime(2026, 11, 28, 6, 53, tzinfo=UTC)  # not on an hour: blocks start mid-range
SPAN = 200  # minutes
TYPES = ("payment_intent.succeeded", "charge.refunded")
GROUPS = ("signature", "timeout")

minute_index = st.integers(0, SPAN - 1)
OPS = st.one_of(
    st.tuples(st.just("arrive"), minute_index, st.sampled_from(TYPES)),
    st.tuples(
        st.just("process"),
        minute_index,
        st.sampled_from(TYPES),
        st.integers(0, 5_000_000),
        st.none() | st.sampled_from(GROUPS),
    ),
    st.tuples(
        st.just("volatile"),
        st.lists(st.tuples(minute_index, st.sampled_from(TYPES), st.sampled_from(GROUPS))),
    ),
    st.tuples(st.just("read"), minute_index, minute_index),
    st.tuples(st.just("take_back"), st.integers(0, 1000)),  # a deleted unprocessed row
    st.tuples(st.just("prune"), st.integers(0, SPAN // 4)),
)


def _view(agg: Aggregate) -> tuple[Any, ...]:
    groups = {g: (a.count, a.first, a.last, frozenset(a.types)) for g, a in agg.groups.items()}
    return (
        dict(agg.arrivals),
        agg.processed,
        agg.errors,
        (agg.latency.count, agg.latency.sum_us, agg.latency.max_us, dict(agg.latency.hist)),
        {t: (a.count, a.sum_us, dict(a.hist)) for t, a in agg.latency_by_type.items()},
        {g: v for g, v in groups.items() if v[0]},
    )


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(OPS, min_size=1, max_size=60))
def test_cached_blocks_agree_with_a_recount_after_any_change(ops: list[tuple[Any, ...]]) -> None:
    window = MetricWindow()
    arrivals: list[tuple[datetime, str]] = []
    processed: list[tuple[datetime, str, int, str | None]] = []
    volatile: list[tuple[datetime, str, str]] = []
    for op in ops:
        if op[0] == "arrive":
            at = BASE + op[1] * MINUTE
            window.add_arrival(at, op[2])
            arrivals.append((at, op[2]))
        elif op[0] == "process":
            at = BASE + op[1] * MINUTE
            window.add_processed(at, op[2], op[3], op[4])
            processed.append((at, op[2], op[3], op[4]))
        elif op[0] == "volatile":
            volatile = [(BASE + m * MINUTE, t, g) for m, t, g in op[1]]
            window.set_volatile((at, at, t, g, 1) for at, t, g in volatile)
        elif op[0] == "take_back" and arrivals:
            at, event_type = arrivals.pop(op[1] % len(arrivals))
            window.add_arrival(at, event_type, -1)
        elif op[0] == "prune":
            cut = BASE + op[1] * MINUTE
            window.prune(cut)
            arrivals = [a for a in arrivals if a[0] >= cut]
            processed = [p for p in processed if p[0] >= cut]
            volatile = [v for v in volatile if v[0] >= cut]
        elif op[0] == "read":
            first, last = sorted(op[1:])
            lo, hi = BASE + first * MINUTE, BASE + last * MINUTE
            got = window.aggregate(lo, hi, by_type=True)
            assert _view(got) == _view(_expected(arrivals, processed, volatile, lo, hi))
            plain = window.aggregate(lo, hi, histogram=False)
            assert plain.latency.sum_us == got.latency.sum_us and plain.errors == got.errors
    assert window.event_types() == tuple(sorted({t for _, t in arrivals}))


def _expected(
    arrivals: list[tuple[datetime, str]],
    processed: list[tuple[datetime, str, int, str | None]],
    volatile: list[tuple[datetime, str, str]],
    lo: datetime,
    hi: datetime,
) -> Aggregate:
    """The totals straight from every record in minutes lo..hi, one minute at a time."""
    reference = MetricWindow()
    for at, event_type in arrivals:
        reference.add_arrival(at, event_type)
    for at, event_type, us, group in processed:
        reference.add_processed(at, event_type, us, group)
    reference.set_volatile((at, at, t, g, 1) for at, t, g in volatile)
    agg = Aggregate()
    minute = lo
    while minute <= hi:
        agg.merge(reference.aggregate(minute, minute, by_type=True), by_type=True, histogram=True)
        minute += MINUTE
    return agg


def test_backlog_index_gives_the_figures_of_a_plain_pass() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    groups = [
        PendingGroup(now - timedelta(hours=h), now - timedelta(hours=h), t, e, n, r)
        for h, t, e, n, r in [
            (0.1, "payment_intent.succeeded", None, 1, 1),
            (0.5, "payment_intent.created", None, 1, 1),
            (2, "charge.refunded", "Invalid signature", 1, 0),
            (23.99, "payment_intent.succeeded", "Event too old", 1, 1),
            (24, "payment_intent.succeeded", "Event too old", 1, 1),  # exactly a day: not 24 h
            (30, "charge.refunded", "Timeout", 500, 120),  # an old aggregated group
            (26, "payment_intent.succeeded", None, 3, 3),
        ]
    ]
    index = BacklogIndex(groups, retry_limit=3)
    for at in (now, now + timedelta(minutes=30), now + timedelta(days=2)):
        assert index.build(at) == build_backlog(groups, at, 3)
    assert index.build(now).failed_24h == 2
    assert index.oldest_since(now - timedelta(hours=1)) == now - timedelta(hours=0.5)
    assert index.oldest_since(now) is None
    assert BacklogIndex([], 3).build(now) == build_backlog([], now, 3)
    assert Counter(index.build(now).unprocessed_by_type)["charge.refunded"] == 501
    # in parts indexed apart (old, settled, recent), read as one: the same figures
    for cuts in ((2, 5), (0, 7), (1, 1), (3, 6)):
        parts = [groups[: cuts[0]], groups[cuts[0] : cuts[1]], groups[cuts[1] :]]
        joined = JoinedIndex([BacklogIndex(p, 3) for p in parts], retry_limit=3)
        for at in (now, now + timedelta(minutes=30), now + timedelta(days=2)):
            assert joined.build(at) == build_backlog(groups, at, 3), cuts
        for since in (now - timedelta(hours=25), now - timedelta(hours=1), now):
            assert joined.oldest_since(since) == index.oldest_since(since), cuts
    assert JoinedIndex([], 3).build(now) == build_backlog([], now, 3)
