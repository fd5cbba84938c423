"""The demo world's history: volume, shape, consistency, and health under the default rules.

One world per id type is generated once for the module (20k events, the server's own
clock for `now`) and only read by the tests; tests that need their own world make a small
one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from console.core.db import DatabaseError
from console.core.schema_contract import KNOWN_STATES, is_valid_transition
from console.sim.embedded import EmbeddedPostgres
from console.sim.schema import apply_monitored_schema
from console.sim.world import (
    DEFAULT_EVENTS_PER_DAY,
    WorldSummary,
    default_event_count,
    generate_world,
)

EVENTS = 20_000
EVENT_TYPES = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "charge.dispute.created",
    "checkout.session.completed",
}
PAID_FAMILY = ("paid", "ready_for_handover", "refunded", "disputed", "released")
GUIDE_ERRORS = {
    "Invalid signature",
    "Invalid state transition",
    "Event too old",
    "Rate limit exceeded",
    "Database connection timeout",
    "Connection pool exhausted",
}


class World:
    def __init__(self, dsn: str, summary: WorldSummary, id_type: str) -> None:
        self.dsn = dsn
        self.summary = summary
        self.id_type = id_type

    def one(self, query: str, *params: object) -> tuple:
        with psycopg.connect(self.dsn) as conn:
            row = conn.execute(query, params or None).fetchone()
        assert row is not None
        return row

    def all(self, query: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.dsn) as conn:
            return conn.execute(query, params or None).fetchall()


@pytest.fixture(scope="module", params=["bigint", "uuid"])
def world(request: pytest.FixtureRequest, pg_server: EmbeddedPostgres) -> Iterator[World]:
    id_type = request.param
    name = f"world_{id_type}_{id(request)}"
    dsn = pg_server.create_database(name, template=f"tmpl_{id_type}")
    summary = generate_world(dsn, events=EVENTS, seed=7)
    yield World(dsn, summary, id_type)
    pg_server.drop_database(name)


def test_volume_matches_the_request_and_the_summary(world: World) -> None:
    s = world.summary
    assert abs(s.webhook_events - EVENTS) / EVENTS < 0.05
    counts = world.one(
        "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM webhook_events),"
        " (SELECT count(*) FROM payments), (SELECT count(*) FROM notifications)"
    )
    assert counts == (s.orders, s.webhook_events, s.payments, s.notifications)
    assert s.end_at - s.start_at == timedelta(days=7)
    assert json.loads(json.dumps(asdict(s))) == s.as_dict()  # JSON-native, as --json needs
    assert s.seconds > 0


def test_event_types_mix_and_stripe_shaped_ids(world: World) -> None:
    by_type = dict(world.all("SELECT event_type, count(*) FROM webhook_events GROUP BY 1"))
    assert set(by_type) == EVENT_TYPES
    total = sum(by_type.values())
    assert 0.40 < by_type["checkout.session.completed"] / total < 0.55
    assert 0.40 < by_type["payment_intent.succeeded"] / total < 0.52
    assert 0.02 < by_type["payment_intent.payment_failed"] / total < 0.06
    assert by_type["charge.refunded"] > by_type["charge.dispute.created"] > 0
    ids = [r[0] for r in world.all("SELECT event_id FROM webhook_events")]
    assert all(re.fullmatch(r"evt_[A-Za-z0-9]{24}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert any(re.search(r"[A-Z]", i[4:]) and re.search(r"[a-z]", i[4:]) for i in ids)


def test_ids_are_the_databases_own_and_all_references_resolve(world: World) -> None:
    id_types = dict(
        world.all(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
            " WHERE column_name IN ('id', 'order_id') AND table_schema = 'public'"
        )
    )
    assert id_types["orders.id"] == world.id_type
    dangling = world.one(
        "SELECT (SELECT count(*) FROM webhook_events e WHERE e.order_id IS NOT NULL"
        "   AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = e.order_id)),"
        " (SELECT count(*) FROM payments p"
        "   WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = p.order_id)),"
        " (SELECT count(*) FROM notifications n"
        "   WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = n.order_id))"
    )
    assert dangling == (0, 0, 0)
    # every non-rejected event belongs to an order
    assert (
        world.one("SELECT count(*) FROM webhook_events WHERE order_id IS NULL")[0]
        == (
            world.one(
                "SELECT count(*) FROM webhook_events WHERE error_message = 'Invalid signature'"
            )[0]
        )
    )


def test_orders_use_only_the_state_machine_with_consistent_timestamps(world: World) -> None:
    states = dict(world.all("SELECT state, count(*) FROM orders GROUP BY 1"))
    assert set(states) <= set(KNOWN_STATES)
    assert {"ready_for_handover", "cancelled", "refunded", "paid"} <= set(states)
    assert states["ready_for_handover"] > sum(states.values()) / 2
    bad = world.one(
        "SELECT count(*) FILTER (WHERE NOT (created_at <= updated_at)),"
        " count(*) FILTER (WHERE paid_at IS NOT NULL"
        "   AND NOT (created_at <= paid_at AND paid_at <= updated_at)),"
        " count(*) FILTER (WHERE (paid_at IS NOT NULL) <> (state = ANY(%s))),"
        " count(*) FILTER (WHERE state NOT IN ('pending', 'cancelled')"
        "   AND stripe_payment_intent_id IS NULL),"
        " count(*) FILTER (WHERE updated_at > now() OR created_at > now())"
        " FROM orders",
        list(PAID_FAMILY),
    )
    assert bad == (0, 0, 0, 0, 0)


EVENT_STATE = {
    "checkout.session.completed": "pending_payment",
    "payment_intent.payment_failed": "payment_failed",
    "payment_intent.succeeded": "paid",
    "charge.refunded": "refunded",
    "charge.dispute.created": "disputed",
}


def _walk(path: list[str]) -> str:
    """Replay event-driven states from 'pending'; a step may pass through one state changed
    without a webhook (a retry after a failed payment). Returns the state reached."""
    state = "pending"
    for target in path:
        direct = is_valid_transition(state, target)
        via = any(
            is_valid_transition(state, m) and is_valid_transition(m, target) for m in KNOWN_STATES
        )
        assert direct or (via and (state, target) == ("payment_failed", "paid")), (state, target)
        state = target
    return state


def test_each_orders_events_replay_its_path_through_the_state_machine(world: World) -> None:
    rows = world.all(
        "SELECT o.id::text, o.state, array_agg(e.event_type ORDER BY e.processed_at)"
        " FILTER (WHERE e.processed_at IS NOT NULL)"
        " FROM orders o LEFT JOIN webhook_events e"
        "   ON e.order_id = o.id AND e.error_message IS NULL"
        " GROUP BY o.id, o.state"
    )
    assert len(rows) == world.summary.orders
    for _, state, events in rows:
        reached = _walk([EVENT_STATE[t] for t in events or []])
        # what is left happens without a webhook: a cancellation, a retry, the handover
        # or a dispute released -- each one transition of the guide's machine
        assert state == reached or is_valid_transition(reached, state), (reached, state)


def test_every_paid_order_has_its_completed_payment(world: World) -> None:
    missing = world.one(
        "SELECT count(*) FROM orders o WHERE o.state = ANY(%s) AND NOT EXISTS ("
        " SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'completed'"
        " AND p.amount_cents = o.total_amount_cents AND p.currency = 'aud'"
        " AND p.payment_method = 'stripe'"
        " AND p.stripe_payment_intent_id = o.stripe_payment_intent_id"
        " AND p.processed_at = o.paid_at)",
        list(PAID_FAMILY),
    )[0]
    assert missing == 0
    # and no completed payment for an order that is not paid
    stray = world.one(
        "SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id"
        " WHERE p.status = 'completed' AND NOT o.state = ANY(%s)",
        list(PAID_FAMILY),
    )[0]
    assert stray == 0


def test_latency_is_log_normal_ish(world: World) -> None:
    avg, p50, p95, worst = world.one(
        "SELECT avg(s), percentile_cont(0.5) WITHIN GROUP (ORDER BY s),"
        " percentile_cont(0.95) WITHIN GROUP (ORDER BY s), max(s) FROM ("
        "  SELECT extract(epoch FROM processed_at - created_at)::float8 AS s"
        "  FROM webhook_events WHERE processed_at IS NOT NULL) t"
    )
    assert 0.3 <= avg <= 0.5
    assert 1.0 <= p95 <= 2.0
    assert p50 < avg  # right-skewed
    assert worst < 60


def test_low_error_rate_in_the_guides_words(world: World) -> None:
    total, errors, errors_processed, retried = world.one(
        "SELECT count(*), count(*) FILTER (WHERE error_message IS NOT NULL),"
        " count(*) FILTER (WHERE error_message IS NOT NULL AND processed_at IS NOT NULL),"
        " count(*) FILTER (WHERE retry_count > 0) FROM webhook_events"
    )
    assert 0.002 < errors / total < 0.01
    assert errors_processed == 0
    assert retried > 0
    messages = {r[0] for r in world.all("SELECT DISTINCT error_message FROM webhook_events")}
    assert messages - {None} <= GUIDE_ERRORS
    assert {"Invalid signature", "Invalid state transition"} <= messages


HEALTH_SQL = """
        SELECT
          (SELECT count(*) FROM orders WHERE state IN ('pending', 'pending_payment')
             AND updated_at < %(now)s - interval '1 hour') AS stuck,
          (SELECT count(*) FROM orders o WHERE o.state = 'paid'
             AND o.created_at > %(now)s - interval '24 hours'
             AND NOT EXISTS (SELECT 1 FROM payments p
                             WHERE p.order_id = o.id AND p.status = 'completed'))
             AS inconsistent,
          (SELECT count(*) FROM (SELECT event_id FROM webhook_events
             WHERE created_at > %(now)s - interval '1 hour'
             GROUP BY event_id HAVING count(*) > 1) d) AS duplicates,
          (SELECT coalesce(avg((error_message IS NOT NULL)::int), 0) FROM webhook_events
             WHERE created_at > %(now)s - interval '5 minutes') AS error_rate_5m,
          (SELECT coalesce(avg(extract(epoch FROM processed_at - created_at)), 0)
             FROM webhook_events WHERE processed_at IS NOT NULL
             AND created_at > %(now)s - interval '5 minutes') AS avg_processing_5m,
          (SELECT count(*) FROM webhook_events WHERE event_type LIKE 'payment_intent.%%'
             AND processed_at IS NULL AND error_message IS NULL
             AND created_at < %(now)s - interval '5 minutes') AS payments_stalled,
          (SELECT count(*) FROM webhook_events WHERE created_at > %(now)s - interval '5 minutes'
             AND (error_message ILIKE '%%rate limit%%' OR error_message ILIKE '%%too old%%'
                  OR error_message ILIKE '%%signature%%')) AS security_5m,
          (SELECT coalesce(avg((status = 'failed')::int), 0) FROM notifications
             WHERE created_at > %(now)s - interval '1 hour') AS notify_fail_1h,
          (SELECT count(processed_at) FROM webhook_events
             WHERE created_at > %(now)s - interval '10 minutes') AS processed_10m
        """
WINDOWS_SQL = (
    "SELECT floor(extract(epoch FROM %(now)s - created_at) / 300) AS w, count(*)"
    " FROM webhook_events WHERE created_at > %(now)s - interval '1 hour'"
    " GROUP BY 1 ORDER BY 1"
)


def assert_healthy_and_steady(dsn: str, now: datetime) -> None:
    """The default detector rules, judged at `now`, find nothing; recent traffic is steady."""
    with psycopg.connect(dsn) as conn:
        checks = conn.execute(HEALTH_SQL, {"now": now}).fetchone()
        windows = conn.execute(WINDOWS_SQL, {"now": now}).fetchall()
    assert checks is not None
    stuck, inconsistent, dups, err5, avg5, stalled, security, notify, processed10 = checks
    assert (stuck, inconsistent, dups, stalled, security) == (0, 0, 0, 0, 0)
    assert err5 < 0.05
    assert avg5 < 10
    assert notify < 0.10
    assert processed10 > 0
    assert len(windows) >= 12  # every 5-minute window of the last hour has events


def test_history_is_healthy_for_the_default_detectors(world: World) -> None:
    assert_healthy_and_steady(world.dsn, world.summary.end_at)


@pytest.mark.parametrize("hour", [3, 15])  # the busiest and the quietest hour (UTC)
def test_healthy_and_steady_at_peak_and_trough(db, hour: int) -> None:
    now = datetime(2026, 3, 2, hour, 17, tzinfo=UTC)
    generate_world(db.dsn, days=2, events=4_000, now=now, seed=hour)
    assert_healthy_and_steady(db.dsn, now)
    with psycopg.connect(db.dsn) as conn:  # performance_degradation: p95 15 min vs 24 h
        recent, baseline = conn.execute(
            "SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY s)"
            "   FILTER (WHERE created_at > %(now)s - interval '15 minutes'),"
            " percentile_cont(0.95) WITHIN GROUP (ORDER BY s)"
            "   FILTER (WHERE created_at <= %(now)s - interval '15 minutes')"
            " FROM (SELECT created_at, extract(epoch FROM processed_at - created_at) AS s"
            "   FROM webhook_events WHERE processed_at IS NOT NULL"
            "   AND created_at > %(now)s - interval '24 hours 15 minutes') t",
            {"now": now},
        ).fetchone()
    assert recent <= 2 * baseline


def test_traffic_follows_a_daily_curve(world: World) -> None:
    by_hour = dict(
        world.all(
            "SELECT extract(hour FROM created_at AT TIME ZONE 'UTC')::int, count(*)"
            " FROM webhook_events GROUP BY 1"
        )
    )
    assert max(by_hour.values()) > 2 * min(by_hour.values())
    assert max(by_hour, key=by_hour.__getitem__) in range(0, 7)  # Sydney afternoon


def test_notifications_mostly_sent_a_few_failed(world: World) -> None:
    by_status = dict(world.all("SELECT status, count(*) FROM notifications GROUP BY 1"))
    total = sum(by_status.values())
    assert by_status["sent"] / total > 0.95
    assert 0 < by_status["failed"] / total < 0.05
    failed_ok = world.one(
        "SELECT count(*) FROM notifications WHERE status = 'failed'"
        " AND (last_error IS NULL OR sent_at IS NOT NULL)"
    )[0]
    assert failed_ok == 0
    late = world.one(
        "SELECT count(*) FROM notifications n JOIN orders o ON o.id = n.order_id"
        " WHERE n.created_at < o.paid_at OR n.sent_at < n.created_at"
    )[0]
    assert late == 0


def _content(dsn: str) -> tuple[list[tuple], list[tuple]]:
    """A world's rows without the database-assigned ids."""
    with psycopg.connect(dsn) as conn:
        events = conn.execute(
            "SELECT event_id, event_type, created_at, processed_at, error_message, retry_count"
            " FROM webhook_events ORDER BY event_id"
        ).fetchall()
        orders = conn.execute(
            "SELECT state, created_at, updated_at, paid_at, stripe_payment_intent_id,"
            " total_amount_cents FROM orders ORDER BY created_at, total_amount_cents"
        ).fetchall()
    return events, orders


