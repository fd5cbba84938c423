"""The delta engine agrees with a recount from scratch, whatever happens between polls.

Random inserts (some backdated), processing (some with a processed_at older than the
collector's watermark), failures, retry resets and deletions of unprocessed rows, with
polls in between; then the incrementally kept buckets must equal both a fresh Collector's
initial load and a plain recount of the table in Python. Real database, both id types.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from support.metrics_testkit import add_event, add_events, poll_once, wait_for_sessions

from console.core.config import Settings
from console.metrics.buckets import minute_of
from console.metrics.collector import Collector
from console.metrics.latency import latency_us
from console.metrics.snapshot import Snapshot
from console.metrics.tuning import CollectorTuning

SETTLED_EVERY_POLL = CollectorTuning(settled_check_seconds=0.0)  # held rows checked each poll
TYPES = ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"]
ERRORS = [
    "Invalid signature",
    "Event too old",
    "Rate limit exceeded",
    "Invalid state transition",
    "connection timeout",
    "Something unexpected",
]

maybe_error = st.none() | st.integers(0, len(ERRORS) - 1)
pick = st.integers(0, 1000)
OPS = st.one_of(
    st.tuples(st.just("insert_pending"), st.integers(0, 2), st.floats(0, 3 * 3600), maybe_error),
    st.tuples(st.just("insert_processed"), st.integers(0, 2), st.floats(0, 2 * 3600), maybe_error),
    st.tuples(st.just("process"), pick, st.sampled_from([0.0, 0.0, 900.0])),
    st.tuples(st.just("fail"), pick, st.integers(0, len(ERRORS) - 1)),
    st.tuples(st.just("reset"), pick),
    st.tuples(st.just("delete"), pick),
    st.just(("poll",)),
)


def _pending_ids(conn: psycopg.Connection[Any], failed: bool | None = None) -> list[Any]:
    where = {None: "", True: " AND error_message IS NOT NULL", False: " AND error_message IS NULL"}
    rows = conn.execute(
        "SELECT id FROM webhook_events WHERE processed_at IS NULL"
        + where[failed]
        + " ORDER BY created_at, id::text"
    ).fetchall()
    return [r[0] for r in rows]


def _apply(conn: psycopg.Connection[Any], op: tuple[Any, ...], polled: set[Any]) -> None:
    """Apply one operation; `polled` holds the ids that were unprocessed at the last poll."""
    kind = op[0]
    if kind == "insert_pending":
        _, type_index, age, error = op
        error_text = None if error is None else ERRORS[error]
        add_event(conn, age=age, event_type=TYPES[type_index], latency=None, error=error_text)
        return
    if kind == "insert_processed":
        _, type_index, latency, error = op
        error_text = None if error is None else ERRORS[error]
        add_event(
            conn, age=latency, event_type=TYPES[type_index], latency=latency, error=error_text
        )
        return
    ids = _pending_ids(conn, failed=True if kind == "reset" else None)
    backdate = op[2] if kind == "process" else 0.0
    if backdate:
        # A processed_at older than the watermark (a writer's skewed clock) is only
        # recoverable for a row the collector saw unprocessed: the documented model.
        ids = [i for i in ids if i in polled]
    if not ids:
        return
    target = ids[op[1] % len(ids)]
    if kind == "process":
        conn.execute(
            "UPDATE webhook_events SET processed_at = now() - make_interval(secs => %s) "
            "WHERE id = %s",
            (backdate, target),
        )
    elif kind == "fail":
        conn.execute(
            "UPDATE webhook_events SET error_message = %s WHERE id = %s", (ERRORS[op[2]], target)
        )
    elif kind == "reset":  # the guide's "Reset failed events for retry"
        conn.execute(
            "UPDATE webhook_events SET error_message = NULL, retry_count = retry_count + 1 "
            "WHERE id = %s",
            (target,),
        )
    elif kind == "delete":  # the guide's duplicate cleanup deletes unprocessed rows
        conn.execute("DELETE FROM webhook_events WHERE id = %s", (target,))


def _buckets(snapshot: Snapshot) -> dict[Any, tuple[Any, ...]]:
    return {
        b.minute: (dict(b.by_type), b.errors, b.processed, b.latency_count, b.latency_sum_seconds)
        for b in snapshot.throughput
        if b.total or b.errors or b.processed
    }


def _recount(conn: psycopg.Connection[Any]) -> dict[Any, tuple[Any, ...]]:
    """The per-minute figures computed directly from every row, no deltas involved."""
    arrivals: dict[Any, Counter[str]] = defaultdict(Counter)
    errors: Counter[Any] = Counter()
    processed: Counter[Any] = Counter()
    latency: Counter[Any] = Counter()
    rows = conn.execute(
        "SELECT event_type, created_at, processed_at, error_message FROM webhook_events "
        "WHERE created_at > now() - interval '24 hours'"  # the window (no row is near its edge)
    ).fetchall()
    for event_type, created_at, processed_at, error_message in rows:
        minute = minute_of(created_at)
        arrivals[minute][event_type] += 1
        errors[minute] += error_message is not None
        if processed_at is not None:
            processed[minute] += 1
            latency[minute] += latency_us(created_at, processed_at)
    return {
        m: (dict(arrivals[m]), errors[m], processed[m], processed[m], latency[m] / 1e6)
        for m in arrivals
    }


def _error_view(snapshot: Snapshot) -> set[tuple[Any, ...]]:
    return {
        (g.message, g.count_24h, g.event_types, g.first_seen, g.last_seen) for g in snapshot.errors
    }


def _backlog_view(snapshot: Snapshot) -> tuple[Any, ...]:
    b = snapshot.backlog
    return (
        b.unprocessed,
        b.unprocessed_without_error,
        b.failed_24h,
        b.retryable_failed,
        dict(b.unprocessed_by_type),
    )


async def _run(dsn: str, ops: list[tuple[Any, ...]], overlap: float) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        add_events(conn, 30, oldest=2 * 3600, newest=5, latency=0.7)
        add_events(conn, 5, oldest=3000, newest=100, latency=None, error="Invalid signature")
        add_events(conn, 5, oldest=2000, newest=50, event_type=TYPES[2], latency=None)
        # failed history older than the window: aggregated apart (every poll here)
        add_events(conn, 4, oldest=30 * 3600, newest=25 * 3600, latency=None, error=ERRORS[1])
        # every part checked at every poll: exact each time
        exact = replace(SETTLED_EVERY_POLL, overlap_seconds=overlap, slow_interval_seconds=0.0)
        async with Collector(dsn, Settings(), tuning=exact) as incremental:
            await incremental.poll()
            polled = set(_pending_ids(conn))
            for op in ops:
                if op[0] == "poll":
                    await incremental.poll()
                    polled = set(_pending_ids(conn))
                else:
                    _apply(conn, op, polled)
            kept = await incremental.poll()
        async with Collector(dsn, Settings()) as fresh_collector:
            fresh = await fresh_collector.poll()
        recount = _recount(conn)
    assert _buckets(kept) == recount
    assert _buckets(fresh) == recount
    assert _error_view(kept) == _error_view(fresh)
    assert _backlog_view(kept) == _backlog_view(fresh)
    assert kept.panel_errors == {}


@pytest.mark.parametrize("id_type", ["bigint", "uuid"])
@settings(
    max_examples=6,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # shrinking a DB test takes minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, min_size=5, max_size=40), overlap=st.sampled_from([0.0, 30.0]))
def test_incremental_buckets_equal_a_recount(
    pg_server: Any, id_type: str, ops: list[tuple[Any, ...]], overlap: float
) -> None:
    name = f"t_h_{uuid.uuid4().hex[:12]}"
    dsn = pg_server.create_database(name, template=f"tmpl_{id_type}")
    try:
        asyncio.run(_run(dsn, ops, overlap))
    finally:
        pg_server.drop_database(name)


async def test_a_poll_reads_what_changed_not_the_table(db) -> None:
    """After the initial load, a poll's cost follows the new rows, not the 24 h window."""
    with db.connect() as conn:
        add_events(conn, 3000, oldest=23 * 3600, newest=120, latency=0.4)
        add_events(conn, 3, oldest=600, newest=300, latency=None, error="Invalid signature")
        tuning = CollectorTuning(overlap_seconds=30, settled_check_seconds=60)
        async with Collector(db.dsn, Settings(), tuning=tuning) as collector:
            first = await collector.poll()
            idle = await collector.poll()
            add_events(conn, 7, oldest=10, newest=1, latency=0.2)
            busy = await collector.poll()
    assert sum(b.total for b in first.throughput) == 3003
    assert first.rows_read > 100  # the one-off initial load, aggregated per minute in SQL
    # besides one row per client session: nothing; the three failed rows are older than the
    # recent five minutes, held from the first poll and not shipped again
    assert idle.rows_read - idle.connections.total == 0
    assert idle.backlog.unprocessed == 3 and idle.errors[0].count_24h == 3
    # then just the new rows (once as arrived, once as processed)
    assert busy.rows_read - busy.connections.total == 7 + 7
    assert busy.events_5m == idle.events_5m + 7
    assert busy.poll_seconds > 0 and busy.queries_run >= 4


