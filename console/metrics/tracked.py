"""The window's unprocessed rows read by id, so that the cost follows the recent minutes.

`webhook_events` has no updated_at: a failure (error_message set), a retry reset
(error_message cleared, retry_count + 1) or a deletion of an unprocessed row changes no
timestamp. Re-reading the rows is how those changes are seen exactly, and the partial
index `processed_at IS NULL` keeps the read off the processed history. The rows created
since the cut (the start of the window, or of the old backlog's aggregation) come in
two parts by creation time:

- recent (the last `recent_seconds`, 5 min by default, up to twice that): re-read whole
  each poll;
- settled (from the cut to the recent part): held from the last read, by id. Every
  `settled_check_seconds` (5 s), or when a boundary moves, one aggregate returns the
  count and a hash of (id, type, created_at, error_message, retry_count) over them; if it
  differs from what is held, every row since the cut is read again. The database scans
  the window's unprocessed rows (one row comes back) and nothing is shipped while they
  are unchanged; a settled row processed meanwhile leaves at once (the processed delta).

A failure, retry reset, deletion or late processed_at of a settled row shows up to
`settled_check_seconds` late. The settled part trusts a 64-bit hash sum: a change that
leaves count and sum equal (a hash collision) goes unseen until the next change.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from console.metrics.panels import UNPROCESSED
from console.metrics.reader import PanelReader


@dataclass(frozen=True)
class Pending:
    """An unprocessed event as last read."""

    created_at: datetime
    event_type: str
    error_message: str | None
    retry_count: int


@dataclass(frozen=True)
class Tracked:
    """One poll's read of the tracked unprocessed rows, and how they differ from the last."""

    pending: dict[Any, Pending]
    entered: dict[Any, Pending]  # ids not held before
    left: list[Any]  # ids held before and gone (rows that moved to the old part excluded)
    changed: bool


@dataclass(frozen=True)
class _Settled:
    """Count and hash of the unprocessed rows created in [start, end), as last read."""

    start: datetime
    end: datetime
    rows: int
    hash: int


class TrackedRows:
    """Reads the unprocessed rows since a cut: the recent ones each poll, the settled by hash."""

    def __init__(self, recent: timedelta, settled_check_seconds: float) -> None:
        self.recent = recent
        self.settled_check = settled_check_seconds
        self._settled: _Settled | None = None
        self._settled_due = 0.0
        self._recent_from: datetime | None = None
        self._recent: dict[Any, Pending] = {}  # the held rows created since _recent_from

    def forget_settled(self) -> None:
        """Nothing held is trusted any more: the next read re-reads every row."""
        self._settled = None

    async def read(
        self,
        reader: PanelReader,
        now: datetime,
        cut: datetime,
        processed_now: set[Any],
        previous: dict[Any, Pending],
        loaded: bool,
    ) -> Tracked | None:
        """The unprocessed rows created since `cut`, by id; only the recent ones are shipped.

        `previous` is what the last read returned (`loaded`: whether there was one). Work
        in Python follows the recent rows too: the held ones are only walked when
        something changed.
        """
        held, recent_from = self._settled, self._recent_from
        valid = loaded and held is not None and recent_from is not None
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
            fingerprint = await self._fingerprint(reader, held if valid else None, cut, keep_to)
            if fingerprint is None:
                return None
            same = valid and held is not None and fingerprint[:2] == (held.rows, held.hash)
        else:
            fingerprint, same = None, True  # trusted until the next check is due
        since = recent_from if same and recent_from is not None else cut
        rows = await reader.fetch(UNPROCESSED, "live/unprocessed", {"since": since})
        if rows is None:
            return None
        fresh = {
            row["id"]: Pending(
                row["created_at"],
                row["event_type"],
                row["error_message"],
                row["retry_count"] or 0,
            )
            for row in rows
        }
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
        return Tracked(pending, entered, left, changed)

    @staticmethod
    async def _fingerprint(
        reader: PanelReader, held: _Settled | None, cut: datetime, keep_to: datetime
    ) -> tuple[int, int, int, int] | None:
        """Count and hash of the held range (to compare) and of [cut, keep_to) (to keep)."""
        compare = (held.start, held.end) if held is not None else (cut, cut)
        rows = await reader.fetch(
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
