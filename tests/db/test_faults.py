"""Each fault leaves the traces the guide's diagnostics (and the finding ids) look for.

Faults are driven the way the demo drives them: a shared FaultSet, the traffic generator
as storefront and sender, the receiver over real HTTP. Rates are small, retries fast, and
time is backdated instead of waited for.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from support.sim_helpers import SECRET, create_order, event_for, post, query, wait_until

from console.sim.faults import FAULTS, FaultError, FaultSet, parse_fault_spec, set_fault
from console.sim.receiver import ReceiverConfig, WebhookReceiver
from console.sim.traffic import TrafficConfig, TrafficGenerator

FAST = TrafficConfig(
    rate=20, max_attempts=2, backoff_base=0.05, backoff_cap=0.1, fail_ratio=0.0, seed=3
)


@dataclass
class World:
    receiver: WebhookReceiver
    traffic: TrafficGenerator
    faults: FaultSet
    dsn: str

    async def payments(self, n: int) -> None:
        """n new orders paid through the sender (with its faults), deliveries finished."""
        for _ in range(n):
            order = await self.traffic.create_order()
            event = event_for("payment_intent.succeeded", (order.id, order.payment_intent))
            event["created"] = int(self.traffic.clock())
            await self.traffic.deliver(event)

    async def payments_under(self, fault: str, n: int, **params: Any) -> None:
        """`fault` switched on (with `params`), then n payments through it."""
        self.faults.enable(fault, **params)
        await self.payments(n)

    def rows(self, text: str, params: Any = None) -> list[dict[str, Any]]:
        return query(self.dsn, text, params)

    def one(self, text: str, params: Any = None) -> Any:
        return next(iter(self.rows(text, params)[0].values()))


@asynccontextmanager
async def running_world(db, tmp_path, **receiver: Any) -> AsyncIterator[World]:
    """The receiver (its config overridden by `receiver`) and the sender, stopped after."""
    faults = FaultSet()
    config = ReceiverConfig(
        secrets=(SECRET,), pool_timeout_seconds=0.5, log_path=tmp_path / "w.log", seed=1
    )
    config = ReceiverConfig(**{**config.__dict__, **receiver})
    rec = WebhookReceiver(db.dsn, config, faults)
    await rec.start()
    traffic = TrafficGenerator(rec.url, db.dsn, SECRET, faults, FAST)
    try:
        await traffic.open()
        yield World(rec, traffic, faults, db.dsn)
    finally:
        await traffic.stop()
        await rec.stop()


@pytest.fixture
async def world(db, tmp_path) -> AsyncIterator[World]:
    async with running_world(db, tmp_path) as w:
        yield w


def test_the_fault_set_validates_names_and_parameters() -> None:
    faults = FaultSet()
    heard: list[tuple[str, bool]] = []
    faults.subscribe(lambda name, on: heard.append((name, on)))
    assert faults.enable("slow_processing", seconds="15").params["seconds"] == 15.0
    assert faults.active() == {"slow_processing": {"seconds": 15.0, "backdate": False}}
    with pytest.raises(FaultError, match="unknown fault"):
        faults.enable("gremlins")
    with pytest.raises(FaultError, match="no parameter 'speed'"):
        faults.enable("retry_storm", speed=3)
    assert faults.disable("slow_processing") is True
    assert faults.disable("slow_processing") is False
    assert heard == [("slow_processing", True), ("slow_processing", False)]
    assert set(FAULTS) == {
        "wrong_secret",
        "clock_skew",
        "duplicate_deliveries",
        "connection_hog",
        "retry_storm",
        "stuck_orders",
        "paid_without_payment",
        "processor_down",
        "slow_processing",
        "notification_failures",
        "endpoint_down",
    }


def test_a_scenario_string_names_faults_and_parameters() -> None:
    spec = parse_fault_spec(" wrong_secret, slow_processing:seconds=15:backdate=true ,")
    assert spec == [
        ("wrong_secret", {}),
        ("slow_processing", {"seconds": "15", "backdate": "true"}),
    ]
    faults = FaultSet()
    for name, params in spec:
        faults.enable(name, **params)
    assert faults.get("slow_processing") == {"seconds": 15.0, "backdate": True}
    with pytest.raises(FaultError, match="unknown fault 'gremlins'"):
        parse_fault_spec("wrong_secret,gremlins")
    with pytest.raises(FaultError, match="bad parameter 'speed=3'"):
        parse_fault_spec("retry_storm:speed=3")


async def test_wrong_secret_leaves_signature_failures_until_switched_off(world: World) -> None:
    await world.payments_under("wrong_secret", 3)
    failed = world.one(
        "SELECT count(*) FROM webhook_events WHERE error_message LIKE '%%signature%%'"
        " AND created_at > now() - interval '1 hour'"
    )
    assert failed == 3
    assert world.traffic.stats.rejected[400] == 6  # each event tried twice
    assert world.traffic.stats.retries == 3 and world.traffic.stats.gave_up == 3

    world.faults.disable("wrong_secret")
    await world.payments(2)
    assert world.one("SELECT count(*) FROM webhook_events WHERE processed_at IS NOT NULL") == 2
    assert world.one("SELECT count(*) FROM webhook_events WHERE error_message IS NOT NULL") == 3


async def test_clock_skew_leaves_event_too_old_rejections(world: World) -> None:
    await world.payments_under("clock_skew", 2)  # default: the sender is 420 s behind
    rows = world.rows(
        "SELECT error_message, count(*) AS n FROM webhook_events"
        " WHERE error_message IS NOT NULL GROUP BY error_message",
    )
    assert rows == [{"error_message": "Event too old", "n": 2}]

    # ahead: rejected too, as a bad signature
    await world.payments_under("clock_skew", 1, seconds=400)
    assert world.one("SELECT count(*) FROM webhook_events WHERE error_message LIKE '%%signature%%'")


async def test_duplicate_deliveries_race_into_duplicate_event_rows(world: World) -> None:
    await world.payments_under("duplicate_deliveries", 3)
    duplicates = world.rows(
        "SELECT event_id, count(*) AS n, count(processed_at) AS processed FROM webhook_events"
        " GROUP BY event_id HAVING count(*) > 1",
    )
    assert len(duplicates) == 3 and all(d["n"] == 2 for d in duplicates)
    # the atomic order update still pays each order once
    assert world.one("SELECT count(*) FROM payments") == 3

    world.faults.disable("duplicate_deliveries")
    await world.payments(2)
    assert world.one("SELECT count(DISTINCT event_id) FROM webhook_events") == 5
    assert world.one("SELECT count(*) FROM webhook_events") == 8


async def test_retry_storm_trips_the_rate_limit(db, tmp_path) -> None:
    limits = {"rate_limit_max_events": 6, "rate_limit_window_ms": 60_000}
    async with running_world(db, tmp_path, **limits) as w:
        await w.payments(2)
        w.faults.enable("retry_storm", burst=10)
        w.traffic.storm(10)
        await w.traffic.drain()
        await w.payments(2)  # new payments arrive during the storm
        limited = w.one(
            "SELECT count(*) FROM webhook_events WHERE error_message = 'Rate limit exceeded'"
            " AND created_at > now() - interval '5 minutes'"
        )
        assert limited == 2
        assert w.traffic.stats.rejected[429] >= 4 + 4  # storm overflow + new events twice
        assert w.traffic.stats.redeliveries == 10
        # redeliveries of processed events are refused but never touch their rows
        assert w.one("SELECT count(*) FROM webhook_events WHERE processed_at IS NOT NULL") == 2


async def test_stuck_orders_are_backdated_beyond_an_hour(world: World) -> None:
    world.faults.enable("stuck_orders", per_second=4)
    await world.traffic.start()  # the fault loop runs once a second, from the start
    await wait_until(lambda: world.traffic.stats.stuck_orders >= 4)
    world.faults.disable("stuck_orders")
    await asyncio.sleep(1.0)
    await world.traffic.stop()
    stuck = world.rows(
        "SELECT state, count(*) AS n FROM orders WHERE updated_at < now() - interval '1 hour'"
        " GROUP BY state ORDER BY state",
    )
    assert stuck == [{"state": "pending", "n": 2}, {"state": "pending_payment", "n": 2}]
    assert world.traffic.stats.stuck_orders == 4


async def test_paid_without_payment_leaves_inconsistent_orders(world: World) -> None:
    await world.payments_under("paid_without_payment", 2)
    inconsistent = world.rows(
        "SELECT o.id FROM orders o LEFT JOIN payments p ON o.id = p.order_id"
        " WHERE o.state = 'paid' AND (p.status IS NULL OR p.status != 'completed')"
        " AND o.created_at > now() - interval '24 hours'",
    )
    assert len(inconsistent) == 2


async def test_processor_down_accepts_but_never_processes(world: World) -> None:
    await world.payments_under("processor_down", 3)
    assert world.traffic.stats.rejected == {}
    perf = world.rows(
        "SELECT event_type, count(*) AS total, count(processed_at) AS processed,"
        " count(error_message) AS errors FROM webhook_events"
        " WHERE created_at > now() - interval '1 hour' GROUP BY event_type",
    )
    assert perf == [
        {"event_type": "payment_intent.succeeded", "total": 3, "processed": 0, "errors": 0}
    ]
    assert world.one("SELECT count(*) FROM orders WHERE state = 'paid'") == 0
    assert world.one("SELECT count(order_id) FROM webhook_events") == 3  # known at receipt

    world.faults.disable("processor_down")
    assert await world.receiver.reprocess_pending() == 3  # the worker restarted
    assert world.one("SELECT count(*) FROM orders WHERE state = 'paid'") == 3
    assert world.one("SELECT count(*) FROM webhook_events WHERE processed_at IS NULL") == 0


async def test_slow_processing_shows_in_the_guides_processing_time(world: World) -> None:
    await world.payments_under("slow_processing", 2, seconds=12, backdate=True)
    avg = world.one(
        "SELECT avg(EXTRACT(EPOCH FROM (processed_at - created_at)))::float8"
        " FROM webhook_events WHERE processed_at IS NOT NULL"
        " AND created_at > now() - interval '1 hour'"
    )
    assert avg > 10

    world.faults.enable("slow_processing", seconds=0.3)  # really waits, in the background
    order = create_order(world.dsn)
    event = event_for("payment_intent.succeeded", order)
    assert await post(world.receiver.url, event) == (200, {"received": True, "note": "queued"})
    row = world.rows("SELECT processed_at FROM webhook_events WHERE event_id = %s", [event["id"]])
    assert row[0]["processed_at"] is None
    processed = "SELECT processed_at IS NOT NULL FROM webhook_events WHERE event_id = %s"
    await wait_until(lambda: world.one(processed, [event["id"]]))
    delay = world.one(
        "SELECT EXTRACT(EPOCH FROM processed_at - created_at)::float8 FROM webhook_events"
        " WHERE event_id = %s",
        [event["id"]],
    )
    assert delay >= 0.3


async def test_notification_failures_exceed_ten_percent(world: World) -> None:
    await world.payments_under("notification_failures", 2, ratio=1.0)
    world.faults.disable("notification_failures")
    await world.payments(2)
    rows = world.rows(
        "SELECT status, count(*) AS n, max(last_error) AS error FROM notifications"
        " WHERE created_at > now() - interval '1 hour' GROUP BY status ORDER BY status",
    )
    assert [(r["status"], r["n"]) for r in rows] == [("failed", 2), ("sent", 2)]
    assert "timed out" in rows[0]["error"]


async def test_connection_hog_exhausts_the_pool_and_most_connections(world: World) -> None:
    world.faults.enable("connection_hog")
    await world.receiver.wait_for_faults()
    usage = world.rows(
        "SELECT count(*) AS total, current_setting('max_connections')::int AS max,"
        " count(*) FILTER (WHERE state = 'idle in transaction') AS idle_tx"
        " FROM pg_stat_activity WHERE backend_type = 'client backend'",
    )[0]
    assert usage["total"] > 0.9 * usage["max"]
    assert usage["idle_tx"] >= world.receiver.config.pool_max_size
    order = create_order(world.dsn)
    status, body = await post(world.receiver.url, event_for("payment_intent.succeeded", order))
    assert (status, body["error"]) == (503, "Connection pool exhausted")
    async with (
        aiohttp.ClientSession() as session,
        session.get(world.receiver.url + "/api/health/database") as response,
    ):
        assert response.status == 503
    assert "ERROR status=503" in world.receiver.log_path.read_text()

    # the admin API needs no database: the dashboard can still switch the hog off
    await set_fault(world.receiver.url, "connection_hog", False)
    await world.receiver.wait_for_faults()
    assert (await post(world.receiver.url, event_for("payment_intent.succeeded", order)))[0] == 200
    # A released session leaves pg_stat_activity when its backend has exited, which takes a
    # while on a busy machine: wait for that, then look.
    idle_tx = "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"
    await wait_until(lambda: world.one(idle_tx) == 0)
    left = world.one(idle_tx)
    assert left == 0
