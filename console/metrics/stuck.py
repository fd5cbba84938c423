"""Stuck orders: recounted on a cadence stretched by its cost, the newly stuck added between.

Why: at 2M orders (496k of them stuck) the count is an index-only scan of half a million
entries, ~0.18 s each time; run every minute it was a quarter of the console's database
cost. An order becomes stuck when its updated_at passes `now - stuck_minutes`; between
two recounts each poll adds the orders that crossed that line since the last look (a few
seconds of updated_at on the (state, updated_at) index, so a newly stuck order counts
at once). An order that leaves (updated, paid, cancelled) or enters a stuck state without
a new updated_at is seen at the next recount only: at most `ceiling` seconds late (its
cost times `RECOUNT_FACTOR`: ~1/1200 of a core; 3.5 min at 10M events); until then the
count is an upper bound. On a small database the recount is cheap and runs every poll.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from console.metrics.cadence import RECOUNT_FACTOR, Cadence
from console.metrics.panels import STUCK_ORDERS
from console.metrics.reader import PanelReader
from console.metrics.snapshot import StuckOrders

STUCK_STATES = ("pending", "pending_payment")
EVER = datetime.min.replace(tzinfo=UTC)  # a recount: every stuck order, however old


class StuckOrdersWatch:
    """Orders waiting in a stuck state for over `minutes`, per state, and the oldest."""

    def __init__(self, minutes: float, ceiling: float, *, recount_base: float = 0.0) -> None:
        self.minutes = minutes
        # every look while the recount is cheap (`recount_base` 0), else stretched by its cost
        self._recount = Cadence(recount_base, ceiling, factor=RECOUNT_FACTOR)
        self._by_state: dict[str, int] = {}
        self._oldest: datetime | None = None
        self._counted_to: datetime | None = None  # stuck orders counted: updated_at below it
        self.last: StuckOrders | None = None

    async def look(self, reader: PanelReader, now: datetime) -> StuckOrders | None:
        """A recount when due, else the orders that became stuck since the last look."""
        before = now - timedelta(minutes=self.minutes)
        recount = self._counted_to is None or self._recount.due()
        since = EVER if recount else self._counted_to
        assert since is not None
        if since >= before:
            return self.last  # the server clock has not moved on
        if recount:
            self._recount.start()
        params = {"states": list(STUCK_STATES), "since": since, "before": before}
        rows = await reader.fetch(STUCK_ORDERS, "live/stuck_orders", params)
        if recount:
            self._recount.done()
        if rows is None:
            return self.last
        if recount:
            self._by_state, self._oldest = {}, None
        for row in rows:
            state = row["state"]
            self._by_state[state] = self._by_state.get(state, 0) + int(row["orders"])
            oldest = row["oldest_updated_at"]
            self._oldest = oldest if self._oldest is None else min(self._oldest, oldest)
        self._counted_to = before
        self.last = StuckOrders(
            by_state=MappingProxyType(dict(self._by_state)),
            older_than_minutes=self.minutes,
            oldest_updated_at=self._oldest,
        )
        return self.last
