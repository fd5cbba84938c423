"""Panels that are not deltas: read whole by index, every poll or on their own cadence.

The server's sessions are read every poll; stuck orders are recounted while that is cheap,
else on a cadence with the newly stuck added each poll (stuck.py). Three
detector inputs need more than deltas (duplicate event_ids in the last hour, orders paid
without a completed payment, the notification failure rate); the first poll always
includes them, then every `detector_interval_seconds` (10 s), so those faults light
within seconds. On a big table each expensive read is stretched by its cost
(cadence.py), so the console's database cost stays flat from 1M to 10M events; orders
paid without a payment are judged incrementally (paid_orders.py), never by re-reading a
day of orders. A panel whose query fails keeps its last value (the reason is in the
Snapshot's panel_errors).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console.metrics.activity import build_connections
from console.metrics.buckets import MINUTE
from console.metrics.cadence import Cadence
from console.metrics.duplicates import DuplicatesWatch
from console.metrics.paid_orders import PaidWithoutPaymentWatch
from console.metrics.panels import (
    CONNECTIONS,
    DUPLICATES,
    NOTIFICATIONS,
    PAID_WITHOUT_PAYMENT,
    STUCK_ORDERS,
)
from console.metrics.reader import PanelReader
from console.metrics.snapshot import (
    Connections,
    Duplicates,
    NotificationStats,
    PaidWithoutPayment,
    StuckOrders,
)
from console.metrics.stuck import StuckOrdersWatch

# a change only a full recount sees (a stuck order that left, a duplicate inserted late)
# shows at most this many slow intervals late
RECOUNT_SLOW_INTERVALS = 5
DEFERRABLE = (DUPLICATES, NOTIFICATIONS, PAID_WITHOUT_PAYMENT)  # the detector inputs


class PeriodicPanels:
    """The last value of each non-delta panel, refreshed when due."""

    def __init__(
        self,
        *,
        stuck_minutes: float,
        detector_interval: float,
        slow_interval: float,
        first_budget: float = 0.5,
    ) -> None:
        self.stuck_minutes = stuck_minutes
        self.detector_interval = detector_interval
        self.slow_interval = slow_interval
        # recounted on a cadence stretched by its cost, the newly stuck added each poll
        self._stuck = StuckOrdersWatch(stuck_minutes, RECOUNT_SLOW_INTERVALS * slow_interval)
        self._duplicates = Cadence(detector_interval, slow_interval)
        self._notifications = Cadence(detector_interval, slow_interval)
        self._paid = Cadence(detector_interval, slow_interval)
        # the first look judges the day while its budget lasts (all of it on a small
        # database or in a one-shot check); on a big one the rest fills in behind
        self.paid_watch = PaidWithoutPaymentWatch(first_budget=first_budget)
        # the hour read once, then only the new event_ids probed (duplicates.py)
        self.duplicates_watch = DuplicatesWatch(
            base=slow_interval, ceiling=RECOUNT_SLOW_INTERVALS * slow_interval
        )
        self._last: dict[str, Any] = {}
        self.deferred: set[str] = set()  # panels the first poll left for the next one

    @property
    def duplicates(self) -> Duplicates | None:
        return self.duplicates_watch.last

    @property
    def paid_without_payment(self) -> PaidWithoutPayment | None:
        return self._last.get(PAID_WITHOUT_PAYMENT)

    @property
    def notifications(self) -> NotificationStats | None:
        return self._last.get(NOTIFICATIONS)

    async def stuck_orders(
        self, reader: PanelReader, now: datetime, *, defer: bool = False
    ) -> StuckOrders | None:
        """`defer`: the first poll's budget is spent; read on the next poll (loading)."""
        if defer and self._stuck.last is None:
            self.deferred.add(STUCK_ORDERS)
            return None
        self.deferred.discard(STUCK_ORDERS)
        return await self._stuck.look(reader, now)

    async def connections(
        self, reader: PanelReader, now: datetime, max_connections: int
    ) -> Connections | None:
        rows = await reader.fetch(CONNECTIONS, "live/connections")
        if rows is None:
            return self._last.get(CONNECTIONS)
        connections = build_connections(rows, now, max_connections)
        self._last[CONNECTIONS] = connections
        return connections

    async def detector_inputs(
        self, reader: PanelReader, now: datetime, *, defer: bool = False
    ) -> None:
        """The detector inputs that need more than deltas, each when its cadence is due.

        `defer`: the first poll's budget is spent: all of them wait for the next poll."""
        if defer:
            self.deferred.update(DEFERRABLE)
            return
        self.deferred.difference_update(DEFERRABLE)
        if self._duplicates.due():
            self._duplicates.start()
            await self.duplicates_watch.look(reader, now)
            self._duplicates.done()
        if self._notifications.due():
            self._notifications.start()
            await self._read_notifications(reader, now)
            self._notifications.done()
        if self._paid.due() or self.paid_watch.loading(now):  # the day fills in first
            self._paid.start()
            paid = await self.paid_watch.look(reader, now)
            self._paid.done()
            if paid is not None:
                self._last[PAID_WITHOUT_PAYMENT] = paid

    async def _read_notifications(self, reader: PanelReader, now: datetime) -> None:
        """Notification deliveries and failures over the last hour."""
        rows = await reader.fetch(
            NOTIFICATIONS, "live/notifications_1h", {"since": now - 60 * MINUTE}
        )
        if rows is not None:
            row = rows[0]
            self._last[NOTIFICATIONS] = NotificationStats(
                total_1h=int(row["total"]),
                failed_1h=int(row["failed"]),
                first_failed=row["first_failed"],
            )