def test_same_seed_same_world_other_seed_other_world(pg_server: EmbeddedPostgres) -> None:
    now = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
    worlds = []
    for n, seed in enumerate((3, 3, 4)):
        name = f"det_{n}_{seed}"
        dsn = pg_server.create_database(name, template="tmpl_uuid" if n else "tmpl_bigint")
        try:
            summary = generate_world(dsn, days=1, events=3_000, seed=seed, now=now)
            assert summary.end_at == now
            worlds.append(_content(dsn))
        finally:
            pg_server.drop_database(name)
    assert worlds[0] == worlds[1]  # same seed: same rows, whatever the id type
    assert worlds[0][0] != worlds[2][0]


def test_big_loads_rebuild_the_indexes_they_drop(db) -> None:
    def indexes() -> set[str]:
        with db.connect() as conn:
            return {
                r[0]
                for r in conn.execute(
                    "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
                ).fetchall()
            }

    before = indexes()
    summary = generate_world(db.dsn, days=1, events=2_000, rebuild_indexes=True)
    assert summary.indexes_rebuilt
    assert indexes() == before
    with db.connect() as conn:  # and the statistics are fresh
        analyzed = conn.execute(
            "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
            " AND relname IN ('orders', 'webhook_events', 'payments', 'notifications')"
        ).fetchone()[0]
    assert analyzed == 4


