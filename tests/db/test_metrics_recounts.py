"""Expensive judgments kept current by cheap increments between their recounts.

At 10M events a full count of the stuck orders, an hour of event_ids or the settled
backlog costs tens to hundreds of milliseconds; the Collector runs those on a cadence
stretched by their cost and, in between, reads only what changed. These tests hold the
recount off (a long base interval) and check that the increments alone keep the
figures right.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from support.metrics_testkit import add_event, add_events, add_order, summary_polls_around
from support.sim_helpers import wait_until

from console.core.config import Settings
from console.core.db import read_only
from console.metrics.collector import Collector
from console.metrics.paid_orders import PaidWithoutPaymentWatch
from console.metrics.reader import PanelReader
from console.metrics.snapshot import StuckOrders
from console.metrics.stuck import StuckOrdersWatch
from console.metrics.tuning import CollectorTuning

T = TypeVar("T")


@asynccontextmanager
async def _reader(dsn: str) -> AsyncIterator[PanelReader]:
    reader = PanelReader(dsn, Settings(), retry_seconds=60)
    await reader.connect()
    try:
        yield reader
    finally:
        await reader.close()


async def _look(reader: PanelReader, look: Callable[[PanelReader, datetime], Awaitable[T]]) -> T:
    """One look in its own read-only transaction, on the server's clock, as a poll does."""
    conn = reader.conn
    assert conn is not None
    async with read_only(conn):
        row = await (await conn.execute("SELECT now() AS now")).fetchone()
        assert row is not None
        return await look(reader, row["now"])


async def test_an_order_that_becomes_stuck_between_recounts_counts_at_once(db) -> None:
    """The recount held off for an hour: the order crossing the line is added by itself."""
    with db.connect() as conn:
        add_order(conn, state="pending", updated_age=2 * 3600)
        add_order(conn, state="paid", updated_age=2 * 3600)  # a resting state, never stuck
        watch = StuckOrdersWatch(60, ceiling=3600, recount_base=3600)
        async with _reader(db.dsn) as reader:
            first = await _look(reader, watch.look)
            assert first is not None and first.total == 1
            add_order(conn, state="pending_payment", updated_age=3600 - 1)  # stuck in 1 s

            async def stuck_twice() -> StuckOrders | None:
                looked = await _look(reader, watch.look)
                assert looked is not None
                return looked if looked.total >= 2 else None

            later = await wait_until(stuck_twice, 20)
            assert later is not None, "the order that crossed the line was never counted"
            assert dict(later.by_state) == {"pending": 1, "pending_payment": 1}
            assert later.oldest_updated_at == first.oldest_updated_at
            recount = await _look(reader, StuckOrdersWatch(60, ceiling=3600).look)
        assert recount is not None and dict(recount.by_state) == dict(later.by_state)


async def test_duplicates_between_rereads_of_the_hour_follow_new_copies_and_deletions(
    db,
) -> None:
    """Only the new event_ids and those held are probed; the figures match a fresh read."""
    with db.connect() as conn:
        add_event(conn, age=600, event_id="evt_twice")
        add_event(conn, age=900, event_id="evt_once")
        add_event(conn, age=2 * 3600, event_id="evt_old")  # its copy below is the only one
        whole = CollectorTuning(first_data_seconds=float("inf"))
        async with Collector(
            db.dsn,
            Settings(),
            # the hour is read once, then probed
            tuning=replace(whole, detector_interval_seconds=0, slow_interval_seconds=3600),
        ) as collector:
            first = await collector.poll()
            assert first.duplicates_1h is not None
            assert first.duplicates_1h.duplicated_event_ids == 0
            add_event(conn, age=1, event_id="evt_twice")
            add_event(conn, age=1, event_id="evt_old")
            copied = (await collector.poll()).duplicates_1h
            assert copied is not None
            assert (copied.duplicated_event_ids, copied.extra_copies) == (1, 1)
            assert copied.examples == ("evt_twice",)
            third = add_event(conn, age=0, event_id="evt_twice")
            add_event(conn, age=0, event_id="evt_once")
            more = (await collector.poll()).duplicates_1h
            assert more is not None
            assert (more.duplicated_event_ids, more.extra_copies) == (2, 3)
            assert more.examples == ("evt_twice", "evt_once")
            conn.execute("DELETE FROM webhook_events WHERE id = %s", (third,))
            fewer = (await collector.poll()).duplicates_1h
        async with Collector(db.dsn, Settings(), tuning=whole) as fresh:
            reread = (await fresh.poll()).duplicates_1h
    assert fewer is not None and reread is not None
    assert (fewer.duplicated_event_ids, fewer.extra_copies) == (2, 2)
    assert fewer == reread


async def test_a_settled_row_processed_late_leaves_a_large_backlog_on_the_next_poll(db) -> None:
    """Summary mode with the settled minutes held for an hour: their processed rows leave."""
    with db.connect() as conn:
        add_events(conn, 30, oldest=7200, newest=900, latency=None)
        before, after, recount = await summary_polls_around(
            db.dsn,
            lambda: conn.execute(
                "UPDATE webhook_events SET processed_at = now() WHERE id = "
                "(SELECT id FROM webhook_events ORDER BY created_at LIMIT 1)"
            ),
        )
    assert before.backlog.unprocessed == 30
    assert after.backlog.unprocessed == recount.backlog.unprocessed == 29
    ages = [s.backlog.oldest_unprocessed_age_seconds or 0.0 for s in (before, after, recount)]
    assert ages[1] < ages[0] - 100 and abs(ages[1] - ages[2]) < 60  # the oldest one left
    assert after.backlog.payment_waiting_seconds[0] < ages[0] - 100


async def test_paid_orders_held_are_rechecked_a_batch_a_look_until_all_have_been(db) -> None:
    """Two held, a batch of one: each look clears one order whose payment landed."""
    with db.connect() as conn:
        first_gap = add_order(conn, state="paid", updated_age=2 * 3600)
        second_gap = add_order(conn, state="paid", updated_age=3600)
        watch = PaidWithoutPaymentWatch(first_budget=float("inf"), recheck_batch=1)
        async with _reader(db.dsn) as reader:
            held = await _look(reader, watch.look)
            assert held is not None and held.count == 2
            for order_id in (first_gap, second_gap):
                conn.execute(
                    "INSERT INTO payments (order_id, amount_cents, status, processed_at) "
                    "VALUES (%s, 4200, 'completed', now())",
                    (order_id,),
                )
            counts: list[Any] = []
            for _ in range(2):
                looked = await _look(reader, watch.look)
                assert looked is not None
                counts.append(looked.count)
    assert counts == [1, 0]
