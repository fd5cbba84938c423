"""The reference webhook receiver: what the guide's handler does, as an aiohttp service.

`POST /api/webhooks/stripe` verifies the signature (explicit tolerance), checks the
event's age and an in-memory rate limit, then records and processes the event against
the guide's tables, answering with the codes of the guide's Appendix A. Every delivery
that names an event is recorded in `webhook_events` (one row per event_id: a redelivery
of a rejected or failed event updates that row's retry_count and error instead of adding
one), and every delivery gets a line in the service log.

Idempotency is race-free in normal operation: a transaction-scoped advisory lock on the
event id serialises deliveries of the same event. Order updates follow the guide's state
machine with an atomic `UPDATE … WHERE state = ANY(valid_from)`.

The `FaultSet` switches on the receiver-side faults (processor_down, slow_processing,
paid_without_payment, notification_failures, connection_hog, and the non-atomic
duplicate check of duplicate_deliveries). Health endpoints and a loopback-only admin API
(`/_sim/…`) complete the picture of a real service an operator can probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import random
import time
import uuid
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import psycopg
from aiohttp import web
from psycopg import errors as pg_errors
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from console.checks.signature import verify
from console.config import Secret, Settings, mask_dsn
from console.db import ConnectionFailed
from console.schema_contract import STATE_TRANSITIONS
from console.sim.faults import ConnectionHog, FaultError, FaultSet

WEBHOOK_PATH = "/api/webhooks/stripe"
HEALTH_WEBHOOK_PATH = "/api/health/webhook"
HEALTH_DATABASE_PATH = "/api/health/database"
FAULTS_PATH = "/_sim/faults"

# Error messages in the guide's words; the console's patterns match these.
INVALID_STATE_TRANSITION = "Invalid state transition"
RATE_LIMIT_EXCEEDED = "Rate limit exceeded"
EVENT_TOO_OLD = "Event too old"
MALFORMED_REQUEST = "Malformed request"
ORDER_NOT_FOUND = "Order not found"
DB_CONNECTION_FAILED = "Database connection failed"
DB_TIMEOUT = "Database query timeout"
DB_ERROR = "Database error"
POOL_EXHAUSTED = "Connection pool exhausted"
OVERLOADED = "Service overloaded"

# What each event type does to its order: the target state of the guide's state machine.
EVENT_TARGETS: dict[str, str] = {
    "payment_intent.succeeded": "paid",
    "payment_intent.payment_failed": "payment_failed",
    "charge.refunded": "refunded",
    "charge.dispute.created": "disputed",
    "checkout.session.completed": "pending_payment",
}


def valid_from(target: str) -> list[str]:
    """The states from which the guide's state machine allows `target`."""
    return [state for state, targets in STATE_TRANSITIONS.items() if target in targets]


