"""The traffic generator's shape and retries, and the LiveSystem's life cycle."""

from __future__ import annotations

import asyncio
import re
import time

import aiohttp
import pytest
from support.sim_helpers import SECRET, query, wait_until

from console.checks.signature import sign
from console.sim.faults import FaultSet, set_fault_sync
from console.sim.live import DEMO_WEBHOOK_SECRET, LiveSystem
from console.sim.receiver import ReceiverConfig, WebhookReceiver
from console.sim.stripe_events import encode, make_event
from console.sim.traffic import TrafficConfig, TrafficGenerator

EVENT_TYPES = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "charge.dispute.created",
    "checkout.session.completed",
)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_events_are_stripe_shaped_and_parse_with_stripe_python(event_type: str) -> None:
    stripe = pytest.importorskip("stripe", reason="stripe-python is the reference")
    event = make_event(
        event_type, order_id=42, payment_intent="pi_abc", amount_cents=1_234, created=time.time()
    )
    assert re.fullmatch(r"evt_[A-Za-z0-9]{24}", event["id"])
    assert event["livemode"] is False and isinstance(event["created"], int)
    body = encode(event)
    header = sign(body, SECRET, int(time.time()))
    parsed = stripe.Webhook.construct_event(body, header, SECRET, tolerance=300)
    obj = parsed.data.object.to_dict()
    assert parsed.type == event_type and parsed.livemode is False
    assert obj["metadata"]["order_id"] == "42"
    assert "pi_abc" in (obj.get("id"), obj.get("payment_intent"))


