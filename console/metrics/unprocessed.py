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
  type and error in SQL: a running total, to which each move of the cut (every
  `slow_interval_seconds`) adds the minutes the window left since the last one; the
  whole old history is recounted on a cadence stretched by its cost (0.6 s at 10M
  events, so about every 13 min; at most `OLD_RECOUNT_CEILING`; every move of the cut on
  a small history: cadence.py). They only feed the backlog panel's totals, never the
  windowed metrics; their changes (a retry reset, processing or deletion of old failed
  events) arrive up to that late, and each old group stands for its oldest row in the
  payment waiting ages (as in the summary mode).

A tracked row that leaves the set is accounted for: either its processed_at arrived in
the delta, or it is looked up by primary key (a late processed_at older than the
overlap, or a deletion, which takes its arrival back). A row that enters the set
without having arrived (inserted late with an old created_at) is a late arrival.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from console.metrics.backlog import BacklogIndex, JoinedIndex, PendingGroup
from console.metrics.buckets import MINUTE, minute_of
from console.metrics.cadence import RECOUNT_FACTOR, Cadence
from console.metrics.deltas import Delta, EventDeltas
from console.metrics.panels import LOOKUP, UNPROCESSED
from console.metrics.reader import PanelReader
from console.metrics.tracked import Pending, Tracked, TrackedRows

OPEN_CUT = datetime.min.replace(tzinfo=UTC)  # no old backlog aggregated yet: track every row
FAR = datetime.max.replace(tzinfo=UTC)
SETTLED_CEILING = 300.0  # the settled summary is re-read at least this often (seconds)
_Settled = tuple[datetime, datetime, list[PendingGroup]]  # (cut, split, groups) as last read
_Volatile = tuple[datetime, datetime, str, str, int]  # as MetricWindow.set_volatile takes them
_Parts = tuple[list[PendingGroup], ...]  # the backlog's groups, in parts indexed apart
# The old failed history (0.6 s to aggregate at 10M events) is recounted at least this often.
OLD_RECOUNT_CEILING = 1800.0


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


def _merged(held: list[PendingGroup], more: list[PendingGroup]) -> list[PendingGroup]:
    """Groups of the same type and error added together (the old backlog's running total)."""
    by_key = {(g.event_type, g.error_message): g for g in held}
    for group in more:
        key = (group.event_type, group.error_message)
        was = by_key.get(key)
        by_key[key] = (
            group
            if was is None
            else PendingGroup(
                min(was.first_at, group.first_at),
                max(was.last_at, group.last_at),
                group.event_type,
                group.error_message,
                was.count + group.count,
                was.retryable + group.retryable,
            )
        )
    return list(by_key.values())


def _trimmed(held: _Settled, cut: datetime) -> _Settled | None:
    """The settled summary without the minutes before the old backlog's new cut (they are
    in the old backlog's running total now); None if it must be read again."""
    _since, split, groups = held
    if cut > split or any(g.first_at < cut <= g.last_at for g in groups):
        return None
    return (cut, split, [g for g in groups if g.first_at >= cut])


