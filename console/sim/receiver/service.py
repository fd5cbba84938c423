"""The reference webhook receiver as a running service: pool, life cycle, the webhook.

`POST /api/webhooks/stripe` goes through the gate (signature, age, rate limit) and then
the store; every outcome gets a line in the delivery log and a code from the guide's
Appendix A. The service owns the writer pool (application_name `webhook-receiver`) and
the connection hog, which a fault toggle starts or releases on the service's own loop.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
from aiohttp import web
from psycopg import errors as pg_errors
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from console.core.config import mask_dsn
from console.core.db import ConnectionFailed
from console.core.service import Service
from console.sim import statements
from console.sim.events import (
    DB_CONNECTION_FAILED,
    DB_ERROR,
    DB_TIMEOUT,
    OVERLOADED,
    POOL_EXHAUSTED,
    EventInfo,
    Outcome,
    parse_event,
)
from console.sim.faults import ConnectionHog, FaultSet
from console.sim.receiver.config import ReceiverConfig
from console.sim.receiver.gate import Gate
from console.sim.receiver.log import DeliveryLog
from console.sim.receiver.routes import make_app
from console.sim.receiver.store import EventStore

Pool = AsyncConnectionPool[psycopg.AsyncConnection[dict[str, Any]]]


class WebhookReceiver(Service):
    """The service: `await receiver.start()` then POST to `receiver.url + WEBHOOK_PATH`."""

    def __init__(self, dsn: str, config: ReceiverConfig, faults: FaultSet | None = None) -> None:
        self.dsn = dsn
        self.config = config
        self.faults = faults or FaultSet()
        self.stats: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self._gate = Gate(config)
        self._log = DeliveryLog(config.log_path)
        self._pool: Pool | None = None
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
        self.app = make_app(self)

    # ---- life cycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the receiver is not started")
        return self._url

    @property
    def log_path(self) -> Path | None:
        return self.config.log_path

    @property
    def pool(self) -> Pool | None:
        return self._pool

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

    async def _inspect_schema(self) -> None:
        assert self._pool is not None
        async with self._pool.connection() as conn:
            cur = await conn.execute(statements.text("sim/id_columns"))
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

    # ---- the connection hog -------------------------------------------------------------

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

    # ---- the webhook --------------------------------------------------------------------

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
        down = self.faults.get("endpoint_down")
        if down is not None:
            return await self._endpoint_down(request, down)
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

    async def _endpoint_down(self, request: web.Request, params: Any) -> web.Response:
        """endpoint_down: the request never reaches the handler, so nothing is recorded or
        logged — the load balancer answers 5xx, or the connection is dropped."""
        self.stats["endpoint_down"] += 1
        if str(params.get("mode") or "5xx") == "unreachable":
            if request.transport is not None:
                request.transport.close()  # the client sees the connection drop
            return web.Response(status=503)  # never sent
        status = int(params.get("status") or 503)
        return web.Response(status=status, text="Service Unavailable")

    async def _handle(self, body: bytes, header: str | None, event: EventInfo | None) -> Outcome:
        refusal = self._gate.check(body, header, event, time.time())
        if refusal is not None:
            if refusal.record is not None and event is not None:
                await self._record_rejection(event, refusal.record)
            return refusal.outcome
        assert event is not None  # the gate refuses a body that is not an event
        return await self.store.accept(event)

    async def _record_rejection(self, event: EventInfo, error: str) -> None:
        """Best effort: the refusal stands (and is logged) even if the database cannot take it."""
        try:
            await self.store.record_rejection(event, error)
        except (psycopg.Error, PoolTimeout) as exc:
            self.stats["unrecorded_rejections"] += 1
            note = f"could not record {error!r}: {str(exc).strip()[:200]}"
            self._log.write(500, event.event_id, event.event_type, DB_ERROR, 0, note=note)

    # ---- what operators' tools call -----------------------------------------------------

    def reset_rate_limit(self) -> None:
        """Forget the limiter's window, as restarting a service with an in-memory one does."""
        self._gate.reset_rate_limit()

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
