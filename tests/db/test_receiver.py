"""The reference receiver over real HTTP against the embedded PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import psycopg
import pytest
from support.sim_helpers import (
    SECRET,
    WRONG,
    create_order,
    event_for,
    event_rows,
    order_row,
    post,
    query,
)

from console.checks.signature import sign
from console.sim.faults import FaultSet, FaultToggleError, set_fault, set_fault_sync
from console.sim.receiver import ReceiverConfig, WebhookReceiver
from console.sim.stripe_events import encode

StartReceiver = Callable[..., Awaitable[WebhookReceiver]]


@pytest.fixture
async def start_receiver(db, tmp_path) -> AsyncIterator[StartReceiver]:
    started: list[WebhookReceiver] = []

    async def start(dsn: str | None = None, **overrides: Any) -> WebhookReceiver:
        config = ReceiverConfig(
            secrets=(SECRET,),
            pool_timeout_seconds=0.5,
            log_path=tmp_path / "webhook.log",
            seed=7,
        )
        for key, value in overrides.items():
            config = type(config)(**{**config.__dict__, key: value})
        receiver = WebhookReceiver(dsn or db.dsn, config, FaultSet())
        await receiver.start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        await receiver.stop()


async def test_a_valid_payment_marks_the_order_paid_with_payment_and_notification(
    any_db, start_receiver
) -> None:
    receiver = await start_receiver(any_db.dsn)
    order = create_order(any_db.dsn)
    event = event_for("payment_intent.succeeded", order, amount=4_200)
    status, body = await post(receiver.url, event)
    assert (status, body["received"]) == (200, True)

    [row] = event_rows(any_db.dsn, event["id"])
    assert row["processed_at"] is not None and row["error_message"] is None
    assert row["order_id"] == order[0] and row["retry_count"] == 0
    assert row["event_type"] == "payment_intent.succeeded"
    paid = order_row(any_db.dsn, order[0])
    assert paid["state"] == "paid" and paid["paid_at"] is not None
    [payment] = query(any_db.dsn, "SELECT * FROM payments WHERE order_id = %s", [order[0]])
    assert payment["status"] == "completed" and payment["amount_cents"] == 4_200
    assert payment["stripe_payment_intent_id"] == order[1]
    [note] = query(any_db.dsn, "SELECT * FROM notifications WHERE order_id = %s", [order[0]])
    assert note["status"] == "sent"

    log = receiver.log_path.read_text()
    assert f"INFO status=200 event={event['id']} type=payment_intent.succeeded" in log


@pytest.mark.parametrize(
    ("how", "status", "error"),
    [
        ("wrong_secret", 400, "Invalid signature"),
        ("301_s_old", 400, "Event too old"),
        ("301_s_future", 400, "Invalid signature"),
        ("malformed_header", 400, "Invalid signature"),
        ("no_header", 400, "Invalid signature"),
        ("event_created_2h_ago", 400, "Event too old"),
    ],
)
async def test_refused_deliveries_are_recorded_and_change_nothing(
    db, start_receiver, how, status, error
) -> None:
    receiver = await start_receiver()
    order = create_order(db.dsn)
    created = time.time() - 7_200 if how == "event_created_2h_ago" else None
    event = event_for("payment_intent.succeeded", order, created=created)
    kwargs: dict[str, Any] = {
        "wrong_secret": {"secret": WRONG},
        "301_s_old": {"timestamp": time.time() - 301},
        "301_s_future": {"timestamp": time.time() + 301},
        "malformed_header": {"header": "t=yesterday,v1=abc"},
        "no_header": {"header": None},
        "event_created_2h_ago": {},
    }[how]
    got, body = await post(receiver.url, event, **kwargs)
    assert (got, body["error"]) == (status, error)
    [row] = event_rows(db.dsn, event["id"])
    assert row["error_message"] == error
    assert row["processed_at"] is None and row["order_id"] is None
    assert order_row(db.dsn, order[0])["state"] == "pending_payment"
    assert query(db.dsn, "SELECT count(*) AS n FROM payments")[0]["n"] == 0
    assert f"ERROR status={status} event={event['id']}" in receiver.log_path.read_text()


async def test_a_redelivery_after_a_refusal_updates_the_same_row(db, start_receiver) -> None:
    receiver = await start_receiver()
    order = create_order(db.dsn)
    event = event_for("payment_intent.succeeded", order)
    assert (await post(receiver.url, event, secret=WRONG))[0] == 400
    assert (await post(receiver.url, event, secret=WRONG))[0] == 400
    assert (await post(receiver.url, event))[0] == 200
    [row] = event_rows(db.dsn, event["id"])
    assert row["retry_count"] == 2
    assert row["processed_at"] is not None and row["error_message"] is None


async def test_duplicates_sequential_and_concurrent_are_processed_once(db, start_receiver) -> None:
    receiver = await start_receiver()
    order = create_order(db.dsn)
    event = event_for("payment_intent.succeeded", order)
    results = await asyncio.gather(*(post(receiver.url, event) for _ in range(8)))
    assert all(status == 200 for status, _ in results)
    again = await post(receiver.url, event)
    assert again == (200, {"received": True, "note": "duplicate"})
    assert len(event_rows(db.dsn, event["id"])) == 1
    assert query(db.dsn, "SELECT count(*) AS n FROM payments")[0]["n"] == 1
    assert query(db.dsn, "SELECT count(*) AS n FROM notifications")[0]["n"] == 1


async def test_over_the_rate_limit_gets_429_then_a_later_retry_succeeds(db, start_receiver) -> None:
    receiver = await start_receiver(rate_limit_max_events=2, rate_limit_window_ms=400)
    orders = [create_order(db.dsn) for _ in range(3)]
    events = [event_for("payment_intent.succeeded", o) for o in orders]
    statuses = [(await post(receiver.url, e))[0] for e in events]
    assert statuses == [200, 200, 429]
    [limited] = event_rows(db.dsn, events[2]["id"])
    assert limited["error_message"] == "Rate limit exceeded" and limited["processed_at"] is None
    assert "WARN status=429" in receiver.log_path.read_text()

    await asyncio.sleep(0.45)
    assert (await post(receiver.url, events[2]))[0] == 200
    [row] = event_rows(db.dsn, events[2]["id"])
    assert row["retry_count"] == 1 and row["error_message"] is None
    assert order_row(db.dsn, orders[2][0])["state"] == "paid"


async def test_an_invalid_transition_is_422_and_leaves_the_order(db, start_receiver) -> None:
    receiver = await start_receiver()
    order = create_order(db.dsn)  # pending_payment: cannot be refunded
    event = event_for("charge.refunded", order)
    status, body = await post(receiver.url, event)
    assert (status, body["error"]) == (422, "Invalid state transition")
    [row] = event_rows(db.dsn, event["id"])
    assert row["error_message"] == "Invalid state transition"
    assert row["processed_at"] is None and row["order_id"] == order[0]
    assert order_row(db.dsn, order[0])["state"] == "pending_payment"


async def test_each_event_type_moves_the_order_along_the_state_machine(db, start_receiver) -> None:
    receiver = await start_receiver()
    order = create_order(db.dsn, state="pending")
    steps = [
        ("checkout.session.completed", "pending_payment"),
        ("payment_intent.payment_failed", "payment_failed"),
    ]
    for event_type, state in steps:
        assert (await post(receiver.url, event_for(event_type, order)))[0] == 200
        assert order_row(db.dsn, order[0])["state"] == state
    assert order_row(db.dsn, order[0])["stripe_payment_intent_id"] == order[1]
    # payment_failed -> paid is not in the guide's machine
    assert (await post(receiver.url, event_for("payment_intent.succeeded", order)))[0] == 422

    paid = create_order(db.dsn)
    for event_type, state in [
        ("payment_intent.succeeded", "paid"),
        ("payment_intent.succeeded", "paid"),  # another event, already paid: idempotent
        ("charge.dispute.created", "disputed"),
        ("charge.refunded", "refunded"),
    ]:
        assert (await post(receiver.url, event_for(event_type, paid)))[0] == 200
        assert order_row(db.dsn, paid[0])["state"] == state
    [payment] = query(db.dsn, "SELECT status FROM payments WHERE order_id = %s", [paid[0]])
    assert payment["status"] == "refunded"


async def test_an_event_for_an_unknown_order_is_refused(db, start_receiver) -> None:
    receiver = await start_receiver()
    event = event_for("payment_intent.succeeded", ("999999", "pi_nope"))
    status, body = await post(receiver.url, event)
    assert (status, body["error"]) == (422, "Order not found")
    test_event = {"id": "evt_test", "type": "test.event", "created": int(time.time())}
    assert (await post(receiver.url, json.dumps(test_event).encode()))[0] == 200


async def test_an_unparseable_body_is_400_and_logged(db, start_receiver) -> None:
    receiver = await start_receiver()
    body = b"not json at all"
    status, reply = await post(receiver.url, body, header=sign(body, SECRET, int(time.time())))
    assert (status, reply["error"]) == (400, "Malformed request")
    assert query(db.dsn, "SELECT count(*) AS n FROM webhook_events")[0]["n"] == 0
    assert 'error="Malformed request"' in receiver.log_path.read_text()


async def test_health_endpoints_report_backlog_and_database(db, start_receiver) -> None:
    receiver = await start_receiver()
    async with aiohttp.ClientSession() as session:
        async with session.get(receiver.url + "/api/health/webhook") as response:
            assert response.status == 200
            health = await response.json()
        assert health["status"] == "ok" and health["unprocessed"] == 0
        async with session.get(receiver.url + "/api/health/database") as response:
            assert response.status == 200
            assert (await response.json())["latency_ms"] >= 0

        receiver.faults.enable("processor_down")
        order = create_order(db.dsn)
        assert (await post(receiver.url, event_for("payment_intent.succeeded", order)))[0] == 200
        async with session.get(receiver.url + "/api/health/webhook") as response:
            assert response.status == 503
            health = await response.json()
        assert health["status"] == "down" and health["unprocessed"] == 1
        assert health["oldest_unprocessed_seconds"] >= 0

        # back up, but a backlog older than stale_seconds still says processing is down
        receiver.faults.disable("processor_down")
        with db.connect() as conn:
            conn.execute("UPDATE webhook_events SET created_at = now() - interval '10 minutes'")
        async with session.get(receiver.url + "/api/health/webhook") as response:
            assert response.status == 503
            health = await response.json()
        assert health["processing"] == "running" and health["oldest_unprocessed_seconds"] >= 600
        await receiver.reprocess_pending()
        async with session.get(receiver.url + "/api/health/webhook") as response:
            assert response.status == 200


async def test_faults_are_toggled_over_the_loopback_admin_api(db, start_receiver) -> None:
    receiver = await start_receiver()
    listed = await asyncio.to_thread(set_fault_sync, receiver.url, "wrong_secret", True)
    assert {f["name"]: f["on"] for f in listed["faults"]}["wrong_secret"] is True
    assert receiver.faults.is_on("wrong_secret")
    await set_fault(receiver.url, "slow_processing", True, seconds=3)
    assert receiver.faults.get("slow_processing")["seconds"] == 3.0
    await set_fault(receiver.url, "wrong_secret", False)
    assert not receiver.faults.is_on("wrong_secret")
    with pytest.raises(FaultToggleError, match="unknown fault 'nope'"):
        await set_fault(receiver.url, "nope", True)
    with pytest.raises(FaultToggleError, match="cannot reach"):
        await set_fault("http://127.0.0.1:9", "wrong_secret", True, timeout=1)
    async with (
        aiohttp.ClientSession() as session,
        session.get(receiver.url + "/_sim/faults") as response,
    ):
        names = [f["name"] for f in (await response.json())["faults"]]
    assert "connection_hog" in names and len(names) == 11  # endpoint_down is the 11th


async def test_the_body_is_verified_as_raw_bytes(db, start_receiver) -> None:
    receiver = await start_receiver()
    order = create_order(db.dsn)
    event = event_for("payment_intent.succeeded", order)
    body = encode(event)
    header = sign(body, SECRET, int(time.time()))
    reserialised = json.dumps(event).encode()
    status, reply = await post(receiver.url, reserialised, header=header)
    assert (status, reply["error"]) == (400, "Invalid signature")
    assert (await post(receiver.url, body, header=header))[0] == 200


async def test_a_lock_timeout_is_500_recorded_and_retryable(db, start_receiver) -> None:
    receiver = await start_receiver(statement_timeout_ms=300)
    order = create_order(db.dsn)
    event = event_for("payment_intent.succeeded", order)
    with psycopg.connect(db.dsn) as blocker:
        blocker.execute("SELECT 1 FROM orders WHERE id = %s FOR UPDATE", [order[0]])
        status, body = await post(receiver.url, event)
        assert (status, body["error"]) == (500, "Database query timeout")
        [row] = event_rows(db.dsn, event["id"])
        assert row["error_message"] == "Database query timeout" and row["processed_at"] is None
        assert order_row(db.dsn, order[0])["state"] == "pending_payment"
    assert (await post(receiver.url, event))[0] == 200
    [row] = event_rows(db.dsn, event["id"])
    assert row["retry_count"] == 1 and row["processed_at"] is not None
    assert "ERROR status=500" in receiver.log_path.read_text()


async def test_too_many_requests_in_flight_is_503(db, start_receiver) -> None:
    receiver = await start_receiver(max_in_flight=0)
    order = create_order(db.dsn)
    status, body = await post(receiver.url, event_for("payment_intent.succeeded", order))
    assert (status, body["error"]) == (503, "Service overloaded")


async def test_log_lines_stay_one_per_delivery_whatever_the_event_id(db, start_receiver) -> None:
    receiver = await start_receiver()
    evil = {"id": "evt_x\nERROR status=200 forged", "type": "test.event", "created": 1}
    assert (await post(receiver.url, json.dumps(evil).encode(), secret=WRONG))[0] == 400
    lines = receiver.log_path.read_text().splitlines()
    assert len(lines) == 1
    assert lines[0].split(" ")[1:4] == [
        "ERROR",
        "status=400",
        "event=evt_x?ERROR?status=200?forged",
    ]
    assert 'error="Invalid signature"' in lines[0]