async def test_retry_reset_and_late_failure_are_seen_without_timestamps(db) -> None:
    """error_message changes with no timestamp: the unprocessed re-read catches them."""
    with db.connect() as conn:
        first_id = add_event(conn, age=120, latency=None)
        async with Collector(db.dsn, Settings()) as collector:
            before = await collector.poll()
            conn.execute(
                "UPDATE webhook_events SET error_message = 'Invalid state transition' "
                "WHERE id = %s",
                (first_id,),
            )
            failed = await collector.poll()
            conn.execute(
                "UPDATE webhook_events SET error_message = NULL, retry_count = 3 WHERE id = %s",
                (first_id,),
            )
            reset = await collector.poll()
    assert before.errors_5m == 0 and before.backlog.unprocessed_without_error == 1
    assert failed.errors_5m == 1 and failed.backlog.failed_24h == 1
    assert failed.backlog.retryable_failed == 1
    assert reset.errors_5m == 0 and reset.backlog.failed_24h == 0
    assert reset.errors == ()


async def test_lost_connection_is_one_clear_error_then_recovers(db) -> None:
    from console.core.db import DatabaseError

    with db.connect() as conn:
        add_events(conn, 50, oldest=3600, newest=60)
        async with Collector(db.dsn, Settings()) as collector:
            first = await collector.poll()
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name LIKE %s",
                ("incident-console:%:metrics",),
            )
            wait_for_sessions(
                conn, "application_name LIKE 'incident-console:%:metrics'", 0, exactly=True
            )
            with pytest.raises(DatabaseError) as caught:
                await collector.poll()
            assert "\n" not in str(caught.value)
            add_events(conn, 5, oldest=30, newest=1)
            again = await collector.poll()
    assert again.throughput[-10:] != first.throughput[-10:]
    assert sum(b.total for b in again.throughput) == 55


