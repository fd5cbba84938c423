"""Duplicated event_ids of the last hour: the hour read once, then only new event_ids probed.

Why: grouping an hour of events by event_id reads every row of the hour (~60 ms at 10M
events); on the detector cadence it was a third of the console's database cost. The
duplicated event_ids are few (anomalies), so after one read of the hour they are held
(at most `cap`) and each look asks the event_id index about those held and those that
arrived since the last look (the arrivals delta hands them over): an event_id copied
again, a copy deleted, or one whose first copy aged out of the hour are all seen on
the next look (the detector cadence, 10 s). The hour is read whole again every `base`
seconds (the slow interval), stretched by its cost (72 s at 10M events, at most
`ceiling`): a copy
inserted with a created_at older than the arrivals' overlap margin (which the deltas
do not see either) counts up to that late. Past `cap` duplicated event_ids, or `cap`
arrivals between two looks, every look reads the hour (stretched by its cost).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from console.metrics.buckets import MINUTE
from console.metrics.cadence import RECOUNT_FACTOR, Cadence
from console.metrics.panels import DUPLICATES
from console.metrics.reader import PanelReader
from console.metrics.snapshot import Duplicates

EXAMPLES = 10
HOUR = 60 * MINUTE


class DuplicatesWatch:
    """The last hour's duplicated event_ids, kept current by small probes between reads."""

    def __init__(self, *, base: float, ceiling: float, cap: int = 1_000) -> None:
        self.cap = cap
        self._reread = Cadence(base, ceiling, factor=RECOUNT_FACTOR)
        self._held: dict[str, tuple[int, datetime]] | None = None  # None: read the hour
        self._arrived: set[str] = set()  # event_ids arrived since the last look
        self.last: Duplicates | None = None

    def arrived(self, event_ids: Iterable[str]) -> None:
        """Event_ids that arrived in this poll's delta: probed on the next look."""
        if self._held is None:
            return
        self._arrived.update(event_ids)
        if len(self._arrived) > self.cap:  # a burst: the next look reads the hour
            self._held, self._arrived = None, set()

    async def look(self, reader: PanelReader, now: datetime) -> None:
        since = now - HOUR
        if self._held is None or self._reread.due():
            self._reread.start()
            rows = await reader.fetch(
                DUPLICATES, "live/duplicates_1h", {"since": since, "limit": self.cap + 1}
            )
            self._reread.done()
            if rows is None:
                return
            self._arrived.clear()
            if len(rows) > self.cap:  # too many to hold: the totals come from the read
                self._held = None
                self.last = _reading(_copies(rows[:EXAMPLES]), rows[0])
                return
            self._held = _copies(rows)
        else:
            probe = [*self._held, *(e for e in self._arrived if e not in self._held)]
            if probe:
                rows = await reader.fetch(
                    DUPLICATES, "live/duplicates_of", {"event_ids": probe, "since": since}
                )
                if rows is None:
                    return
                self._held = _copies(rows)  # every held id was probed: this is all of them
            self._arrived.clear()
        self.last = _reading(self._held, None)


def _copies(rows: list[dict[str, Any]]) -> dict[str, tuple[int, datetime]]:
    return {r["event_id"]: (int(r["copies"]), r["first_seen"]) for r in rows}


def _reading(held: dict[str, tuple[int, datetime]], totals: dict[str, Any] | None) -> Duplicates:
    """The panel: totals (from the read when given), the most copied as examples."""
    top = sorted(held.items(), key=lambda item: (-item[1][0], item[0]))[:EXAMPLES]
    return Duplicates(
        duplicated_event_ids=int(totals["duplicated_event_ids"]) if totals else len(held),
        extra_copies=(
            int(totals["extra_copies"]) if totals else sum(c - 1 for c, _ in held.values())
        ),
        examples=tuple(event_id for event_id, _ in top),
        first_seen=min((first for _, (_, first) in top), default=None),
    )
