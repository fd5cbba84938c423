"""Orders paid without a completed payment, judged incrementally: each order checked once.

Why: the plain query (every order paid in the last 24 h, anti-joined to payments) grows
with the day's orders; at 2M orders it ran past the statement timeout on every try, so
the P1 `inconsistent_orders` was never raised. Instead:

- forward: each look judges only the orders whose updated_at is since the last look
  (minus an overlap margin for late commits), by the index on (state, updated_at);
- backward: the rest of the 24 h is filled in an hour per statement, newest first,
  while the look's budget lasts (the panel says it is still loading until then);
- the orders found are held by id (at most `cap`; they are anomalies, not the backlog)
  and re-checked by primary key, at most `recheck_batch` per look, those checked longest
  ago first, so one whose payment lands, or whose state moves on, leaves the count; one
  updated again keeps one entry. The batch keeps a look's cost flat however many are
  held (3.4k at 10M events re-checked on every look were ~0.15 s of database CPU a
  minute): an order clears at most ceil(held / batch) looks late (7 looks, about 70 s,
  for 3.4k held at the 10 s detector cadence); a new one is judged on the next look.

Past `cap` orders, the extra ones are counted per range but not held (nor re-checked)
until they age out of the window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from console.metrics.buckets import WINDOW
from console.metrics.panels import PAID_WITHOUT_PAYMENT
from console.metrics.reader import PanelReader
from console.metrics.snapshot import PaidWithoutPayment

CHUNK = timedelta(hours=1)
OVERLAP = timedelta(seconds=30)
EXAMPLES = 10


@dataclass
class _Held:
    updated_at: datetime
    text: str


class PaidWithoutPaymentWatch:
    """The orders paid without a completed payment over the last 24 h, kept by small looks."""

    def __init__(
        self,
        *,
        cap: int = 5_000,
        first_budget: float = 0.5,
        budget: float = 0.25,
        recheck_batch: int = 500,
    ) -> None:
        self.cap = cap
        self.recheck_batch = recheck_batch
        self.first_budget = first_budget  # the first look (a one-shot check: the whole day)
        self.budget = budget
        self._held: dict[Any, _Held] = {}
        self._extra: list[tuple[datetime, int]] = []  # (range end, orders not held)
        self._lo: datetime | None = None  # judged: [lo, hi)
        self._hi: datetime | None = None

    def loading(self, now: datetime) -> str | None:
        """What is still to judge, or None once the whole 24 h has been."""
        if self._lo is None or self._hi is None:
            return None
        if self._lo <= now - WINDOW:
            return None
        hours = (self._hi - self._lo) / timedelta(hours=1)
        return f"loading history: {hours:.1f} h of 24 h of paid orders judged so far"

    async def look(self, reader: PanelReader, now: datetime) -> PaidWithoutPayment | None:
        """One look: re-check the held orders, judge the new range, fill in the day."""
        deadline = time.monotonic() + (self.first_budget if self._hi is None else self.budget)
        start = now - WINDOW
        if self._held and not await self._recheck(reader):
            return None
        since = now - OVERLAP if self._hi is None else self._hi - OVERLAP
        if not await self._judge(reader, since, now):
            return None
        if self._lo is None:
            self._lo = since
        self._hi = now
        assert self._lo is not None
        while self._lo > start and time.monotonic() < deadline:
            chunk_start = max(start, self._lo - CHUNK)
            if not await self._judge(reader, chunk_start, self._lo):
                break
            self._lo = chunk_start
        self._prune(start)
        return self._reading()

    async def _recheck(self, reader: PanelReader) -> bool:
        """Re-check the `recheck_batch` held orders checked longest ago (dict order)."""
        batch = list(islice(self._held, self.recheck_batch))
        rows = await reader.fetch(
            PAID_WITHOUT_PAYMENT, "live/paid_without_payment_recheck", {"ids": batch}
        )
        if rows is None:
            return False
        still = {row["id"]: row["updated_at"] for row in rows}
        for order_id in batch:  # re-inserted at the end: checked last, checked again last
            held = self._held.pop(order_id)
            if order_id in still:
                self._held[order_id] = _Held(still[order_id], held.text)
        return True

    async def _judge(self, reader: PanelReader, start: datetime, end: datetime) -> bool:
        rows = await reader.fetch(
            PAID_WITHOUT_PAYMENT,
            "live/paid_without_payment_since",
            {"updated_from": start, "updated_to": end, "limit": self.cap + 1},
        )
        if rows is None:
            return False
        counted = 0
        for row in rows:
            if row["id"] in self._held or len(self._held) < self.cap:
                self._held[row["id"]] = _Held(row["updated_at"], row["id_text"])
                counted += 1
        extra = (int(rows[0]["total"]) if rows else 0) - counted
        if extra > 0:  # past the cap: counted for this range, not held
            self._extra.append((end, extra))
        return True

    def _prune(self, start: datetime) -> None:
        self._held = {i: h for i, h in self._held.items() if h.updated_at >= start}
        self._extra = [(end, n) for end, n in self._extra if end >= start]

    def _reading(self) -> PaidWithoutPayment:
        oldest = sorted(self._held.values(), key=lambda h: h.updated_at)[:EXAMPLES]
        return PaidWithoutPayment(
            count=len(self._held) + sum(n for _, n in self._extra),
            examples=tuple(h.text for h in oldest),
            oldest_updated_at=oldest[0].updated_at if oldest else None,
        )