async def test_initial_load_aggregated_in_sql_equals_counting_row_by_row(any_db) -> None:
    """The first poll bins latencies in SQL; the deltas bin them in Python: same buckets."""
    with any_db.connect() as conn:
        # latencies across many histogram bins, including exact bin edges (1 ms * 1.05^k)
        edges = [0.001 * 1.05**k for k in range(0, 300, 7)]
        for index, latency in enumerate([0.0, 0.0004, 0.001, 0.00105, 0.5, 3.0, *edges]):
            error = "Invalid signature" if index % 5 == 0 else None
            add_event(conn, age=1800 + index, latency=latency, error=error)
        add_events(conn, 40, oldest=3000, newest=2000, latency=None, error="Event too old")
    aggregated = await poll_once(any_db.dsn)
    all_inside = CollectorTuning(overlap_seconds=4 * 3600)  # every row inside the overlap
    row_by_row = await poll_once(any_db.dsn, tuning=all_inside)
    assert aggregated.rows_read < row_by_row.rows_read
    assert _buckets(aggregated) == _buckets(row_by_row) == _recount_from(any_db)
    assert aggregated.latency == row_by_row.latency
    assert _error_view(aggregated) == _error_view(row_by_row)
    assert aggregated.p95_processing_seconds_1h == row_by_row.p95_processing_seconds_1h


def _recount_from(database: Any) -> dict[Any, tuple[Any, ...]]:
    with database.connect() as conn:
        return _recount(conn)


async def test_large_backlog_is_summarised_in_sql_and_tracked_row_by_row_again_later(db) -> None:
    """Processing down, events piling up: the poll's cost stays flat, the figures the same."""
    with db.connect() as conn:
        add_events(conn, 120, oldest=1500, newest=60, latency=None)
        add_events(conn, 40, oldest=900, newest=100, latency=None, error="Invalid signature")
        add_events(conn, 20, oldest=3000, newest=2000, event_type=TYPES[2], latency=None)
        conn.execute("UPDATE webhook_events SET retry_count = 3 WHERE event_type = %s", (TYPES[2],))
        # settled rows checked at every poll, so the deletion shows at the next one
        summarised = replace(SETTLED_EVERY_POLL, max_backlog_rows=50)
        async with (
            Collector(db.dsn, Settings(), tuning=summarised) as small,
            Collector(db.dsn, Settings()) as exact,
        ):
            summary = await small.poll()
            rows = await exact.poll()
            assert _backlog_view(summary) == _backlog_view(rows)
            assert summary.backlog.unprocessed == 180
            assert summary.backlog.retryable_failed == 40
            assert _error_view(summary) == _error_view(rows)
            assert _buckets(summary) == _buckets(rows)
            assert summary.rows_read < rows.rows_read
            conn.execute(
                "UPDATE webhook_events SET processed_at = now() "
                "WHERE id IN (SELECT id FROM webhook_events ORDER BY created_at OFFSET 10)"
            )
            shrunk = await small.poll()
            assert shrunk.backlog.unprocessed == 10
            conn.execute("DELETE FROM webhook_events WHERE processed_at IS NULL")
            tracked = await small.poll()  # row by row again: the deletion is seen
        assert _buckets(tracked) == _recount(conn)
        assert tracked.backlog.unprocessed == 0


