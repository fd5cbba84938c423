"""Panels that are not deltas: read whole by index, every poll or on their own cadence.

Stuck orders and the server's sessions are small and read every poll. Three detector
inputs need more than deltas (duplicate event_ids in the last hour, orders paid without
a completed payment, the notification failure rate); the first poll always includes
them. The two hourly ones run every `detector_interval_seconds` (10 s), so those faults
light within seconds; the day of paid orders too while it stays cheap (< 50 ms), else
every `slow_interval_seconds` (60 s). A panel whose query fails keeps its last value
(the reason is in the Snapshot's panel_errors).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from console.metrics.activity import build_connections
from console.metrics.buckets import MINUTE, WINDOW
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

STUCK_STATES = ("pending", "pending_payment")
CHEAP_QUERY_SECONDS = 0.05


class PeriodicPanels:
    """The last value of each non-delta panel, refreshed when due."""

    def __init__(
        self,
        *,
        stuck_minutes: float,
        detector_interval: float,
        slow_interval: float,
    ) -> None:
        self.stuck_minutes = stuck_minutes
        self.detector_interval = detector_interval
        self.slow_interval = slow_interval
        self._detector_due = 0.0
        self._slow_due = 0.0
        self._last: dict[str, Any] = {}

    @property
    def duplicates(self) -> Duplicates | None:
        return self._last.get(DUPLICATES)

    @property
    def paid_without_payment(self) -> PaidWithoutPayment | None:
        return self._last.get(PAID_WITHOUT_PAYMENT)

    @property
    def notifications(self) -> NotificationStats | None:
        return self._last.get(NOTIFICATIONS)

    async def stuck_orders(self, reader: PanelReader, now: datetime) -> StuckOrders | None:
        before = now - timedelta(minutes=self.stuck_minutes)
        rows = await reader.fetch(
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

    async def connections(
        self, reader: PanelReader, now: datetime, max_connections: int
    ) -> Connections | None:
        rows = await reader.fetch(CONNECTIONS, "live/connections")
        if rows is None:
            return self._last.get(CONNECTIONS)
        connections = build_connections(rows, now, max_connections)
        self._last[CONNECTIONS] = connections
        return connections

    async def detector_inputs(self, reader: PanelReader, now: datetime) -> None:
        """The detector inputs that need more than deltas, each when its cadence is due."""
        if time.monotonic() >= self._detector_due:
            self._detector_due = time.monotonic() + self.detector_interval
            await self._hourly(reader, now)
        if time.monotonic() < self._slow_due:
            return
        started = time.monotonic()
        rows = await reader.fetch(
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

    async def _hourly(self, reader: PanelReader, now: datetime) -> None:
        """Duplicate event ids and notification failures over the last hour."""
        rows = await reader.fetch(DUPLICATES, "live/duplicates_1h", {"since": now - 60 * MINUTE})
        if rows is not None:
            self._last[DUPLICATES] = Duplicates(
                duplicated_event_ids=int(rows[0]["duplicated_event_ids"]) if rows else 0,
                extra_copies=int(rows[0]["extra_copies"]) if rows else 0,
                examples=tuple(r["event_id"] for r in rows),
                first_seen=min((r["first_seen"] for r in rows), default=None),
            )
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
