"""The demo world: the embedded database, its history, and the live system in a thread.

Start-up order matters for the "live data within 5 s" promise: the embedded server
starts (well under a second), the schema and a modest history are generated set-based
(a couple of seconds), then the receiver and traffic start while the dashboard paints.
In headless mode the run lasts `--seconds` and prints one JSON document; interactively
the simulator runs in a background thread with its own event loop so that traffic never
competes with the dashboard's loop for keystrokes. The command itself (arguments, the
headless summary, the dashboard) is `console.cli.demo`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import psycopg

from console.core.config import Settings
from console.sim import statements
from console.sim.embedded import EmbeddedPostgres
from console.sim.schema import apply_monitored_schema

DEMO_DATABASE = "orders_demo"
TABLES = ("webhook_events", "orders", "payments", "notifications")


def row_counts(dsn: str) -> dict[str, int]:
    """Rows in each of the guide's tables that exists (the headless summary)."""
    counts: dict[str, int] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table in TABLES:
            exists = conn.execute(*statements.bound("sim/table_exists", table=table)).fetchone()
            if exists and exists[0]:
                row = conn.execute(statements.composed("sim/count_rows", table=table)).fetchone()
                assert row is not None
                counts[table] = int(row[0])
    return counts


def errors_since(dsn: str, since_seconds: float) -> dict[str, int]:
    """Rejections and failures recorded during the run, by the guide's error message."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(*statements.bound("sim/errors_since", seconds=since_seconds)).fetchall()
    return {str(message): int(count) for message, count in rows}


class DemoWorld:
    """The embedded database with the guide's schema and generated history."""

    def __init__(self, *, days: float | None, events: int | None, seed: int | None) -> None:
        self.days = days
        self.events = events
        self.seed = seed or 0
        self.server = EmbeddedPostgres()
        self.dsn = ""
        self.summary: Any = None

    def start(self, progress: Callable[[str], None] = lambda _: None) -> str:
        from console.sim.world import generate_world

        progress("starting embedded PostgreSQL")
        self.server.start()
        self.dsn = self.server.create_database(DEMO_DATABASE)
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            apply_monitored_schema(conn)
        progress("generating history")
        kwargs: dict[str, Any] = {"seed": self.seed}
        if self.days is not None:
            kwargs["days"] = self.days
        if self.events is not None:
            kwargs["events"] = self.events
        self.summary = generate_world(self.dsn, **kwargs)
        return self.dsn

    def stop(self) -> None:
        self.server.stop()


class BackgroundLive:
    """Runs the LiveSystem (receiver + traffic + faults) on its own loop in a thread."""

    def __init__(
        self,
        dsn: str,
        settings: Settings,
        faults: list[tuple[str, dict[str, str]]],
        rate: float | None,
    ) -> None:
        self.dsn = dsn
        self.settings = settings
        self.faults = faults
        self.rate = rate
        self.live: Any = None
        self.error: BaseException | None = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="demo-live", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to the foreground, never swallowed
            self.error = exc
            self._ready.set()

    async def _main(self) -> None:
        from console.sim.live import LiveSystem

        self._stop = asyncio.Event()
        kwargs: dict[str, Any] = {}
        if self.rate is not None:
            kwargs["rate"] = self.rate
        async with LiveSystem(self.dsn, self.settings, **kwargs) as live:
            self.live = live
            for name, params in self.faults:
                live.faults.enable(name, **params)
            self._ready.set()
            await self._stop.wait()

    def start(self, timeout: float = 30.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the simulated webhook system did not start in time")
        if self.error is not None:
            raise self.error

    @property
    def url(self) -> str:
        return str(self.live.url) if self.live is not None else ""

    @property
    def console_settings(self) -> Settings:
        """What a console watching the demo should be told (URLs, secret, log source)."""
        return self.live.settings if self.live is not None else self.settings

    def set_fault(self, name: str, on: bool) -> None:
        """Switch a fault from another thread (the dashboard's demo controls)."""
        if self.live is None:
            return
        action = self.live.faults.enable if on else self.live.faults.disable
        self._loop.call_soon_threadsafe(action, name)

    def stats(self) -> dict[str, Any]:
        if self.live is None:
            return {}
        future = asyncio.run_coroutine_threadsafe(self._stats(), self._loop)
        return future.result(10)

    async def _stats(self) -> dict[str, Any]:
        result = self.live.stats()
        if asyncio.iscoroutine(result):
            result = await result
        return dict(result)

    def stop(self) -> None:
        if self._stop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


__all__ = ["BackgroundLive", "DemoWorld", "errors_since", "row_counts"]