async def test_old_failed_history_is_counted_but_not_reread_each_poll(any_db) -> None:
    """Failed events keep processed_at NULL for good: years of them must not slow each poll."""
    with any_db.connect() as conn:
        add_events(conn, 2000, oldest=7 * 86400, newest=25 * 3600, latency=None, error="Timeout")
        add_events(conn, 50, oldest=3600, newest=60, latency=0.3)
        add_event(conn, age=7200, latency=None, error="Invalid state transition")
        cadence = replace(SETTLED_EVERY_POLL, slow_interval_seconds=1.0)
        async with Collector(any_db.dsn, Settings(), tuning=cadence) as collector:
            first = await collector.poll()
            steady = await collector.poll()
            conn.execute(
                "UPDATE webhook_events SET error_message = NULL, retry_count = retry_count + 1 "
                "WHERE id IN (SELECT id FROM webhook_events WHERE error_message = 'Timeout' "
                "ORDER BY created_at LIMIT 500)"
            )
            await asyncio.sleep(1.05)  # the old history is re-aggregated on the slow cadence
            reset = await collector.poll()
        async with Collector(any_db.dsn, Settings()) as fresh_collector:
            fresh = await fresh_collector.poll()
    # the steady poll reads one fingerprint row, not the 2 001 unprocessed rows
    assert steady.rows_read - steady.connections.total == 1
    for snapshot in (first, steady):
        backlog = snapshot.backlog
        assert backlog.unprocessed == 2001 and backlog.unprocessed_without_error == 0
        assert backlog.failed_24h == 1 and backlog.retryable_failed == 2001
        assert backlog.oldest_unprocessed_age_seconds is not None
        assert backlog.oldest_unprocessed_age_seconds >= 7 * 86400
        assert dict(backlog.unprocessed_by_type) == {"payment_intent.succeeded": 2001}
        assert [(g.message, g.count_24h) for g in snapshot.errors] == [
            ("Invalid state transition", 1)
        ]
    assert reset.backlog.unprocessed_without_error == 500
    assert reset.backlog.retryable_failed == 1501
    assert _backlog_view(reset) == _backlog_view(fresh)


async def test_a_change_to_an_older_unprocessed_row_is_seen_at_the_next_poll(db) -> None:
    """Rows older than the recent minutes are held, not re-read, yet a change still shows."""
    with db.connect() as conn:
        quiet = add_event(conn, age=3600, latency=None)
        add_events(conn, 20, oldest=7200, newest=1800, latency=None, error="Event too old")
        async with Collector(db.dsn, Settings(), tuning=SETTLED_EVERY_POLL) as collector:
            await collector.poll()
            steady = await collector.poll()
            conn.execute(
                "UPDATE webhook_events SET error_message = 'Rate limit exceeded' WHERE id = %s",
                (quiet,),
            )
            failed = await collector.poll()
            conn.execute("DELETE FROM webhook_events WHERE error_message = 'Event too old'")
            deleted = await collector.poll()
            after = await collector.poll()
        recount = _recount(conn)
    assert steady.rows_read - steady.connections.total == 1
    assert steady.backlog.unprocessed_without_error == 1
    assert failed.backlog.unprocessed_without_error == 0 and failed.backlog.failed_24h == 21
    assert failed.rows_read - failed.connections.total == 1 + 21  # changed: all re-read once
    assert deleted.backlog.unprocessed == 1 and _buckets(deleted) == recount
    assert [g.message for g in deleted.errors] == ["Rate limit exceeded"]
    assert after.rows_read - after.connections.total == 1


async def test_older_rows_are_checked_on_their_cadence_and_processing_shows_at_once(db) -> None:
    """Between checks held rows are trusted, except one processed: the delta shows it."""
    with db.connect() as conn:
        quiet = add_event(conn, age=3600, latency=None)
        done = add_event(conn, age=1800, latency=None)
        every_1_5_s = CollectorTuning(settled_check_seconds=1.5)
        async with Collector(db.dsn, Settings(), tuning=every_1_5_s) as collector:
            await collector.poll()
            conn.execute("UPDATE webhook_events SET processed_at = now() WHERE id = %s", (done,))
            conn.execute(
                "UPDATE webhook_events SET error_message = 'Rate limit exceeded' WHERE id = %s",
                (quiet,),
            )
            soon = await collector.poll()
            await asyncio.sleep(1.55)
            checked = await collector.poll()
    assert soon.backlog.unprocessed == 1  # processed 30 min after it arrived:
    assert soon.avg_processing_seconds_1h is not None and soon.avg_processing_seconds_1h > 1700
    assert soon.rows_read - soon.connections.total == 1  # the processed row, nothing held
    assert soon.backlog.failed_24h == 0  # the failure waits for the next check
    assert checked.backlog.failed_24h == 1 and checked.backlog.unprocessed == 1
    assert [g.message for g in checked.errors] == ["Rate limit exceeded"]