def test_default_volume_is_sized_for_a_quick_demo(empty_db) -> None:
    assert 45_000 <= default_event_count(7) <= 55_000
    with empty_db.connect() as conn:
        apply_monitored_schema(conn, notifications=False)
    summary = generate_world(empty_db.dsn, days=0.5)
    assert abs(summary.webhook_events - DEFAULT_EVENTS_PER_DAY / 2) < DEFAULT_EVENTS_PER_DAY * 0.05
    assert summary.notifications == 0  # the optional table is absent: skipped, not an error


def test_a_database_without_the_schema_is_one_clear_error(empty_db) -> None:
    with pytest.raises(DatabaseError, match="orders"):
        generate_world(empty_db.dsn, days=1, events=100)


@pytest.mark.parametrize(
    "kwargs",
    [{"days": 0}, {"days": -1}, {"events": 0}, {"now": datetime(2026, 1, 1)}],
)
def test_bad_arguments_are_refused(db, kwargs) -> None:
    with pytest.raises(ValueError):
        generate_world(db.dsn, **kwargs)


def test_recent_events_carry_a_stripe_shaped_payload(world: World) -> None:
    total, with_payload, matching = world.one(
        "SELECT count(*), count(payload),"
        " count(*) FILTER (WHERE payload->>'id' = event_id AND payload->>'type' = event_type"
        "   AND payload->'data'->'object'->'metadata'->>'order_id' = order_id::text"
        "   AND payload->>'object' = 'event')"
        " FROM webhook_events WHERE order_id IS NOT NULL"
        " AND created_at > %s - interval '1 hour'",
        world.summary.end_at,
    )
    assert total > 0 and with_payload == matching == total
    old = world.one(
        "SELECT count(payload) FROM webhook_events WHERE created_at < %s - interval '2 days'",
        world.summary.end_at,
    )[0]
    assert old == 0  # big histories stay cheap: the contract allows no payload
