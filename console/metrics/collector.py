"""The live metrics Collector: one initial load, then deltas by index, into a Snapshot.

Why deltas: the guide's dashboard queries rescan a day of events on every refresh and
grow with the table; during an incident that load lands on the very database in trouble.
The Collector reads the last 24 h once (aggregated in SQL per minute, event type, latency
bin and kept error, so start-up ships thousands of rows, not a day of events), then each
poll asks only for what changed:

- new events by `created_at >= watermark - overlap` (ids seen in the overlap are
  remembered and skipped), for throughput by type;
- newly processed events by `processed_at >= watermark - overlap` (deduplicated the same
  way), for latency and the errors they kept; processed rows are then final;
- the unprocessed rows, through the partial index `processed_at IS NULL`, in three parts
  by creation time, so that the cost follows the window and the recent minutes, not the
  table (failed events keep processed_at NULL for good, so the unprocessed set grows
  with retention: ~0.5 % of all events in a realistic history):
  * recent (the last `recent_seconds`, 5 min by default, up to twice that): re-read whole
    each poll. `webhook_events` has no updated_at, so a failure (error_message set), a
    retry reset (error_message cleared, retry_count + 1) or a deletion of an unprocessed
    row changes no timestamp; re-reading is how those changes are seen exactly.
  * settled (from the window's start to the recent part): held from the last read, by id.
    Every `settled_check_seconds` (5 s) one aggregate returns the count and a hash of
    (id, type, created_at, error_message, retry_count) over them; if it differs from what
    is held, every row since the window's start is read again. The database scans the
    window's unprocessed rows (one row comes back) and nothing is shipped while they are
    unchanged; a settled row processed meanwhile leaves at once (the processed delta).
  * old (created before the 24 h window when last aggregated): counted per event type and
    error in SQL on the slow cadence (`slow_interval_seconds`). They only feed the
    backlog panel's totals; the windowed metrics never include them.
  Past `max_backlog_rows` the recent and settled parts are summarised per minute in SQL
  instead (see backlog.py). A tracked row that leaves the set is accounted for: either its
  processed_at arrived in the delta, or it is looked up by primary key (a late
  processed_at older than the overlap, or a deletion, which takes its arrival back).
  A row that enters the set without having arrived (inserted late with an old
  created_at) is counted as a late arrival.

Known blind spots, accepted and documented: an error_message changed on an already
processed row, a processed row deleted or un-processed again, and a row inserted already
processed with both timestamps older than the overlap margin. A failure, retry reset,
deletion or late processed_at of a settled row (older than the recent minutes) shows up
to `settled_check_seconds` late. Changes to unprocessed rows
older than the window (a retry reset, processing or deletion of old failed events) reach
the backlog panel up to `slow_interval_seconds` late, and each old group stands for its
oldest row in the payment waiting ages (as in the summary mode). The settled part trusts a 64-bit
hash sum: a change that leaves count and sum equal (a hash collision) goes unseen until
the next change. Restarting the Collector (or `resync()`) recounts from scratch.

Three detector inputs are not deltas (duplicate event_ids in the last hour, orders paid
without a completed payment, the notification failure rate): they are read by index on
their own cadence (the first poll always includes them). The two hourly ones every
`detector_interval_seconds` (10 s), so those faults light within seconds; the day of paid
orders too while it stays cheap (< 50 ms), else every `slow_interval_seconds` (60 s).

Every poll runs in one REPEATABLE READ, READ ONLY transaction, so all queries see the
same instant, and windows use that transaction's `now()` (the server clock). Each panel
query runs in its own savepoint: one that fails (no privilege, a timeout, a missing
optional table) is switched off with its reason in `panel_errors` (pg_activity's
FailedQueriesInfo idea) while the other panels go on; timeouts are retried later.
Ids are bigint or uuid; they are only compared for equality, never used as a cursor.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import psycopg

from console import queries
from console.core.config import Settings
from console.core.db import (
    ConnectionLost,
    DatabaseError,
    FeatureMissing,
    PrivilegeError,
    SessionLimits,
    connect,
    read_only,
    translate,
)
from console.metrics.activity import build_connections
from console.metrics.backlog import BacklogIndex, PendingGroup
from console.metrics.buckets import (
    MINUTE,
    WINDOW,
    MetricWindow,
    latency_us,
    minute_of,
    window_start,
)
from console.metrics.panels import (
    CONNECTIONS,
    DUPLICATES,
    EVENTS,
    LOOKUP,
    NOTIFICATIONS,
    PAID_WITHOUT_PAYMENT,
    PROCESSED,
    STUCK_ORDERS,
    UNPROCESSED,
)
from console.metrics.patterns import SECURITY_GROUPS, ErrorClassifier
from console.metrics.snapshot import (
    Connections,
    Duplicates,
    ErrorGroup,
    LatencyStats,
    NotificationStats,
    PaidWithoutPayment,
    Snapshot,
    StuckOrders,
)

STUCK_STATES = ("pending", "pending_payment")
MAX_ERROR_GROUPS = 50
INITIAL_CHUNK = timedelta(hours=1)  # the first poll aggregates the window an hour at a time
OPEN_CUT = datetime.min.replace(tzinfo=UTC)  # no old backlog aggregated yet: track every row


@dataclass(frozen=True)
class _Pending:
    """An unprocessed event as last read."""

    created_at: datetime
    event_type: str
    error_message: str | None
    retry_count: int


@dataclass(frozen=True)
class _Settled:
    """Count and hash of the unprocessed rows created in [start, end), as last read."""

    start: datetime
    end: datetime
    rows: int
    hash: int


@dataclass(frozen=True)
class _Tracked:
    """One poll's read of the tracked unprocessed rows, and how they differ from the last."""

    pending: dict[Any, _Pending]
    entered: dict[Any, _Pending]  # ids not held before
    left: list[Any]  # ids held before and gone (rows that moved to the old part excluded)
    changed: bool