@dataclass(frozen=True)
class ReceiverConfig:
    """The guide's Appendix B knobs plus the service's own limits."""

    secrets: tuple[str, ...]
    tolerance_seconds: int = 300
    max_event_age_seconds: int = 3_600
    rate_limit_window_ms: int = 60_000
    rate_limit_max_events: int = 100
    pool_min_size: int = 1
    pool_max_size: int = 6
    pool_timeout_seconds: float = 2.0
    statement_timeout_ms: int = 5_000
    max_in_flight: int = 200
    stale_seconds: float = 120.0  # health: an unprocessed event older than this = down
    duplicate_race_seconds: float = 0.2  # the check-to-insert gap the race slips through
    log_path: Path | None = None
    application_name: str = "webhook-receiver"
    connect_timeout_seconds: float = 10.0
    seed: int | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, secrets: Sequence[str | Secret] = (), **overrides: Any
    ) -> ReceiverConfig:
        configured = [s.reveal() for s in settings.webhook_secrets()]
        given = [s if isinstance(s, str) else s.reveal() for s in secrets]
        config = cls(
            secrets=tuple(given or configured),
            tolerance_seconds=settings.webhook_tolerance_seconds,
            max_event_age_seconds=settings.max_event_age_seconds,
            rate_limit_window_ms=settings.rate_limit_window_ms,
            rate_limit_max_events=settings.rate_limit_max_events,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
        return replace(config, **overrides)


class RateLimiter:
    """The guide's in-memory limiter: at most `limit` accepted deliveries per window."""

    def __init__(self, window_seconds: float, limit: int) -> None:
        self.window = window_seconds
        self.limit = limit
        self._times: deque[float] = deque()

    def allow(self, now: float) -> bool:
        while self._times and self._times[0] <= now - self.window:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return False
        self._times.append(now)
        return True


@dataclass(frozen=True)
class EventInfo:
    """The fields of a Stripe event the receiver uses (parsed before it is trusted)."""

    event_id: str
    event_type: str
    created: float | None
    order_ref: str | None
    payment_intent: str | None
    amount_cents: int | None
    currency: str | None
    payload: Mapping[str, Any] = field(repr=False)


def parse_event(body: bytes) -> EventInfo | None:
    """Best-effort parse; None when the body is not a Stripe-shaped event."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    event_id, event_type = data.get("id"), data.get("type")
    if not isinstance(event_id, str) or not isinstance(event_type, str) or not event_id:
        return None
    created = data.get("created")
    obj = (data.get("data") or {}).get("object") if isinstance(data.get("data"), dict) else None
    obj = obj if isinstance(obj, dict) else {}
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    order_ref = metadata.get("order_id")
    intent_key = "id" if obj.get("object") == "payment_intent" else "payment_intent"
    intent = obj.get(intent_key)
    amount = obj.get("amount", obj.get("amount_total"))
    return EventInfo(
        event_id=event_id[:255],
        event_type=event_type[:255],
        created=float(created)
        if isinstance(created, int | float) and not isinstance(created, bool)
        else None,
        order_ref=str(order_ref) if order_ref is not None else None,
        payment_intent=intent if isinstance(intent, str) else None,
        amount_cents=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
        currency=obj.get("currency") if isinstance(obj.get("currency"), str) else None,
        payload=data,
    )


@dataclass(frozen=True)
class Outcome:
    status: int
    error: str | None = None
    note: str = ""
    order_id: Any = None


class DeliveryLog:
    """One line per delivery, like a service's webhook.log (`grep ERROR` works)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: TextIO | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8", buffering=1)

    def write(
        self,
        status: int,
        event_id: str | None,
        event_type: str | None,
        error: str | None,
        ms: float,
        note: str = "",
    ) -> None:
        """`<time> <LEVEL> status= event= type= error="…" [note="…"] ms=`."""
        if self._file is None:
            return
        level = "INFO" if status < 400 else "WARN" if status == 429 else "ERROR"
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        line = (
            f"{stamp} {level} status={status} event={_token(event_id)} "
            f"type={_token(event_type)} error={json.dumps(error) if error else '-'}"
        )
        if note:
            line += f" note={json.dumps(note)}"
        self._file.write(f"{line} ms={ms:.0f}\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class WebhookReceiver:
    """The service: `await receiver.start()` then POST to `receiver.url + WEBHOOK_PATH`."""

    def __init__(self, dsn: str, config: ReceiverConfig, faults: FaultSet | None = None) -> None:
        self.dsn = dsn
        self.config = config
        self.faults = faults or FaultSet()
        self.stats: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self._limiter = RateLimiter(
            config.rate_limit_window_ms / 1000, config.rate_limit_max_events
        )
        self._random = random.Random(config.seed)
        self._log = DeliveryLog(config.log_path)
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[dict[str, Any]]] | None = None
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._in_flight = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._hog = ConnectionHog(dsn, config.application_name)
        self._hog_lock = asyncio.Lock()
        self._hog_pending = asyncio.Event()
        self._hog_pending.set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Any = None
        self._order_id_type = "bigint"
        self._has_notifications = True
        self.app = self._make_app()

    # ---- life cycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the receiver is not started")
        return self._url

    @property
    def log_path(self) -> Path | None:
        return self.config.log_path

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Open the pool, learn the schema's id type, listen; returns the base URL."""
        self._loop = asyncio.get_running_loop()
        options = (
            f"-c statement_timeout={self.config.statement_timeout_ms} "
            f"-c lock_timeout={self.config.statement_timeout_ms} "
            "-c default_transaction_read_only=off"
        )
        self._pool = AsyncConnectionPool(
            self.dsn,
            min_size=self.config.pool_min_size,
            max_size=self.config.pool_max_size,
            timeout=self.config.pool_timeout_seconds,
            kwargs={
                "autocommit": True,
                "application_name": self.config.application_name,
                "options": options,
                "row_factory": dict_row,
                "connect_timeout": 5,
            },
            check=AsyncConnectionPool.check_connection,
            name=self.config.application_name,
            open=False,
        )
        try:
            await self._pool.open(wait=True, timeout=self.config.connect_timeout_seconds)
            await self._inspect_schema()
        except (PoolTimeout, psycopg.Error) as exc:
            await self._pool.close()
            self._pool = None
            raise ConnectionFailed(
                f"the webhook receiver cannot use the database at {mask_dsn(self.dsn)}: "
                f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}",
                "check that the server is up and the DSN is right",
            ) from None
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self._url = f"http://{host}:{bound[1]}"
        self._unsubscribe = self.faults.subscribe(self._on_fault_change)
        if self.faults.is_on("connection_hog"):
            self._on_fault_change("connection_hog", True)
        return self._url

    async def stop(self) -> None:
        """Stop listening, finish background work, release hogged sessions, close the pool."""
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        async with self._hog_lock:
            await self._hog.stop()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        self._log.close()

    async def __aenter__(self) -> WebhookReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _inspect_schema(self) -> None:
        assert self._pool is not None
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT table_name, data_type FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND column_name = 'id'"
                " AND table_name IN ('orders', 'notifications')"
            )
            found = {row["table_name"]: row["data_type"] for row in await cur.fetchall()}
        self._order_id_type = found.get("orders", "bigint")
        self._has_notifications = "notifications" in found

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_fault_change(self, name: str, on: bool) -> None:
        if name != "connection_hog" or self._loop is None:
            return
        self._hog_pending.clear()
        self._loop.call_soon_threadsafe(self._schedule_hog)

    def _schedule_hog(self) -> None:
        task = asyncio.ensure_future(self._apply_hog())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._hog_pending.set())

    async def _apply_hog(self) -> None:
        async with self._hog_lock:
            params = self.faults.get("connection_hog")
            if params is not None and self._hog.held == 0:
                await self._hog.start(
                    self._pool,
                    fill_ratio=float(params.get("fill_ratio") or 0.92),
                    connections=params.get("connections"),
                )
            elif params is None and self._hog.held:
                await self._hog.stop()

    async def wait_for_faults(self, timeout: float = 30.0) -> None:
        """Wait until fault side effects started by a toggle (the hog) are in place."""
        await asyncio.wait_for(self._hog_pending.wait(), timeout)

    # ---- HTTP ---------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(WEBHOOK_PATH, self.handle_webhook)
        app.router.add_get(HEALTH_WEBHOOK_PATH, self.handle_health_webhook)
        app.router.add_get(HEALTH_DATABASE_PATH, self.handle_health_database)
        app.router.add_get(FAULTS_PATH, self.handle_faults_get)
        app.router.add_post(FAULTS_PATH, self.handle_faults_post)
        app.router.add_post("/_sim/reprocess", self.handle_reprocess)
        app.router.add_get("/_sim/stats", self.handle_stats)
        return app

    def _reply(
        self,
        outcome: Outcome,
        started: float,
        event: EventInfo | None,
        event_id: str | None = None,
    ) -> web.Response:
        self.by_status[outcome.status] += 1
        self._log.write(
            outcome.status,
            event.event_id if event else event_id,
            event.event_type if event else None,
            outcome.error,
            (time.monotonic() - started) * 1000,
            note=outcome.note,
        )
        if outcome.status < 400:
            body: dict[str, Any] = {"received": True}
            if outcome.note:
                body["note"] = outcome.note
            return web.json_response(body, status=outcome.status)
        return web.json_response({"error": outcome.error}, status=outcome.status)

    async def handle_webhook(self, request: web.Request) -> web.Response:
        started = time.monotonic()
        if self._in_flight >= self.config.max_in_flight:
            return self._reply(Outcome(503, OVERLOADED), started, None)
        self._in_flight += 1
        try:
            body = await request.read()
            event = parse_event(body)
            try:
                outcome = await self._handle(body, request.headers.get("Stripe-Signature"), event)
            except PoolTimeout:
                outcome = Outcome(503, POOL_EXHAUSTED)
            except (pg_errors.QueryCanceled, pg_errors.LockNotAvailable):
                outcome = Outcome(500, DB_TIMEOUT)
            except psycopg.OperationalError:
                outcome = Outcome(500, DB_CONNECTION_FAILED)
            except psycopg.Error:
                outcome = Outcome(500, DB_ERROR)
            except Exception as exc:  # a bug must answer 500 and be logged, like a real service
                outcome = Outcome(500, "Internal server error", note=f"{type(exc).__name__}: {exc}")
            if outcome.status == 500 and outcome.error != DB_CONNECTION_FAILED and event:
                # The work was rolled back; keep a trace on the event's row if the database
                # still answers (a dead connection would only fail again).
                await self._record_rejection(event, outcome.error or DB_ERROR)
            return self._reply(outcome, started, event)
        finally:
            self._in_flight -= 1

    async def _handle(self, body: bytes, header: str | None, event: EventInfo | None) -> Outcome:
        now = time.time()
        check = verify(
            body,
            header,
            self.config.secrets,
            tolerance_seconds=self.config.tolerance_seconds,
            now=now,
        )
        if not check.ok:
            if event is not None:
                await self._record_rejection(event, check.message)
            return Outcome(400, check.message, note=check.detail)
        if event is None or event.created is None:
            return Outcome(400, MALFORMED_REQUEST)
        if now - event.created > self.config.max_event_age_seconds:
            await self._record_rejection(event, EVENT_TOO_OLD)
            return Outcome(400, EVENT_TOO_OLD, note=f"created {now - event.created:.0f} s ago")
        if not self._limiter.allow(now):
            await self._record_rejection(event, RATE_LIMIT_EXCEEDED)
            return Outcome(429, RATE_LIMIT_EXCEEDED)
        return await self._accept(event)

    # ---- recording ----------------------------------------------------------------------

    async def _lock_event(self, conn: psycopg.AsyncConnection[Any], event_id: str) -> None:
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"webhook_event:{event_id}"]
        )

    async def _existing(
        self, conn: psycopg.AsyncConnection[Any], event_id: str, *, for_update: bool
    ) -> dict[str, Any] | None:
        lock = " FOR UPDATE" if for_update else ""
        cur = await conn.execute(
            "SELECT id, processed_at, error_message, retry_count FROM webhook_events"
            " WHERE event_id = %s ORDER BY created_at LIMIT 1" + lock,
            [event_id],
        )
        return await cur.fetchone()

    async def _record_rejection(self, event: EventInfo, error: str) -> None:
        """Record a refused delivery: a new row, or the retry of an unprocessed one.

        Best effort: the refusal stands (and is logged) even if the database cannot take it.
        """
        try:
            await self._write_rejection(event, error)
        except (psycopg.Error, PoolTimeout) as exc:
            self.stats["unrecorded_rejections"] += 1
            note = f"could not record {error!r}: {str(exc).strip()[:200]}"
            self._log.write(500, event.event_id, event.event_type, DB_ERROR, 0, note=note)

    async def _write_rejection(self, event: EventInfo, error: str) -> None:
        assert self._pool is not None
        async with self._pool.connection() as conn, conn.transaction():
            await self._lock_event(conn, event.event_id)
            row = await self._existing(conn, event.event_id, for_update=True)
            if row is None:
                await conn.execute(
                    "INSERT INTO webhook_events (event_id, event_type, error_message)"
                    " VALUES (%s, %s, %s)",
                    [event.event_id, event.event_type, error],
                )
            elif row["processed_at"] is None:
                await conn.execute(
                    "UPDATE webhook_events SET error_message = %s, retry_count = retry_count + 1"
                    " WHERE id = %s",
                    [error, row["id"]],
                )
            # A processed event is never touched by a refused redelivery.

    # ---- accepting and processing -----------------------------------------------------------

    async def _accept(self, event: EventInfo) -> Outcome:
        assert self._pool is not None
        atomic = not self.faults.is_on("duplicate_deliveries")
        slow = self.faults.get("slow_processing")
        down = self.faults.is_on("processor_down")
        backdate = float(slow["seconds"]) if slow and slow.get("backdate") else 0.0
        async with self._pool.connection() as conn:
            seen: dict[str, Any] | None = None
            if not atomic:
                # The guide's check-then-insert, as a racy service does it.
                seen = await self._existing(conn, event.event_id, for_update=False)
                if seen is not None and seen["processed_at"] and not seen["error_message"]:
                    return Outcome(200, note="duplicate")
                await asyncio.sleep(self.config.duplicate_race_seconds)
            async with conn.transaction():
                if atomic:
                    await self._lock_event(conn, event.event_id)
                    seen = await self._existing(conn, event.event_id, for_update=True)
                    if seen is not None and seen["error_message"] is None:
                        # Processed already, or queued/in progress: acknowledge, do nothing.
                        done = seen["processed_at"] is not None
                        return Outcome(200, note="duplicate" if done else "already queued")
                row_id = await self._upsert_event(conn, event, seen, backdate)
                if down:
                    return Outcome(200, note="queued")
                if slow and not slow.get("backdate"):
                    delay = float(slow["seconds"])
                    self._spawn(self._process_later(event, row_id, delay))
                    return Outcome(200, note="queued")
                return await self._process(conn, event, row_id)

    async def _upsert_event(
        self,
        conn: psycopg.AsyncConnection[Any],
        event: EventInfo,
        seen: Mapping[str, Any] | None,
        backdate_seconds: float,
    ) -> Any:
        payload = json.dumps(event.payload)
        if seen is not None and seen["processed_at"] is None:
            await conn.execute(
                "UPDATE webhook_events SET retry_count = retry_count + 1, error_message = NULL,"
                " payload = %s::jsonb WHERE id = %s",
                [payload, seen["id"]],
            )
            return seen["id"]
        order = await self._find_order(conn, event)  # known at receipt, even if never processed
        cur = await conn.execute(
            "INSERT INTO webhook_events (event_id, event_type, order_id, created_at, payload)"
            " VALUES (%s, %s, %s, now() - %s * interval '1 second', %s::jsonb) RETURNING id",
            [
                event.event_id,
                event.event_type,
                order["id"] if order else None,
                backdate_seconds,
                payload,
            ],
        )
        row = await cur.fetchone()
        assert row is not None
        return row["id"]

    async def _process_later(self, event: EventInfo, row_id: Any, delay: float) -> None:
        await asyncio.sleep(delay)
        assert self._pool is not None
        with contextlib.suppress(psycopg.Error, PoolTimeout):
            async with self._pool.connection() as conn, conn.transaction():
                await self._lock_event(conn, event.event_id)
                await self._process(conn, event, row_id)

    async def _process(
        self, conn: psycopg.AsyncConnection[Any], event: EventInfo, row_id: Any
    ) -> Outcome:
        """Apply the event to its order; mark the row processed or failed. In a transaction."""
        try:
            async with conn.transaction():  # a savepoint: a refusal leaves only the row update
                outcome = await self._apply(conn, event)
                if outcome.status >= 400:
                    raise _Rollback(outcome)
        except _Rollback as refused:
            outcome = refused.outcome
            await conn.execute(
                "UPDATE webhook_events SET processed_at = NULL, error_message = %s,"
                " order_id = COALESCE(%s, order_id) WHERE id = %s",
                [outcome.error, outcome.order_id, row_id],
            )
            return outcome
        await conn.execute(
            "UPDATE webhook_events SET processed_at = clock_timestamp(), error_message = NULL,"
            " order_id = COALESCE(%s, order_id) WHERE id = %s",
            [outcome.order_id, row_id],
        )
        return outcome

    async def _apply(self, conn: psycopg.AsyncConnection[Any], event: EventInfo) -> Outcome:
        target = EVENT_TARGETS.get(event.event_type)
        if target is None:
            return Outcome(200, note="ignored event type")
        order = await self._find_order(conn, event)
        if order is None:
            return Outcome(422, ORDER_NOT_FOUND)
        cur = await conn.execute(
            "UPDATE orders SET state = %(target)s, updated_at = now(),"
            " paid_at = CASE WHEN %(target)s = 'paid' THEN now() ELSE paid_at END,"
            " stripe_payment_intent_id = COALESCE(stripe_payment_intent_id, %(intent)s)"
            " WHERE id = %(id)s AND state = ANY(%(valid_from)s)"
            " RETURNING id, total_amount_cents, currency, stripe_payment_intent_id",
            {
                "target": target,
                "intent": event.payment_intent,
                "id": order["id"],
                "valid_from": valid_from(target),
            },
        )
        updated = await cur.fetchone()
        if updated is None:
            cur = await conn.execute("SELECT state FROM orders WHERE id = %s", [order["id"]])
            now_row = await cur.fetchone()
            if now_row is not None and now_row["state"] == target:
                return Outcome(200, note="already in target state", order_id=order["id"])
            return Outcome(422, INVALID_STATE_TRANSITION, order_id=order["id"])
        await self._side_effects(conn, event, target, updated)
        return Outcome(200, note="processed", order_id=order["id"])

    async def _find_order(
        self, conn: psycopg.AsyncConnection[Any], event: EventInfo
    ) -> dict[str, Any] | None:
        order_id = _typed_id(event.order_ref, self._order_id_type)
        if order_id is not None:
            cur = await conn.execute("SELECT id, state FROM orders WHERE id = %s", [order_id])
            row = await cur.fetchone()
            if row is not None:
                return row
        if event.payment_intent:
            cur = await conn.execute(
                "SELECT id, state FROM orders WHERE stripe_payment_intent_id = %s"
                " ORDER BY created_at DESC LIMIT 1",
                [event.payment_intent],
            )
            return await cur.fetchone()
        return None

    async def _side_effects(
        self,
        conn: psycopg.AsyncConnection[Any],
        event: EventInfo,
        target: str,
        order: Mapping[str, Any],
    ) -> None:
        intent = event.payment_intent or order["stripe_payment_intent_id"]
        if target == "paid":
            skip = self.faults.get("paid_without_payment")
            if not (skip and self._random.random() < float(skip["ratio"])):
                await conn.execute(
                    "INSERT INTO payments (order_id, amount_cents, currency, payment_method,"
                    " status, stripe_payment_intent_id, processed_at)"
                    " VALUES (%s, %s, %s, 'stripe', 'completed', %s, now())",
                    [
                        order["id"],
                        event.amount_cents
                        if event.amount_cents is not None
                        else order["total_amount_cents"],
                        event.currency or order["currency"] or "aud",
                        intent,
                    ],
                )
        elif target == "refunded":
            await conn.execute(
                "UPDATE payments SET status = 'refunded' WHERE order_id = %s"
                " AND status = 'completed'",
                [order["id"]],
            )
        if target in ("paid", "payment_failed", "refunded") and self._has_notifications:
            await self._notify(conn, order["id"])

    async def _notify(self, conn: psycopg.AsyncConnection[Any], order_id: Any) -> None:
        failing = self.faults.get("notification_failures")
        if failing and self._random.random() < float(failing["ratio"]):
            await conn.execute(
                "INSERT INTO notifications (order_id, channel, status, attempts, last_error)"
                " VALUES (%s, 'email', 'failed', 3, %s)",
                [order_id, str(failing["error"])],
            )
        else:
            await conn.execute(
                "INSERT INTO notifications (order_id, channel, status, attempts, sent_at)"
                " VALUES (%s, 'email', 'sent', 1, now())",
                [order_id],
            )

    # ---- health and admin ---------------------------------------------------------------

    async def handle_health_webhook(self, request: web.Request) -> web.Response:
        checked = datetime.now(UTC).isoformat()
        try:
            assert self._pool is not None
            async with self._pool.connection(timeout=self.config.pool_timeout_seconds) as conn:
                cur = await conn.execute(
                    "SELECT count(*) AS unprocessed,"
                    " EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest"
                    " FROM webhook_events WHERE processed_at IS NULL AND error_message IS NULL"
                )
                row = await cur.fetchone()
        except (psycopg.Error, PoolTimeout) as exc:
            error = POOL_EXHAUSTED if isinstance(exc, PoolTimeout) else DB_CONNECTION_FAILED
            body = {"status": "down", "error": error, "checked_at": checked}
            return web.json_response(body, status=503)
        assert row is not None
        oldest = row["oldest"]
        stopped = self.faults.is_on("processor_down")
        stale = oldest is not None and oldest > self.config.stale_seconds
        body = {
            "status": "down" if stopped or stale else "ok",
            "processing": "stopped" if stopped else "running",
            "unprocessed": int(row["unprocessed"]),
            "oldest_unprocessed_seconds": round(oldest, 1) if oldest is not None else None,
            "checked_at": checked,
        }
        return web.json_response(body, status=503 if stopped or stale else 200)

    async def handle_health_database(self, request: web.Request) -> web.Response:
        started = time.monotonic()
        try:
            assert self._pool is not None
            async with self._pool.connection(timeout=self.config.pool_timeout_seconds) as conn:
                await conn.execute("SELECT 1")
        except (psycopg.Error, PoolTimeout) as exc:
            error = POOL_EXHAUSTED if isinstance(exc, PoolTimeout) else DB_CONNECTION_FAILED
            ms = (time.monotonic() - started) * 1000
            return web.json_response(
                {"status": "down", "error": error, "latency_ms": round(ms, 1)}, status=503
            )
        ms = (time.monotonic() - started) * 1000
        pool = self._pool.get_stats() if self._pool else {}
        return web.json_response(
            {
                "status": "ok",
                "latency_ms": round(ms, 1),
                "pool_size": pool.get("pool_size"),
                "pool_available": pool.get("pool_available"),
            }
        )

    def _loopback_only(self, request: web.Request) -> None:
        try:
            if ipaddress.ip_address(request.remote or "").is_loopback:
                return
        except ValueError:
            pass
        raise web.HTTPForbidden(text=json.dumps({"error": "admin API is loopback only"}))

    async def handle_faults_get(self, request: web.Request) -> web.Response:
        self._loopback_only(request)
        return web.json_response({"faults": self.faults.describe()})

    async def handle_faults_post(self, request: web.Request) -> web.Response:
        self._loopback_only(request)
        try:
            data = await request.json()
            name = data["name"]
            on = data["on"]
            params = data.get("params") or {}
            if (
                not isinstance(name, str)
                or not isinstance(on, bool)
                or not isinstance(params, dict)
            ):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return web.json_response(
                {"error": 'expected {"name": str, "on": bool, "params": {...}}'}, status=400
            )
        try:
            self.faults.set(name, on, **params)
        except FaultError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"faults": self.faults.describe()})

    async def handle_reprocess(self, request: web.Request) -> web.Response:
        self._loopback_only(request)
        done = await self.reprocess_pending()
        return web.json_response({"reprocessed": done})

    async def handle_stats(self, request: web.Request) -> web.Response:
        self._loopback_only(request)
        return web.json_response(self.snapshot_stats())

    def snapshot_stats(self) -> dict[str, Any]:
        return {
            "deliveries": sum(self.by_status.values()),
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "in_flight": self._in_flight,
            "hogged_connections": self._hog.held,
        }

    async def reprocess_pending(self, limit: int = 1_000) -> int:
        """Process events that were accepted but never processed (the worker restarted).

        What restarting a queue-based processor does after processor_down; rows with an
        error are left to Stripe's redelivery or the console's recovery actions.
        """
        assert self._pool is not None
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, payload FROM webhook_events"
                " WHERE processed_at IS NULL AND error_message IS NULL AND payload IS NOT NULL"
                " ORDER BY created_at LIMIT %s",
                [limit],
            )
            rows = await cur.fetchall()
        done = 0
        for row in rows:
            event = parse_event(json.dumps(row["payload"]).encode())
            if event is None:
                continue
            async with self._pool.connection() as conn, conn.transaction():
                await self._lock_event(conn, event.event_id)
                await self._process(conn, event, row["id"])
            done += 1
        return done


def _token(value: str | None) -> str:
    """A log field without spaces or control characters (ids come from untrusted bodies)."""
    if not value:
        return "-"
    return "".join(c if c.isprintable() and not c.isspace() else "?" for c in value[:120])


class _Rollback(Exception):
    """Raised inside the savepoint so a refused event changes nothing but its own row."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def _typed_id(ref: str | None, id_type: str) -> Any:
    """The order reference as the orders.id column's type, or None if it cannot be one."""
    if ref is None:
        return None
    text = ref.strip()
    if id_type == "uuid":
        try:
            return uuid.UUID(text)
        except ValueError:
            return None
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None
