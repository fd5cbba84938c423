"""The unprocessed backlog: tracked by id while small, summarised in SQL when large.

Failed events keep processed_at NULL for good, so the unprocessed set grows with
retention (~0.5 % of all events in a realistic history). Three parts keep the cost off
the table's size:

- the window's rows, tracked by id (tracked.py: recent minutes each poll, the settled
  rest by hash), so failures, retry resets and deletions are seen exactly;
- past `max_backlog_rows` (1 000 by default; processing is down and events pile up), the
  window's rows summarised per minute in SQL instead (see backlog.py): deletions and late
  processed_at of unprocessed rows then go unseen until the backlog shrinks again. The
  cap is a fixed number, not a share of the table, so the console's memory stays the
  same at 100k and at 10M events (tests/db/test_metrics_scale.py);
- the old rows (created before the 24 h window when last aggregated), counted per event
  type and error in SQL on the slow cadence (`slow_interval_seconds`, stretched by its
  cost up to 5 min on a big history: cadence.py). They only feed
  the backlog panel's totals, never the windowed metrics; their changes (a retry reset,
  processing or deletion of old failed events) arrive up to that late, and each old
  group stands for its oldest row in the payment waiting ages (as in the summary mode).

A tracked row that leaves the set is accounted for: either its processed_at arrived in
the delta, or it is looked up by primary key (a late processed_at older than the
overlap, or a deletion, which takes its arrival back). A row that enters the set
without having arrived (inserted late with an old created_at) is a late arrival.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from console.metrics.backlog import BacklogIndex, PendingGroup
from console.metrics.buckets import MetricWindow, minute_of
from console.metrics.cadence import Cadence
from console.metrics.deltas import Delta, EventDeltas
from console.metrics.panels import LOOKUP, UNPROCESSED
from console.metrics.patterns import ErrorClassifier
from console.metrics.reader import PanelReader
from console.metrics.tracked import Pending, Tracked, TrackedRows

OPEN_CUT = datetime.min.replace(tzinfo=UTC)  # no old backlog aggregated yet: track every row
FAR = datetime.max.replace(tzinfo=UTC)
SETTLED_CEILING = 60.0  # the settled summary is re-read at least this often (seconds)
# The old failed history (0.5 s to aggregate at 10M events) is re-read at least this often.
OLD_CEILING = 300.0


def _groups(rows: list[dict[str, Any]]) -> list[PendingGroup]:
    """Rows of the summary queries (`live/unprocessed_summary`, `_before`) as groups."""
    return [
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


class UnprocessedBacklog:
    """The unprocessed rows as groups for the backlog panel, and their volatile errors."""

    def __init__(
        self,
        window: MetricWindow,
        classifier: ErrorClassifier,
        deltas: EventDeltas,
        *,
        retry_limit: int,
        max_rows: int,
        slow_interval: float,
        recent: timedelta,
        settled_check_seconds: float,
    ) -> None:
        self.window = window
        self.classifier = classifier
        self.deltas = deltas
        self.retry_limit = retry_limit
        self.max_rows = max_rows
        self.slow_interval = slow_interval
        self.recent = recent
        self._tracked = TrackedRows(recent, settled_check_seconds)
        self._pending: dict[Any, Pending] = {}  # by id, while the backlog is read row by row
        self._pending_loaded = False
        self._summary_mode = True  # the first poll sizes the backlog before reading rows
        # Unprocessed rows created before _old_cut (older than the window: failed history)
        # are aggregated on the slow cadence; the rest is tracked by id.
        self._old_cut: datetime | None = None
        self._old_groups: list[PendingGroup] = []
        self._old_cadence = Cadence(slow_interval, OLD_CEILING)
        self._tracked_groups: list[PendingGroup] = []
        self._index: BacklogIndex | None = None  # None: rebuild from the groups
        # summary mode: (cut, split, groups) of the settled minutes [cut, split), as last read
        self._settled_summary: tuple[datetime, datetime, list[PendingGroup]] | None = None
        self._settled_cadence = Cadence(settled_check_seconds, SETTLED_CEILING)
        self._summary_from: datetime | None = None  # minutes before it unchanged since last

    def pending(self) -> Mapping[Any, Pending] | None:
        """The rows held by id, or None while the backlog is not tracked row by row."""
        return self._pending if self._pending_loaded else None

    def index(self) -> BacklogIndex:
        """Every group (tracked and old), sorted once after each change."""
        if self._index is None:
            groups = [*self._tracked_groups, *self._old_groups]
            self._index = BacklogIndex(groups, self.retry_limit)
        return self._index

    async def poll(self, reader: PanelReader, now: datetime, start: datetime, delta: Delta) -> None:
        cut = await self._poll_old(reader, start)
        if self._summary_mode:
            groups = await self._summary(reader, now, start, cut)
            if groups is None:
                return
            if sum(g.count for g in groups) > self.max_rows // 2:
                # Too large to track row by row: deletions and late processed_at of
                # unprocessed rows go unseen until the backlog shrinks again.
                self._pending, self._pending_loaded = {}, False
                self._tracked.forget_settled()
                self._set_groups(groups, start, since=self._summary_from)
                return
            self._summary_mode = False
            self._settled_summary = None
        tracked = await self._tracked.read(
            reader, now, cut, delta.processed_now, self._pending, self._pending_loaded
        )
        if tracked is None:
            return
        if self._pending_loaded:
            await self._reconcile(reader, tracked, start, delta)
        self._pending = tracked.pending
        self._pending_loaded = True
        self._summary_mode = len(tracked.pending) > self.max_rows
        if tracked.changed:  # unchanged rows: the backlog and volatile errors stand as they are
            self._set_groups(
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

    async def _summary(
        self, reader: PanelReader, now: datetime, start: datetime, cut: datetime
    ) -> list[PendingGroup] | None:
        """The window's backlog per minute: the recent minutes each poll, the settled rest
        when its cadence is due (it is stretched by its cost on a big backlog: a change
        to a settled row shows up to that late) or when the old backlog's cut moved."""
        held = self._settled_summary
        if held is None or held[0] != cut or self._settled_cadence.due():
            split = max(cut, minute_of(now - self.recent))
            self._settled_cadence.start()
            rows = await reader.fetch(
                UNPROCESSED,
                "live/unprocessed_summary",
                {"start": start, "retry_limit": self.retry_limit, "since": cut, "until": split},
            )
            self._settled_cadence.done()
            if rows is None:
                return None
            held = self._settled_summary = (cut, split, _groups(rows))
            self._summary_from = None  # the settled minutes changed too: replace them all
        else:
            self._summary_from = held[1]  # only the recent minutes can have changed
        rows = await reader.fetch(
            UNPROCESSED,
            "live/unprocessed_summary",
            {"start": start, "retry_limit": self.retry_limit, "since": held[1], "until": FAR},
        )
        if rows is None:
            return None
        return [*held[2], *_groups(rows)]

    async def _poll_old(self, reader: PanelReader, start: datetime) -> datetime:
        """Aggregate the unprocessed rows older than the window (slow cadence); the cut."""
        due = self._old_cut is None or self._old_cadence.due()
        if due and reader.enabled(UNPROCESSED):
            cut = max(start, self._old_cut or start)
            self._old_cadence.start()
            rows = await reader.fetch(
                UNPROCESSED,
                "live/unprocessed_before",
                {"before": cut, "retry_limit": self.retry_limit},
            )
            self._old_cadence.done()
            if rows is not None:
                self._old_cut = cut
                self._index = None
                self._old_groups = _groups(rows)
        return self._old_cut or OPEN_CUT

    def _set_groups(
        self, groups: list[PendingGroup], start: datetime, *, since: datetime | None = None
    ) -> None:
        """The backlog's groups; their errors replace the window's volatile part (only the
        minutes from `since` on when given: the rest is known unchanged)."""
        self._tracked_groups = groups
        self._index = None
        low = start if since is None else max(start, since)
        rows = (
            (
                g.first_at,
                g.last_at,
                g.event_type,
                self.classifier.classify(g.error_message),
                g.count,
            )
            for g in groups
            if g.error_message is not None and g.first_at >= low
        )
        self.window.set_volatile(rows, since=since)

    async def _reconcile(
        self, reader: PanelReader, tracked: Tracked, start: datetime, delta: Delta
    ) -> None:
        """Account for rows that entered the backlog without arriving, or left it unseen."""
        for event_id, row in tracked.entered.items():
            late = (
                event_id not in self.deltas.seen_arrivals
                and start <= row.created_at < delta.events_since
            )
            if late:
                self.window.add_arrival(row.created_at, row.event_type)
        unexplained = []
        for event_id in tracked.left:
            if event_id in delta.processed_now:
                continue
            row = delta.fetched.get(event_id)
            if row is not None and row["processed_at"] is not None:
                self.deltas.count_processed(row, start)
            else:
                unexplained.append(event_id)
        if unexplained:
            await self._resolve_left(reader, unexplained, start)

    async def _resolve_left(self, reader: PanelReader, ids: list[Any], start: datetime) -> None:
        """Rows that left the backlog with no fresh processed_at: processed late, or deleted."""
        rows = await reader.fetch(LOOKUP, "live/events_by_id", {"ids": ids})
        if rows is None:
            return
        found = {row["id"]: row for row in rows}
        for event_id in ids:
            row = found.get(event_id)
            if row is not None and row["processed_at"] is not None:
                self.deltas.count_processed(row, start)
            elif row is None:
                gone = self._pending[event_id]
                if gone.created_at >= start:
                    self.window.add_arrival(gone.created_at, gone.event_type, -1)
