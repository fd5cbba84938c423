"""The reference webhook receiver: what the guide's handler does, as an aiohttp service.

`POST /api/webhooks/stripe` verifies the signature (explicit tolerance), checks the
event's age and an in-memory rate limit, then records and processes the event against
the guide's tables, answering with the codes of the guide's Appendix A. Every delivery
that names an event is recorded in `webhook_events` (one row per event_id: a redelivery
of a rejected or failed event updates that row's retry_count and error instead of adding
one), and every delivery gets a line in the service log.

This module is the service around it: HTTP, the checks before anything is written, the
writer pool (application_name `webhook-receiver`), the delivery log, the connection hog,
health endpoints and a loopback-only admin API (`/_sim/…`) an operator's tools can probe.
What happens in the tables is `console.sim.processing.EventStore`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import psycopg
from aiohttp import web
from psycopg import errors as pg_errors
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from console.checks.signature import verify
from console.core.config import Secret, Settings, mask_dsn
from console.core.db import ConnectionFailed
from console.sim.events import (
    DB_CONNECTION_FAILED,
    DB_ERROR,
    DB_TIMEOUT,
    EVENT_TOO_OLD,
    MALFORMED_REQUEST,
    OVERLOADED,
    POOL_EXHAUSTED,
    RATE_LIMIT_EXCEEDED,
    EventInfo,
    Outcome,
    parse_event,
)
from console.sim.faults import ConnectionHog, FaultError, FaultSet
from console.sim.processing import EventStore

WEBHOOK_PATH = "/api/webhooks/stripe"
HEALTH_WEBHOOK_PATH = "/api/health/webhook"
HEALTH_DATABASE_PATH = "/api/health/database"
FAULTS_PATH = "/_sim/faults"


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
        self._store: EventStore | None = None
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
        """Release hogged sessions (so requests waiting for the pool finish at once), stop
        listening, cancel background work, close the pool."""
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        async with self._hog_lock:
            await self._hog.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        while self._tasks:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        async with self._hog_lock:
            await self._hog.stop()  # in case a toggle raced the first release
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
        self._store = EventStore(
            self._pool,
            self.faults,
            self._spawn,
            order_id_type=found.get("orders", "bigint"),
            has_notifications="notifications" in found,
            duplicate_race_seconds=self.config.duplicate_race_seconds,
            seed=self.config.seed,
        )

    @property
    def store(self) -> EventStore:
        if self._store is None:
            raise RuntimeError("the receiver is not started")
        return self._store

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
        return await self.store.accept(event)

    async def _record_rejection(self, event: EventInfo, error: str) -> None:
        """Best effort: the refusal stands (and is logged) even if the database cannot take it."""
        try:
            await self.store.record_rejection(event, error)
        except (psycopg.Error, PoolTimeout) as exc:
            self.stats["unrecorded_rejections"] += 1
            note = f"could not record {error!r}: {str(exc).strip()[:200]}"
            self._log.write(500, event.event_id, event.event_type, DB_ERROR, 0, note=note)

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

    def reset_rate_limit(self) -> None:
        """Forget the limiter's window, as restarting a service with an in-memory one does."""
        self._limiter = RateLimiter(
            self.config.rate_limit_window_ms / 1000, self.config.rate_limit_max_events
        )

    async def reprocess_pending(self, limit: int = 1_000) -> int:
        """Process accepted-but-never-processed events, as a restarted worker would."""
        return await self.store.reprocess_pending(limit)

    def snapshot_stats(self) -> dict[str, Any]:
        return {
            "deliveries": sum(self.by_status.values()),
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "in_flight": self._in_flight,
            "hogged_connections": self._hog.held,
        }


def _token(value: str | None) -> str:
    """A log field without spaces or control characters (ids come from untrusted bodies)."""
    if not value:
        return "-"
    return "".join(c if c.isprintable() and not c.isspace() else "?" for c in value[:120])