def test_backoff_doubles_from_half_a_second_up_to_the_cap() -> None:
    config = TrafficConfig()
    assert [config.backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


@pytest.fixture
async def receiver(any_db, tmp_path):
    rec = WebhookReceiver(
        any_db.dsn,
        ReceiverConfig(secrets=(SECRET,), log_path=tmp_path / "w.log", rate_limit_max_events=1000),
        FaultSet(),
    )
    await rec.start()
    yield rec
    await rec.stop()


async def test_traffic_creates_orders_and_moves_them_with_events(any_db, receiver) -> None:
    db = any_db
    config = TrafficConfig(rate=30, fail_ratio=0.2, refund_ratio=0.1, dispute_ratio=0.05, seed=5)
    traffic = TrafficGenerator(receiver.url, db.dsn, SECRET, receiver.faults, config)
    wanted = {"payment_intent.succeeded", "payment_intent.payment_failed"}

    def enough() -> bool:
        if traffic.stats.events < 12 or traffic.stats.orders < 8:
            return False
        seen = query(db.dsn, "SELECT DISTINCT event_type FROM webhook_events")
        return wanted <= {r["event_type"] for r in seen}

    await traffic.start()
    await wait_until(enough)
    await traffic.stop(drain_seconds=10)
    stats = traffic.stats.as_dict()
    assert stats["events"] >= 12 and stats["orders"] >= 8
    assert stats["sent"] == stats["accepted"] == stats["events"]
    assert stats["rejected"] == {} and stats["retries"] == 0

    rows = query(
        db.dsn,
        "SELECT event_id, event_type, processed_at, error_message, order_id FROM webhook_events",
    )
    assert len(rows) == stats["events"]
    assert all(r["event_id"].startswith("evt_") for r in rows)
    assert all(r["processed_at"] and r["error_message"] is None and r["order_id"] for r in rows)
    types = {r["event_type"] for r in rows}
    assert {"payment_intent.succeeded", "payment_intent.payment_failed"} <= types
    assert types <= set(EVENT_TYPES)
    states = {r["state"] for r in query(db.dsn, "SELECT DISTINCT state FROM orders")}
    assert "paid" in states and states <= {
        "pending",
        "pending_payment",
        "paid",
        "payment_failed",
        "refunded",
        "disputed",
    }
    consistent = query(
        db.dsn,
        "SELECT count(*) AS n FROM orders o WHERE o.state IN ('paid', 'disputed', 'refunded')"
        " AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id)",
    )
    assert consistent[0]["n"] == 0


async def test_refused_deliveries_are_retried_with_backoff_until_accepted(db, tmp_path) -> None:
    rec = WebhookReceiver(
        db.dsn,
        ReceiverConfig(
            secrets=(SECRET,),
            log_path=tmp_path / "w.log",
            rate_limit_max_events=1,
            rate_limit_window_ms=300,
        ),
    )
    await rec.start()
    traffic = TrafficGenerator(
        rec.url, db.dsn, SECRET, rec.faults, TrafficConfig(backoff_base=0.2, max_attempts=4)
    )
    try:
        await traffic.open()
        for _ in range(2):
            await traffic.tick()
        await traffic.drain()
    finally:
        await traffic.stop()
        await rec.stop()
    assert traffic.stats.accepted == 2 and traffic.stats.retries >= 1
    assert traffic.stats.rejected[429] == traffic.stats.retries
    rows = query(
        db.dsn, "SELECT retry_count, processed_at FROM webhook_events ORDER BY retry_count"
    )
    assert [r["retry_count"] for r in rows] == [0, traffic.stats.retries]
    assert all(r["processed_at"] for r in rows)


async def test_the_live_system_runs_toggles_faults_and_stops_cleanly(db) -> None:
    async with LiveSystem(db.dsn, rate=10, seed=2) as live:
        assert re.fullmatch(r"whsec_[0-9a-f]{32}", DEMO_WEBHOOK_SECRET)
        assert live.settings.stripe_webhook_secret.reveal() == DEMO_WEBHOOK_SECRET
        assert live.settings.webhook_url == live.url + "/api/webhooks/stripe"
        log_path = live.log_path

        def names() -> set[str]:
            sessions = query(
                db.dsn,
                "SELECT application_name, count(*) AS n FROM pg_stat_activity"
                " WHERE datname = current_database() GROUP BY 1",
            )
            return {s["application_name"] for s in sessions}

        await wait_until(lambda: {"webhook-receiver", "storefront"} <= names())
        assert {"webhook-receiver", "storefront"} <= names()

        await wait_until(lambda: live.stats()["accepted"] >= 4)  # healthy traffic first
        await asyncio.to_thread(set_fault_sync, live.url, "wrong_secret", True)
        await wait_until(lambda: live.stats()["rejected"].get("400", 0) >= 1)
        stats = live.stats()
        assert stats["accepted"] >= 4
        assert stats["rejected"].get("400", 0) >= 1
        assert stats["faults"] == ["wrong_secret"]
        assert stats["receiver"]["by_status"]["200"] >= stats["accepted"]  # counted first
        async with (
            aiohttp.ClientSession() as session,
            session.get(live.url + "/api/health/webhook") as response,
        ):
            assert response.status == 200
        assert "Invalid signature" in log_path.read_text()

        # stopping with damage in progress must still leave nothing behind
        live.faults.enable("connection_hog", connections=3)
        live.faults.enable("slow_processing", seconds=30)
        live.faults.disable("wrong_secret")
        await live.receiver.wait_for_faults()
        await wait_until(lambda: live.stats()["receiver"]["hogged_connections"] >= 3)
        assert live.stats()["receiver"]["hogged_connections"] >= 3

    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert others == []
    left = query(
        db.dsn,
        "SELECT count(*) AS n FROM pg_stat_activity"
        " WHERE application_name IN ('webhook-receiver', 'storefront')",
    )
    assert left[0]["n"] == 0
    assert not log_path.exists()


async def test_a_receiver_without_a_database_fails_with_one_clear_line(tmp_path) -> None:
    from console.core.db import ConnectionFailed
    from console.sim.embedded import free_port

    dsn = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/nowhere"
    receiver = WebhookReceiver(
        dsn, ReceiverConfig(secrets=(SECRET,), connect_timeout_seconds=1, log_path=None)
    )
    with pytest.raises(ConnectionFailed, match="webhook receiver cannot use the database") as err:
        await receiver.start()
    assert "secret" not in str(err.value)
    await receiver.stop()


def test_the_generator_refuses_a_remote_endpoint_unless_told() -> None:
    with pytest.raises(ValueError, match="only sends to a local receiver"):
        TrafficGenerator("https://shop.example.com", "dbname=x", SECRET)
    TrafficGenerator("https://shop.example.com", "dbname=x", SECRET, allow_remote=True)
