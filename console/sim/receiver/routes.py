"""The receiver's HTTP surface besides the webhook: health endpoints and the admin API.

`/api/health/webhook` and `/api/health/database` answer like a real service's probes
(503 when down). The `/_sim/…` admin API (faults, reprocess, stats) answers only on
loopback and needs no database, so the dashboard can switch a connection hog off.
The routes reach the service through the small `ReceiverView` protocol.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
from aiohttp import web
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from console.sim import statements
from console.sim.endpoints import (
    FAULTS_PATH,
    HEALTH_DATABASE_PATH,
    HEALTH_WEBHOOK_PATH,
    REPROCESS_PATH,
    STATS_PATH,
    WEBHOOK_PATH,
)
from console.sim.events import DB_CONNECTION_FAILED, POOL_EXHAUSTED
from console.sim.faults import FaultError, FaultSet
from console.sim.receiver.config import ReceiverConfig


class ReceiverView(Protocol):
    """What the routes need of the service."""

    config: ReceiverConfig
    faults: FaultSet

    @property
    def pool(self) -> AsyncConnectionPool[Any] | None: ...

    def handle_webhook(self, request: web.Request) -> Awaitable[web.Response]: ...

    async def reprocess_pending(self, limit: int = 1_000) -> int: ...

    def snapshot_stats(self) -> dict[str, Any]: ...


def make_app(receiver: ReceiverView) -> web.Application:
    """The aiohttp application: the webhook, the health probes, the loopback admin API."""
    routes = _Routes(receiver)
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(WEBHOOK_PATH, receiver.handle_webhook)
    app.router.add_get(HEALTH_WEBHOOK_PATH, routes.health_webhook)
    app.router.add_get(HEALTH_DATABASE_PATH, routes.health_database)
    app.router.add_get(FAULTS_PATH, routes.faults_get)
    app.router.add_post(FAULTS_PATH, routes.faults_post)
    app.router.add_post(REPROCESS_PATH, routes.reprocess)
    app.router.add_get(STATS_PATH, routes.stats)
    return app


def _down(exc: BaseException) -> str:
    return POOL_EXHAUSTED if isinstance(exc, PoolTimeout) else DB_CONNECTION_FAILED


def _loopback_only(request: web.Request) -> None:
    try:
        if ipaddress.ip_address(request.remote or "").is_loopback:
            return
    except ValueError:
        pass
    raise web.HTTPForbidden(text=json.dumps({"error": "admin API is loopback only"}))


class _Routes:
    def __init__(self, receiver: ReceiverView) -> None:
        self.receiver = receiver

    # ---- health -------------------------------------------------------------------------

    async def health_webhook(self, request: web.Request) -> web.Response:
        receiver = self.receiver
        checked = datetime.now(UTC).isoformat()
        try:
            pool = receiver.pool
            assert pool is not None
            async with pool.connection(timeout=receiver.config.pool_timeout_seconds) as conn:
                cur = await conn.execute(statements.text("sim/health_backlog"))
                row = await cur.fetchone()
        except (psycopg.Error, PoolTimeout) as exc:
            body = {"status": "down", "error": _down(exc), "checked_at": checked}
            return web.json_response(body, status=503)
        assert row is not None
        oldest = row["oldest"]
        stopped = receiver.faults.is_on("processor_down")
        stale = oldest is not None and oldest > receiver.config.stale_seconds
        body = {
            "status": "down" if stopped or stale else "ok",
            "processing": "stopped" if stopped else "running",
            "unprocessed": int(row["unprocessed"]),
            "oldest_unprocessed_seconds": round(oldest, 1) if oldest is not None else None,
            "checked_at": checked,
        }
        return web.json_response(body, status=503 if stopped or stale else 200)

    async def health_database(self, request: web.Request) -> web.Response:
        receiver = self.receiver
        started = time.monotonic()
        pool = receiver.pool
        try:
            assert pool is not None
            async with pool.connection(timeout=receiver.config.pool_timeout_seconds) as conn:
                await conn.execute(statements.text("sim/ping"))
        except (psycopg.Error, PoolTimeout) as exc:
            ms = (time.monotonic() - started) * 1000
            return web.json_response(
                {"status": "down", "error": _down(exc), "latency_ms": round(ms, 1)}, status=503
            )
        ms = (time.monotonic() - started) * 1000
        stats = pool.get_stats() if pool else {}
        return web.json_response(
            {
                "status": "ok",
                "latency_ms": round(ms, 1),
                "pool_size": stats.get("pool_size"),
                "pool_available": stats.get("pool_available"),
            }
        )

    # ---- admin --------------------------------------------------------------------------

    async def faults_get(self, request: web.Request) -> web.Response:
        _loopback_only(request)
        return web.json_response({"faults": self.receiver.faults.describe()})

    async def faults_post(self, request: web.Request) -> web.Response:
        _loopback_only(request)
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
            self.receiver.faults.set(name, on, **params)
        except FaultError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"faults": self.receiver.faults.describe()})

    async def reprocess(self, request: web.Request) -> web.Response:
        _loopback_only(request)
        done = await self.receiver.reprocess_pending()
        return web.json_response({"reprocessed": done})

    async def stats(self, request: web.Request) -> web.Response:
        _loopback_only(request)
        return web.json_response(self.receiver.snapshot_stats())
