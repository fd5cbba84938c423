"""The live metrics Collector: one initial load, then deltas by index, into a Snapshot.

Why deltas: the guide's dashboard queries rescan a day of events on every refresh and
grow with the table; during an incident that load lands on the very database in trouble.
The Collector reads the last 24 h once, then each poll asks only for what changed. This
module only orchestrates one poll; each part says why it works the way it does:

- reader.py: the connection, one savepoint per panel query, panels switched off with
  their reason (`panel_errors`) while the others go on; timeouts are retried later;
- initial_load.py: the first poll, the window aggregated in SQL an hour at a time; on a
  big table (`first_poll_big_rows`) the first poll reads the last minutes only, and the
  history, the backlog before its last minutes, stuck orders and the detector inputs
  fill in on the next poll, each panel saying so in `loading`;
- deltas.py: new and newly processed events since the watermarks;
- tracked.py, unprocessed.py: the unprocessed backlog (tracked by id, summarised when
  large, the old failed history aggregated on the slow cadence);
- periodic.py: stuck orders, sessions, and the detector inputs that are not deltas;
- assemble.py: the state read out as a Snapshot;
- tuning.py: the cadences, budgets and size caps above, one `CollectorTuning` value;
- `addons`: sources that are not this database (console.stripe.watch: Stripe's undelivered
  events), each on its own cadence in a task of its own, never inside the poll's
  transaction and never delaying it; given by the caller, so metrics knows none of them.

Every poll runs in one REPEATABLE READ, READ ONLY transaction, so all queries see the
same instant, and windows use that transaction's `now()` (the server clock).

Known blind spots, accepted and documented: an error_message changed on an already
processed row, a processed row deleted or un-processed again, and a row inserted already
processed with both timestamps older than the overlap margin; the delays and the hash
trust of the backlog's settled and old parts (tracked.py, unprocessed.py). Restarting the
Collector (or `resync()`) recounts from scratch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Protocol

import psycopg

from console import queries
from console.core.config import Settings
from console.core.db import DatabaseError, read_only, translate
from console.metrics.assemble import PollFacts, assemble
from console.metrics.buckets import MetricWindow, window_start
from console.metrics.deltas import Delta, EventDeltas
from console.metrics.index_guard import IndexGuard
from console.metrics.panels import EVENTS, PAID_WITHOUT_PAYMENT, PROCESSED, UNPROCESSED
from console.metrics.patterns import ErrorClassifier
from console.metrics.periodic import PeriodicPanels
from console.metrics.reader import PanelReader
from console.metrics.snapshot import Snapshot
from console.metrics.tuning import CollectorTuning
from console.metrics.unprocessed import UnprocessedBacklog

UNPROCESSED_INDEX = "webhook_events_unprocessed_idx"


class SnapshotAddon(Protocol):
    """Something that adds to each Snapshot from outside the database, on its own cadence."""

    def kick(self) -> None:
        """Start a background refresh if one is due (returns at once)."""

    def apply(self, snapshot: Snapshot) -> Snapshot:
        """The snapshot with the latest reading added."""

    async def close(self) -> None: ...


class Collector:
    """Polls the monitored database and keeps 24 h of per-minute buckets in memory."""

    def __init__(
        self,
        dsn: str,
        settings: Settings,
        *,
        error_patterns: Mapping[str, str] | None = None,
        tuning: CollectorTuning = CollectorTuning(),
        addons: Sequence[SnapshotAddon] = (),
    ) -> None:
        self.dsn = dsn
        self.settings = settings
        self.tuning = tuning
        thresholds = settings.thresholds
        self.retry_limit = int(thresholds.get("retry_limit", 3))
        patterns = {**settings.error_patterns, **(error_patterns or {})}
        self.classifier = ErrorClassifier(patterns)
        self._reader = PanelReader(dsn, settings, retry_seconds=tuning.panel_retry_seconds)
        # a panel whose index is missing on a big table says so instead of scanning it
        self._guard = IndexGuard(
            big_rows=tuning.index_guard_rows, interval=tuning.slow_interval_seconds
        )
        # Duplicates, notification failures and orders paid without a payment are judged
        # every few seconds so those faults light quickly; each read is stretched by its
        # cost on a big table (cadence.py), paid orders are judged incrementally.
        self._periodic = PeriodicPanels(
            stuck_minutes=float(thresholds.get("stuck_order_minutes", 60)),
            detector_interval=tuning.detector_interval(),
            slow_interval=tuning.slow_interval_seconds,
            first_budget=tuning.first_data_seconds,
        )
        self._last_processed_at: datetime | None = None
        self._answered = False  # a poll has returned a Snapshot (the first one is budgeted)
        self.addons = tuple(addons)
        self.resync()
        self._polling = asyncio.Lock()  # polls never overlap, even if a caller asks twice

    # --- life cycle -------------------------------------------------------------------

    def resync(self) -> None:
        """Forget every count: the next poll reloads the 24 h window from scratch."""
        tuning = self.tuning
        self._window = MetricWindow()
        self._deltas = EventDeltas(
            self._window,
            self.classifier,
            tuning.overlap(),
            first_budget=tuning.first_data_seconds,
            poll_budget=tuning.history_seconds_per_poll,
        )
        self._backlog = UnprocessedBacklog(
            self._deltas,
            retry_limit=self.retry_limit,
            max_rows=tuning.max_backlog_rows,
            slow_interval=tuning.slow_interval_seconds,
            recent=tuning.recent(),
            settled_check_seconds=tuning.settled_check_seconds,
        )

    async def __aenter__(self) -> Collector:
        await self._reader.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        for addon in self.addons:
            await addon.close()
        await self._reader.close()

    @property
    def connection(self) -> psycopg.AsyncConnection[dict[str, Any]] | None:
        """The session polls run on (None before the first poll or after close)."""
        return self._reader.conn

    @property
    def panel_errors(self) -> dict[str, str]:
        return self._reader.errors

    # --- the poll ---------------------------------------------------------------------

    async def poll(self) -> Snapshot:
        """One consistent read of what changed; returns the whole picture as a Snapshot."""
        async with self._polling:
            return await self._poll()

    async def _poll(self) -> Snapshot:
        started = time.perf_counter()
        reader = self._reader
        reader.start_poll()
        conn = await reader.connect()
        try:
            async with read_only(conn):
                server = await (await conn.execute(queries.get("live/server").text)).fetchone()
                assert server is not None
                now: datetime = server["now"]
                await self._guard.check(reader)
                await self._poll_events(now)
                # the first poll answers the cheap questions first: once its budget is
                # spent, or at once on big tables, the scan of stuck orders waits for
                # the next poll, and so do the detector inputs
                stuck = await self._periodic.stuck_orders(reader, now, defer=self._spent(started))
                connections = await self._periodic.connections(
                    reader, now, server["max_connections"]
                )
                await self._periodic.detector_inputs(reader, now, defer=self._spent(started))
        except DatabaseError:
            raise
        except psycopg.Error as exc:
            raise translate(exc, self.dsn) from None
        self._answered = True
        facts = PollFacts(
            now=now,
            server=server,
            stuck=stuck,
            connections=connections,
            last_processed_at=self._last_processed_at,
            panel_errors=reader.errors,
            db_seconds=time.perf_counter() - started,
            rows_read=reader.rows,
            queries_run=reader.queries,
        )
        backlog = self._backlog.index()
        snapshot = assemble(facts, self._window, self.classifier, backlog, self._periodic)
        proof = reader.read_only_proof
        snapshot = replace(
            snapshot,
            read_only_proven=proof.proven if proof else None,
            loading=MappingProxyType(self._loading(now)),
        )
        for addon in self.addons:
            addon.kick()
            snapshot = addon.apply(snapshot)
        return snapshot

    def _big(self) -> bool:
        """The first poll, on a table big enough for any one long read to spend its budget
        (an hour of history, the stuck orders, a detector input: 0.1-0.4 s at 10M events)."""
        rows = max(self._guard.table_rows.values(), default=0)
        return not self._answered and rows > self.tuning.first_poll_big_rows

    def _spent(self, started: float) -> bool:
        """The first poll's budget is spent, or would be by its next read (a big table)."""
        if self._answered:
            return False
        return self._big() or time.perf_counter() - started > self.tuning.first_data_seconds

    def _loading(self, now: datetime) -> dict[str, str]:
        """The panels whose longer windows are still partial, and how far they have got."""
        loading: dict[str, str] = {}
        paid = self._periodic.paid_watch.loading(now)
        if paid is not None:
            loading[PAID_WITHOUT_PAYMENT] = paid
        for panel in self._periodic.deferred:
            loading[panel] = "loading: read on the next poll"
        backlog = self._backlog.loading
        if backlog is not None:
            loading[UNPROCESSED] = backlog
        history, start = self._deltas.history, window_start(now)
        if history.loaded_from is None or history.complete(start):
            return loading
        hours = (now - history.loaded_from) / timedelta(hours=1)
        text = f"loading history: {hours:.1f} h of 24 h so far, longer windows partial"
        return {**loading, EVENTS: text, PROCESSED: text}

    async def _poll_events(self, now: datetime) -> None:
        """The deltas, the newest processed_at, then the backlog reconciled against them."""
        start = window_start(now)
        backlog_rows = self._guard.index_rows.get(UNPROCESSED_INDEX, 0)
        # a big table defers even a small backlog's old history: read cold (the console
        # opened on a database whose cache holds other work) it alone took ~0.9 s at 10M
        big_backlog = backlog_rows > self.tuning.backlog_first_poll_rows
        defer = not self._answered and (big_backlog or self._big())
        delta = await self._deltas.read(
            self._reader, now, start, self._backlog.pending(), recent_only=self._big()
        )
        if delta is None:
            # the initial load failed (retried on a later poll, the panel says why): the
            # backlog, read by its own index, still answers
            await self._backlog.poll(self._reader, now, start, Delta(start), defer=defer)
            return
        self._periodic.duplicates_watch.arrived(delta.arrived_event_ids)
        newest = await self._reader.fetch(PROCESSED, "live/last_processed", probe=True)
        if newest is not None:
            self._last_processed_at = newest[0]["last_processed_at"] if newest else None
        await self._backlog.poll(self._reader, now, start, delta, defer=defer)
        self._deltas.prune(now, start)


def failed_snapshot(error: DatabaseError, taken_at: datetime) -> Snapshot:
    """The picture when the database could not be polled at all (db_connection_failure)."""
    return Snapshot(taken_at=taken_at, connection_error=str(error))