class UnprocessedBacklog:
    """The unprocessed rows as groups for the backlog panel, and their volatile errors."""

    def __init__(
        self,
        deltas: EventDeltas,
        *,
        retry_limit: int,
        max_rows: int,
        slow_interval: float,
        recent: timedelta,
        settled_check_seconds: float,
    ) -> None:
        # the deltas' own window and classifier: the backlog's arrivals and errors must
        # count into the same minutes, grouped the same way, as the deltas' do
        self.deltas = deltas
        self.window = deltas.window
        self.classifier = deltas.classifier
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
        self._old_loaded = False  # False: the old history is not in the totals yet
        self._settled_deferred = False  # the first poll read the recent minutes only
        self._old_cadence = Cadence(slow_interval, slow_interval)  # the cut moves on
        self._old_recount = Cadence(slow_interval, OLD_RECOUNT_CEILING, factor=RECOUNT_FACTOR)
        self._tracked_parts: _Parts = ()
        self._index: JoinedIndex | None = None  # None: join the parts' indexes again
        # each part's index, by the part's identity: a part unchanged is not indexed again
        self._part_indexes: dict[int, tuple[list[PendingGroup], BacklogIndex]] = {}
        # summary mode: (cut, split, groups) of the settled minutes [cut, split), as last read
        self._settled_summary: _Settled | None = None
        self._settled_cadence = Cadence(
            settled_check_seconds, SETTLED_CEILING, factor=RECOUNT_FACTOR
        )
        self._dirty: set[datetime] = set()  # settled minutes a processed row came from
        self._summary_from: datetime | None = None  # minutes before it unchanged since last
        # the last errors given to the window's volatile part, and from which minute: the
        # backlog's waiting rows change every poll, its failed ones every few seconds
        self._volatile_given: tuple[list[_Volatile], datetime | None] | None = None

    def pending(self) -> Mapping[Any, Pending] | None:
        """The rows held by id, or None while the backlog is not tracked row by row."""
        return self._pending if self._pending_loaded else None

    @property
    def loading(self) -> str | None:
        """What the first poll on a big backlog left for the next one, if still left."""
        if self._settled_deferred:
            return "loading: the backlog before the last 5 min, read on the next poll"
        if self._old_cut is not None and not self._old_loaded:
            return "loading: failed history before the 24 h window, read on the next poll"
        return None

    def index(self) -> JoinedIndex:
        """Every group (tracked and old); each part sorted once after it changes."""
        if self._index is None:
            parts = (*self._tracked_parts, self._old_groups)
            indexes = [self._indexed(part) for part in parts]
            self._part_indexes = {id(p): (p, i) for p, i in zip(parts, indexes, strict=True)}
            self._index = JoinedIndex(indexes, self.retry_limit)
        return self._index

    def _indexed(self, part: list[PendingGroup]) -> BacklogIndex:
        held = self._part_indexes.get(id(part))
        if held is not None and held[0] is part:
            return held[1]
        index = BacklogIndex(part, self.retry_limit)
        self._part_indexes[id(part)] = (part, index)
        return index

    async def poll(
        self,
        reader: PanelReader,
        now: datetime,
        start: datetime,
        delta: Delta,
        *,
        defer: bool = False,
    ) -> None:
        """`defer`: the first poll on a big backlog reads its recent minutes only; the
        window's settled minutes and the old failed history wait for the next poll."""
        cut = await self._poll_old(reader, start, defer=defer)
        held = self._settled_summary
        if held is not None:
            self._dirty.update(m for m in delta.processed_minutes if held[0] <= m < held[1])
        if self._summary_mode:
            parts = await self._summary(reader, now, start, cut, defer=defer)
            if parts is None:
                return
            rows = sum(self._indexed(part).count for part in parts)
            if self._settled_deferred or rows > self.max_rows // 2:
                # Too large to track row by row: deletions and late processed_at of
                # unprocessed rows go unseen until the backlog shrinks again.
                self._pending, self._pending_loaded = {}, False
                self._tracked.forget_settled()
                self._set_groups(parts, start, since=self._summary_from)
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
            groups = [
                PendingGroup(
                    p.created_at,
                    p.created_at,
                    p.event_type,
                    p.error_message,
                    1,
                    int(p.retry_count < self.retry_limit),
                )
                for p in tracked.pending.values()
            ]
            self._set_groups((groups,), start)

    async def _summary(
        self, reader: PanelReader, now: datetime, start: datetime, cut: datetime, *, defer: bool
    ) -> _Parts | None:
        """The window's backlog per minute: the recent minutes each poll, the settled rest
        held from its last read. The settled minutes are re-read whole when their cadence
        is due (stretched by its cost on a big backlog, 3 min at 10M events: a failure,
        retry reset or deletion of a settled row shows up to that late); the minutes a
        processed row came from are re-read on the next poll (so an event processed late
        leaves at once), and those the old backlog's cut passed are dropped."""
        held = self._settled_summary
        if held is not None and held[0] != cut:
            held = self._settled_summary = _trimmed(held, cut)
        self._summary_from = None  # None: the settled minutes changed, replace them all
        if held is None and defer:  # the first poll on a big backlog: the recent minutes
            self._settled_deferred = True
            split = max(cut, minute_of(now - self.recent))
            recent = await self._summarised(reader, start, split, FAR)
            return None if recent is None else (recent,)
        if held is None or self._settled_cadence.due():
            split = max(cut, minute_of(now - self.recent))
            self._settled_cadence.start()
            rows = await self._summarised(reader, start, cut, split)
            self._settled_cadence.done()
            if rows is None:
                return None
            held = self._settled_summary = (cut, split, rows)
            self._settled_deferred = False
            self._dirty.clear()
        elif self._dirty:
            lo, hi = min(self._dirty), min(held[1], max(self._dirty) + MINUTE)
            self._dirty.clear()
            rows = await self._summarised(reader, start, lo, hi)
            if rows is None:
                return None
            kept = [g for g in held[2] if not lo <= g.first_at < hi]
            held = self._settled_summary = (held[0], held[1], [*kept, *rows])
            self._summary_from = lo  # only the minutes re-read and the recent ones changed
        else:
            self._summary_from = held[1]  # only the recent minutes can have changed
        rows = await self._summarised(reader, start, held[1], FAR)
        if rows is None:
            return None
        return (held[2], rows)

    async def _summarised(
        self, reader: PanelReader, start: datetime, since: datetime, until: datetime
    ) -> list[PendingGroup] | None:
        rows = await reader.fetch(
            UNPROCESSED,
            "live/unprocessed_summary",
            {"start": start, "retry_limit": self.retry_limit, "since": since, "until": until},
        )
        return None if rows is None else _groups(rows)

    async def _poll_old(self, reader: PanelReader, start: datetime, *, defer: bool) -> datetime:
        """Move the old backlog's cut up to the window's start (slow cadence); the cut.

        The minutes the window left are added to the running total; a recount, when due,
        replaces it (every change inside the old history is seen then). `defer` (the
        first poll, a big backlog): the cut is set, the old history counted next poll."""
        if defer and self._old_cut is None:
            self._old_cut = start
            return start
        due = not self._old_loaded or self._old_cadence.due()
        if due and reader.enabled(UNPROCESSED):
            cut = max(start, self._old_cut or start)
            recount = not self._old_loaded or self._old_recount.due()
            since = OPEN_CUT if recount else self._old_cut or OPEN_CUT
            self._old_cadence.start()
            if recount:
                self._old_recount.start()
            rows = await reader.fetch(
                UNPROCESSED,
                "live/unprocessed_before",
                {"since": since, "until": cut, "retry_limit": self.retry_limit},
            )
            self._old_cadence.done()
            if recount:
                self._old_recount.done()
            if rows is not None:
                self._old_cut, self._old_loaded = cut, True
                self._index = None
                groups = _groups(rows)
                self._old_groups = groups if recount else _merged(self._old_groups, groups)
        return self._old_cut or OPEN_CUT

    def _set_groups(self, parts: _Parts, start: datetime, *, since: datetime | None = None) -> None:
        """The backlog's groups; their errors replace the window's volatile part (only the
        minutes from `since` on when given: the rest is known unchanged)."""
        self._tracked_parts = parts
        self._index = None
        low = start if since is None else max(start, since)
        # a part whose groups all start before `low` has no minute to replace
        changed = [p for p in parts if (latest := self._indexed(p).latest) and latest >= low]
        rows = [
            (
                g.first_at,
                g.last_at,
                g.event_type,
                self.classifier.classify(g.error_message),
                g.count,
            )
            for part in changed
            for g in part
            if g.error_message is not None and g.first_at >= low
        ]
        if (rows, since) == self._volatile_given:
            return  # the same errors for the same minutes: the window has them already
        self.window.set_volatile(rows, since=since)
        self._volatile_given = (rows, since)

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