@dataclass
class _PanelState:
    reason: str
    retry_at: float | None  # monotonic time to try again; None: off for good


CHEAP_QUERY_SECONDS = 0.05


class Collector:
    """Polls the monitored database and keeps 24 h of per-minute buckets in memory."""

    def __init__(
        self,
        dsn: str,
        settings: Settings,
        *,
        error_patterns: Mapping[str, str] | None = None,
        overlap_seconds: float = 30.0,
        slow_interval_seconds: float = 60.0,
        detector_interval_seconds: float = 10.0,
        panel_retry_seconds: float = 60.0,
        max_backlog_rows: int = 20_000,
        recent_seconds: float = 300.0,
        settled_check_seconds: float = 5.0,
    ) -> None:
        self.dsn = dsn
        self.settings = settings
        thresholds = settings.thresholds
        self.retry_limit = int(thresholds.get("retry_limit", 3))
        self.stuck_minutes = float(thresholds.get("stuck_order_minutes", 60))
        self.overlap = timedelta(seconds=overlap_seconds)
        self.slow_interval = slow_interval_seconds
        # Duplicates and notification failures are cheap (bounded by the last hour through
        # their indexes): judged every few seconds so those faults light quickly.
        # paid_without_payment reads a day of paid orders and stays on the slow cadence.
        self.detector_interval = min(detector_interval_seconds, slow_interval_seconds)
        self._detector_due = 0.0
        self._last_processed_at: datetime | None = None
        self.panel_retry = panel_retry_seconds
        self.max_backlog_rows = max_backlog_rows
        self.recent = timedelta(seconds=recent_seconds)
        self.settled_check = settled_check_seconds
        patterns = {**settings.error_patterns, **(error_patterns or {})}
        self.classifier = ErrorClassifier(patterns)
        self._conn: psycopg.AsyncConnection[dict[str, Any]] | None = None
        self.resync()
        self._panels: dict[str, _PanelState] = {}
        self._slow_due = 0.0
        self._last: dict[str, Any] = {}
        self._polling = asyncio.Lock()  # polls never overlap, even if a caller asks twice

    # --- life cycle -------------------------------------------------------------------

    def resync(self) -> None:
        """Forget every count: the next poll reloads the 24 h window from scratch."""
        self._window = MetricWindow()
        self._pending: dict[Any, _Pending] = {}  # by id, while the backlog is read row by row
        self._summary_mode = True  # the first poll sizes the backlog before reading rows
        self._seen_arrivals: dict[Any, datetime] = {}
        self._seen_processed: dict[Any, datetime] = {}
        # Where the next poll's delta queries start (None: the initial load is still due).
        self._events_from: datetime | None = None
        self._processed_from: datetime | None = None
        self._pending_loaded = False
        # Unprocessed rows created before _old_cut (older than the window: failed history)
        # are aggregated on the slow cadence; the rest is tracked by id (see _read_tracked).
        self._old_cut: datetime | None = None
        self._old_groups: list[PendingGroup] = []
        self._old_due = 0.0
        self._settled: _Settled | None = None
        self._settled_due = 0.0
        self._recent_from: datetime | None = None
        self._recent: dict[Any, _Pending] = {}  # the held rows created since _recent_from
        self._tracked_groups: list[PendingGroup] = []
        self._backlog_index: BacklogIndex | None = None  # None: rebuild from the groups

    async def __aenter__(self) -> Collector:
        await self._ensure_connection()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    async def _ensure_connection(self) -> psycopg.AsyncConnection[dict[str, Any]]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None
            conn = await connect(
                self.dsn, limits=SessionLimits.from_settings(self.settings), role="metrics"
            )
            try:
                await conn.set_isolation_level(psycopg.IsolationLevel.REPEATABLE_READ)
            except psycopg.Error as exc:
                await conn.close()
                raise translate(exc, self.dsn) from None
            self._conn = conn
        return self._conn

    # --- panels -----------------------------------------------------------------------

    @property
    def panel_errors(self) -> dict[str, str]:
        return {name: state.reason for name, state in self._panels.items()}

    def _enabled(self, panel: str) -> bool:
        state = self._panels.get(panel)
        if state is None:
            return True
        return state.retry_at is not None and time.monotonic() >= state.retry_at

    async def _fetch(
        self,
        panel: str,
        name: str,
        params: dict[str, Any] | None = None,
        *,
        probe: bool = False,
    ) -> list[dict[str, Any]] | None:
        """Run one named query in a savepoint; on failure switch the panel off (None)."""
        if not self._enabled(panel):
            return None
        conn = self._conn
        assert conn is not None
        query = queries.get(name)
        try:
            async with conn.transaction():
                cursor = await conn.execute(query.text, query.bind(params))
                rows = await cursor.fetchall()
        except psycopg.Error as exc:
            if conn.broken or conn.closed:
                raise ConnectionLost(
                    "connection to the database was lost during a poll", "reconnecting"
                ) from None
            error = translate(exc, self.dsn)
            permanent = isinstance(error, PrivilegeError | FeatureMissing)
            retry_at = None if permanent else time.monotonic() + self.panel_retry
            self._panels[panel] = _PanelState(error.message, retry_at)
            return None
        self._panels.pop(panel, None)
        if not probe:  # a one-row aggregate probe (like the server clock) reads no table rows
            self._rows += len(rows)
        self._queries += 1
        return rows

    # --- the poll ---------------------------------------------------------------------

    async def poll(self) -> Snapshot:
        """One consistent read of what changed; returns the whole picture as a Snapshot."""
        async with self._polling:
            return await self._poll()

    async def _poll(self) -> Snapshot:
        started = time.perf_counter()
        self._rows = 0
        self._queries = 0
        conn = await self._ensure_connection()
        try:
            async with read_only(conn):
                server = await (await conn.execute(queries.get("live/server").text)).fetchone()
                assert server is not None
                now: datetime = server["now"]
                await self._poll_events(now)
                stuck = await self._poll_stuck(now)
                connections = await self._poll_connections(now, server["max_connections"])
                await self._poll_slow(now)
        except DatabaseError:
            raise
        except psycopg.Error as exc:
            raise translate(exc, self.dsn) from None
        db_seconds = time.perf_counter() - started
        return self._snapshot(now, server, stuck, connections, db_seconds)

    async def _poll_events(self, now: datetime) -> None:
        start = window_start(now)
        first_load = self._events_from is None
        events_since = max(start, self._events_from or start)
        processed_since = self._processed_from or now - self.overlap
        fetched: dict[Any, dict[str, Any]] = {}
        processed_now: set[Any] = set()
        if first_load:
            # Everything older than the overlap margin arrives pre-aggregated; only the
            # last moments come row by row, so their ids can be deduplicated next time.
            cut = max(start, now - self.overlap)
            if not await self._initial_load(start, cut, processed_since):
                return  # retried on a later poll (the panel says why)
            events_since = self._events_from = cut

        arrivals = await self._fetch(EVENTS, "live/events_since", {"since": events_since})
        if arrivals is not None:
            for row in arrivals:
                fetched[row["id"]] = row
                if row["id"] in self._seen_arrivals:
                    continue
                self._seen_arrivals[row["id"]] = row["created_at"]
                self._window.add_arrival(row["created_at"], row["event_type"])
                done = row["processed_at"]
                if done is not None and done < processed_since:
                    # processed before the processed-delta range starts: count it here
                    self._count_processed(row, start)
                    processed_now.add(row["id"])
            self._events_from = now - self.overlap

        processed = await self._fetch(
            PROCESSED, "live/processed_since", {"since": processed_since, "window_start": start}
        )
        if processed is not None:
            for row in processed:
                if row["id"] in self._seen_processed or row["id"] in processed_now:
                    continue
                self._seen_processed[row["id"]] = row["processed_at"]
                processed_now.add(row["id"])
                self._count_processed(row, start)
                late = (
                    self._pending_loaded
                    and row["id"] not in self._seen_arrivals
                    and row["id"] not in self._pending
                    and row["created_at"] < events_since
                )
                if late and arrivals is not None:
                    self._window.add_arrival(row["created_at"], row["event_type"])
            self._processed_from = now - self.overlap
        elif self._processed_from is None:
            self._processed_from = processed_since  # the initial load counted up to here

        newest = await self._fetch(PROCESSED, "live/last_processed", probe=True)
        if newest is not None:
            self._last_processed_at = newest[0]["last_processed_at"] if newest else None

        await self._poll_unprocessed(now, start, events_since, fetched, processed_now)

        self._window.prune(start)
        horizon = now - self.overlap
        self._seen_arrivals = {k: v for k, v in self._seen_arrivals.items() if v >= horizon}
        self._seen_processed = {k: v for k, v in self._seen_processed.items() if v >= horizon}

    async def _initial_load(
        self, start: datetime, cut: datetime, processed_since: datetime
    ) -> bool:
        """The window aggregated in SQL, an hour per statement, applied only if all succeed.

        Why hours: a busy day (over a million events) takes longer to aggregate than the
        session's statement_timeout in one statement; hours of it do not, and all of them
        see the same snapshot (one REPEATABLE READ transaction).
        """
        rows: list[dict[str, Any]] = []
        chunk_start = start
        while chunk_start < cut:
            chunk_end = min(cut, chunk_start + INITIAL_CHUNK)
            chunk = await self._fetch(
                EVENTS,
                "live/initial_buckets",
                {"start": chunk_start, "cut": chunk_end, "processed_since": processed_since},
            )
            if chunk is None:
                return False
            rows.extend(chunk)
            chunk_start = chunk_end
        for row in rows:
            self._window.add_arrival(row["minute"], row["event_type"], int(row["events"]))
            if not row["counted"]:
                continue
            message = row["error_message"]
            self._window.add_processed_group(
                row["minute"],
                row["event_type"],
                int(row["bin"]),
                int(row["events"]),
                int(row["sum_us"]),
                int(row["max_us"]),
                self.classifier.classify(message) if message is not None else None,
                row["first_at"],
                row["last_at"],
            )
        return True

    def _count_processed(self, row: Mapping[str, Any], start: datetime) -> None:
        if row["created_at"] < start:
            return
        message = row["error_message"]
        group = self.classifier.classify(message) if message is not None else None
        self._window.add_processed(
            row["created_at"],
            row["event_type"],
            latency_us(row["created_at"], row["processed_at"]),
            group,
        )

    async def _poll_unprocessed(
        self,
        now: datetime,
        start: datetime,
        events_since: datetime,
        fetched: dict[Any, dict[str, Any]],
        processed_now: set[Any],
    ) -> None:
        cut = await self._poll_old_backlog(start)
        if self._summary_mode:
            rows = await self._fetch(
                UNPROCESSED,
                "live/unprocessed_summary",
                {"start": start, "retry_limit": self.retry_limit, "since": cut},
            )
            if rows is None:
                return
            groups = [
                PendingGroup(
                    r["first_at"],
                    r["last_at"],
                    r["event_type"],
                    r["error_message"],
                    int(r["events"]),
                    int(r["retryable"]),
                )
                for r in rows
            ]
            if sum(g.count for g in groups) > self.max_backlog_rows // 2:
                # Too large to track row by row: deletions and late processed_at of
                # unprocessed rows go unseen until the backlog shrinks again.
                self._pending, self._pending_loaded, self._settled = {}, False, None
                self._set_backlog(groups, start)
                return
            self._summary_mode = False
        tracked = await self._read_tracked(now, cut, processed_now)
        if tracked is None:
            return
        if self._pending_loaded:
            await self._reconcile(tracked, start, events_since, fetched, processed_now)
        self._pending = tracked.pending
        self._pending_loaded = True
        self._summary_mode = len(tracked.pending) > self.max_backlog_rows
        if tracked.changed:  # unchanged rows: the backlog and volatile errors stand as they are
            self._set_backlog(
                [
                    PendingGroup(
                        p.created_at,
                        p.created_at,
                        p.event_type,
                        p.error_message,
                        1,
                        int(p.retry_count < self.retry_limit),
                    )
                    for p in tracked.pending.values()
                ],
                start,
            )

    async def _poll_old_backlog(self, start: datetime) -> datetime:
        """Aggregate the unprocessed rows older than the window (slow cadence); the cut.

        Failed events keep processed_at NULL for good, so this part grows with retention;
        it only feeds the backlog panel's totals, never the windowed metrics.
        """
        due = self._old_cut is None or time.monotonic() >= self._old_due
        if due and self._enabled(UNPROCESSED):
            cut = max(start, self._old_cut or start)
            rows = await self._fetch(
                UNPROCESSED,
                "live/unprocessed_before",
                {"before": cut, "retry_limit": self.retry_limit},
            )
            if rows is not None:
                self._old_due = time.monotonic() + self.slow_interval
                self._old_cut = cut
                self._backlog_index = None
                self._old_groups = [
                    PendingGroup(
                        r["first_at"],
                        r["last_at"],
                        r["event_type"],
                        r["error_message"],
                        int(r["events"]),
                        int(r["retryable"]),
                    )
                    for r in rows
                ]
        return self._old_cut or OPEN_CUT

    async def _read_tracked(
        self, now: datetime, cut: datetime, processed_now: set[Any]
    ) -> _Tracked | None:
        """The unprocessed rows created since `cut`, by id; only the recent ones are shipped.

        Rows older than `recent` (settled) are held from the last read; one aggregate
        (count and hash), every `settled_check` seconds or when a cut moves, tells whether
        any of them changed. If so, or if nothing is held yet, every row since the cut is
        read again. Work in Python follows the recent rows too: the held ones are only
        walked when something changed.
        """
        held, recent_from = self._settled, self._recent_from
        valid = self._pending_loaded and held is not None and recent_from is not None
        keep_to = recent_from if recent_from is not None else now - self.recent
        if now - keep_to >= 2 * self.recent:
            keep_to = now - self.recent  # the recent range grew: settle its older part
        keep_to = max(keep_to, cut)
        check = (
            not valid
            or held is None
            or keep_to != held.end
            or cut != held.start
            or time.monotonic() >= self._settled_due
        )
        if check:
            fingerprint = await self._fingerprint(held if valid else None, cut, keep_to)
            if fingerprint is None:
                return None
            same = valid and held is not None and fingerprint[:2] == (held.rows, held.hash)
        else:
            fingerprint, same = None, True  # trusted until the next check is due
        since = recent_from if same and recent_from is not None else cut
        rows = await self._fetch(UNPROCESSED, "live/unprocessed", {"since": since})
        if rows is None:
            return None
        fresh = {
            row["id"]: _Pending(
                row["created_at"],
                row["event_type"],
                row["error_message"],
                row["retry_count"] or 0,
            )
            for row in rows
        }
        previous = self._pending
        if same:
            # Only the recent rows can differ from what is held, and settled rows that
            # were processed (seen in this poll's delta: the next check re-reads all).
            before = self._recent
            pending = dict(previous)
            done = [i for i in processed_now if i in pending and i not in before]
            for event_id in done:
                del pending[event_id]
            moved = held is not None and cut != held.start
            if moved:  # the old backlog's cut moved on: those rows are aggregated now
                pending = {i: p for i, p in pending.items() if p.created_at >= cut}
            left = [i for i, p in before.items() if i not in fresh and p.created_at >= cut]
            for event_id in left:
                pending.pop(event_id, None)
            pending.update(fresh)
            entered = {i: p for i, p in fresh.items() if i not in before}
            changed = moved or bool(done) or fresh != before
        else:
            pending = fresh
            entered = {i: p for i, p in fresh.items() if i not in previous}
            left = [i for i, p in previous.items() if i not in fresh and p.created_at >= cut]
            changed = True
        if fingerprint is not None:
            self._settled = _Settled(cut, keep_to, fingerprint[2], fingerprint[3])
            self._settled_due = time.monotonic() + self.settled_check
        self._recent_from = keep_to
        self._recent = {i: p for i, p in fresh.items() if p.created_at >= keep_to}
        return _Tracked(pending, entered, left, changed)

    async def _fingerprint(
        self, held: _Settled | None, cut: datetime, keep_to: datetime
    ) -> tuple[int, int, int, int] | None:
        """Count and hash of the held range (to compare) and of [cut, keep_to) (to keep)."""
        compare = (held.start, held.end) if held is not None else (cut, cut)
        rows = await self._fetch(
            UNPROCESSED,
            "live/unprocessed_fingerprint",
            {
                "compare_from": compare[0],
                "compare_to": compare[1],
                "keep_from": cut,
                "keep_to": keep_to,
                "scan_from": min(compare[0], cut),
                "scan_to": max(compare[1], keep_to),
            },
        )
        if rows is None:
            return None
        row = rows[0]
        return (
            int(row["compare_rows"]),
            int(row["compare_hash"]),
            int(row["keep_rows"]),
            int(row["keep_hash"]),
        )

    def _set_backlog(self, groups: list[PendingGroup], start: datetime) -> None:
        self._tracked_groups = groups
        self._backlog_index = None
        self._window.set_volatile(
            (
                g.first_at,
                g.last_at,
                g.event_type,
                self.classifier.classify(g.error_message),
                g.count,
            )
            for g in groups
            if g.error_message is not None and g.first_at >= start
        )

    async def _reconcile(
        self,
        tracked: _Tracked,
        start: datetime,
        events_since: datetime,
        fetched: dict[Any, dict[str, Any]],
        processed_now: set[Any],
    ) -> None:
        """Account for rows that entered the backlog without arriving, or left it unseen."""
        for event_id, row in tracked.entered.items():
            late = event_id not in self._seen_arrivals and start <= row.created_at < events_since
            if late:
                self._window.add_arrival(row.created_at, row.event_type)
        unexplained = []
        for event_id in tracked.left:
            if event_id in processed_now:
                continue
            row = fetched.get(event_id)
            if row is not None and row["processed_at"] is not None:
                self._count_processed(row, start)
            else:
                unexplained.append(event_id)
        if unexplained:
            await self._resolve_left(unexplained, start)

    async def _resolve_left(self, ids: list[Any], start: datetime) -> None:
        """Rows that left the backlog with no fresh processed_at: processed late, or deleted."""
        rows = await self._fetch(LOOKUP, "live/events_by_id", {"ids": ids})
        if rows is None:
            return
        found = {row["id"]: row for row in rows}
        for event_id in ids:
            row = found.get(event_id)
            if row is not None and row["processed_at"] is not None:
                self._count_processed(row, start)
            elif row is None:
                gone = self._pending[event_id]
                if gone.created_at >= start:
                    self._window.add_arrival(gone.created_at, gone.event_type, -1)

    async def _poll_stuck(self, now: datetime) -> StuckOrders | None:
        before = now - timedelta(minutes=self.stuck_minutes)
        rows = await self._fetch(
            STUCK_ORDERS, "live/stuck_orders", {"states": list(STUCK_STATES), "before": before}
        )
        if rows is None:
            return self._last.get(STUCK_ORDERS)
        oldest = min((r["oldest_updated_at"] for r in rows), default=None)
        stuck = StuckOrders(
            by_state=MappingProxyType({r["state"]: int(r["orders"]) for r in rows}),
            older_than_minutes=self.stuck_minutes,
            oldest_updated_at=oldest,
        )
        self._last[STUCK_ORDERS] = stuck
        return stuck

    async def _poll_connections(self, now: datetime, max_connections: int) -> Connections | None:
        rows = await self._fetch(CONNECTIONS, "live/connections")
        if rows is None:
            return self._last.get(CONNECTIONS)
        connections = build_connections(rows, now, max_connections)
        self._last[CONNECTIONS] = connections
        return connections

    async def _poll_slow(self, now: datetime) -> None:
        """Detector inputs that need more than deltas; run at most every slow_interval."""
        if time.monotonic() >= self._detector_due:
            self._detector_due = time.monotonic() + self.detector_interval
            await self._poll_hourly_detectors(now)
        if time.monotonic() < self._slow_due:
            return
        started = time.monotonic()
        rows = await self._fetch(
            PAID_WITHOUT_PAYMENT, "live/paid_without_payment", {"since": now - WINDOW}
        )
        # It reads a day of paid orders: on a small or quiet day that costs little and it
        # runs with the hourly detectors; when it is heavy it waits for the slow cadence.
        took = time.monotonic() - started
        cheap = took < CHEAP_QUERY_SECONDS
        self._slow_due = time.monotonic() + (
            self.detector_interval if cheap else self.slow_interval
        )
        if rows is not None:
            self._last[PAID_WITHOUT_PAYMENT] = PaidWithoutPayment(
                count=int(rows[0]["total"]) if rows else 0,
                examples=tuple(r["id"] for r in rows),
                oldest_updated_at=rows[0]["updated_at"] if rows else None,
            )

    async def _poll_hourly_detectors(self, now: datetime) -> None:
        """Duplicate event ids and notification failures over the last hour."""
        rows = await self._fetch(DUPLICATES, "live/duplicates_1h", {"since": now - 60 * MINUTE})
        if rows is not None:
            self._last[DUPLICATES] = Duplicates(
                duplicated_event_ids=int(rows[0]["duplicated_event_ids"]) if rows else 0,
                extra_copies=int(rows[0]["extra_copies"]) if rows else 0,
                examples=tuple(r["event_id"] for r in rows),
                first_seen=min((r["first_seen"] for r in rows), default=None),
            )
        rows = await self._fetch(
            NOTIFICATIONS, "live/notifications_1h", {"since": now - 60 * MINUTE}
        )
        if rows is not None:
            row = rows[0]
            self._last[NOTIFICATIONS] = NotificationStats(
                total_1h=int(row["total"]),
                failed_1h=int(row["failed"]),
                first_failed=row["first_failed"],
            )

    # --- building the Snapshot --------------------------------------------------------

    def _snapshot(
        self,
        now: datetime,
        server: Mapping[str, Any],
        stuck: StuckOrders | None,
        connections: Connections | None,
        db_seconds: float,
    ) -> Snapshot:
        start = window_start(now)
        current = minute_of(now)

        def since(minutes: int) -> datetime:
            return current - (minutes - 1) * MINUTE

        w = self._window
        last5 = w.aggregate(since(5), current)
        last10 = w.aggregate(since(10), current, histogram=False)
        last15 = w.aggregate(since(15), current)
        last60 = w.aggregate(since(60), current, by_type=True)
        day = w.aggregate(start, current, histogram=False)
        before15 = w.aggregate(start, since(15) - MINUTE)
        security_5m = sum(last5.groups[g].count for g in SECURITY_GROUPS if g in last5.groups)
        security_day = sum(day.groups[g].count for g in SECURITY_GROUPS if g in day.groups)
        slots = max(1.0, ((current - start) / MINUTE + 1 - 5) / 5)
        events_5m = last5.events
        errors = tuple(
            sorted(
                (
                    ErrorGroup(
                        message=group,
                        pattern=self.classifier.pattern_of(group),
                        count_1h=last60.groups[group].count if group in last60.groups else 0,
                        count_24h=agg.count,
                        last_seen=agg.last,
                        event_types=len(agg.types),
                        count_5m=last5.groups[group].count if group in last5.groups else 0,
                        first_seen=agg.first,
                        first_seen_5m=last5.groups[group].first if group in last5.groups else None,
                    )
                    for group, agg in day.groups.items()
                    if agg.count > 0
                ),
                key=lambda g: (-g.count_24h, g.message),
            )[:MAX_ERROR_GROUPS]
        )
        latency = tuple(
            LatencyStats(
                event_type=event_type,
                count=agg.count,
                avg_seconds=agg.avg_seconds,
                p95_seconds=agg.percentile(0.95),
                max_seconds=agg.max_seconds,
            )
            for event_type, agg in sorted(last60.latency_by_type.items())
        )
        if self._backlog_index is None:
            groups = [*self._tracked_groups, *self._old_groups]
            self._backlog_index = BacklogIndex(groups, self.retry_limit)
        recent = self._backlog_index.oldest_since(since(10))
        return Snapshot(
            taken_at=now,
            last_processed_at=self._last_processed_at,
            database=server["database"],
            server_version=server["server_version"],
            throughput=w.minute_buckets(start, current),
            event_types=w.event_types(),
            events_per_minute=events_5m / 5,
            events_5m=events_5m,
            errors_5m=last5.errors,
            error_rate_5m=100.0 * last5.errors / events_5m if events_5m else 0.0,
            errors=errors,
            latency=latency,
            avg_processing_seconds_1h=last60.latency.avg_seconds,
            p95_processing_seconds_1h=last60.latency.percentile(0.95),
            backlog=self._backlog_index.build(now),
            stuck_orders=stuck or StuckOrders(older_than_minutes=self.stuck_minutes),
            connections=connections or Connections(max_connections=server["max_connections"]),
            panel_errors=MappingProxyType(self.panel_errors),
            poll_seconds=db_seconds,
            events_10m=last10.events,
            processed_10m=last10.processed,
            oldest_unprocessed_10m_age_seconds=(now - recent).total_seconds() if recent else None,
            processed_5m=last5.processed,
            avg_processing_seconds_5m=last5.latency.avg_seconds,
            p95_processing_seconds_15m=last15.latency.percentile(0.95),
            p95_processing_seconds_baseline=before15.latency.percentile(0.95),
            security_rejections_5m=security_5m,
            security_baseline_per_5m=(security_day - security_5m) / slots,
            duplicates_1h=self._last.get(DUPLICATES),
            paid_without_payment=self._last.get(PAID_WITHOUT_PAYMENT),
            notifications=self._last.get(NOTIFICATIONS),
            rows_read=self._rows,
            queries_run=self._queries,
        )


def failed_snapshot(error: DatabaseError, taken_at: datetime) -> Snapshot:
    """The picture when the database could not be polled at all (db_connection_failure)."""
    return Snapshot(taken_at=taken_at, connection_error=str(error))
