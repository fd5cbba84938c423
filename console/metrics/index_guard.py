"""Panels that would scan a big table without their index say which index they wait for.

Why: without the indexes `doctor` recommends, the delta and window queries become full
scans of tables with millions of rows; on the issue's 10M events the dashboard then sat
for a minute with no word on why, and its scans landed on the database in trouble. The
catalogue (not the data) is read on the first poll and on the slow cadence: a panel
whose index is missing on a table estimated above `big_rows` is switched off with the
index it needs and the `doctor` fix (its CREATE INDEX CONCURRENTLY statement); the other
panels answer as usual, and the panel comes back by itself once the index exists.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from console.core.schema_contract import RECOMMENDED_INDEXES, RecommendedIndex
from console.metrics.panels import (
    DUPLICATES,
    EVENTS,
    FIX_MARK,
    INDEXES,
    NOTIFICATIONS,
    PAID_WITHOUT_PAYMENT,
    PROCESSED,
    STUCK_ORDERS,
    UNPROCESSED,
    WAITING,
)
from console.metrics.reader import PanelReader

BY_NAME = {index.name: index for index in RECOMMENDED_INDEXES}
# The index each panel's queries are written for (see the `-- index:` header of sql/live).
NEEDS: dict[str, tuple[str, ...]] = {
    EVENTS: ("webhook_events_created_at_idx",),
    PROCESSED: ("webhook_events_processed_at_idx",),
    UNPROCESSED: ("webhook_events_unprocessed_idx",),
    DUPLICATES: ("webhook_events_created_at_idx", "webhook_events_event_id_idx"),
    STUCK_ORDERS: ("orders_state_updated_at_idx",),
    PAID_WITHOUT_PAYMENT: ("orders_state_updated_at_idx", "payments_order_id_idx"),
    NOTIFICATIONS: ("notifications_created_at_idx",),
}
TABLES = sorted({BY_NAME[name].table for names in NEEDS.values() for name in names})


def missing_indexes(
    rows: Iterable[Mapping[str, Any]], big_rows: int
) -> dict[str, tuple[RecommendedIndex, int]]:
    """Recommended indexes absent (or invalid) on a table estimated above `big_rows`."""
    rows = list(rows)
    sizes = {row["table_name"]: int(row["estimated_rows"]) for row in rows}
    present = [row for row in rows if row["index_name"] is not None and row["valid"]]
    out: dict[str, tuple[RecommendedIndex, int]] = {}
    for index in RECOMMENDED_INDEXES:
        size = sizes.get(index.table)
        if size is None or size <= big_rows:
            continue
        if not any(index.served_by(row) for row in present):
            out[index.name] = (index, size)
    return out


def reason(index: RecommendedIndex, rows: int) -> str:
    where = f" where {index.where}" if index.where else ""
    return (
        f"{WAITING}: {index.table} has ~{rows:,} rows and no index on "
        f"({', '.join(index.columns)}){where}, so this panel would scan the whole table; "
        f"{FIX_MARK}{index.create_statement(concurrently=True)}"
    )


class IndexGuard:
    """Holds the panels whose index is missing on a big table; releases them when it exists."""

    def __init__(self, *, big_rows: int, interval: float) -> None:
        self.big_rows = big_rows
        self.interval = interval
        self._due = 0.0
        self._held: set[str] = set()
        # estimated entries by index name, as last read (a partial index's count is the size
        # of what it covers: webhook_events_unprocessed_idx's, the unprocessed backlog)
        self.index_rows: dict[str, int] = {}
        self.table_rows: dict[str, int] = {}  # estimated rows by table, as last read

    async def check(self, reader: PanelReader) -> None:
        if time.monotonic() < self._due:
            return
        rows = await reader.fetch(INDEXES, "live/index_check", {"tables": TABLES}, probe=True)
        if rows is None:
            return  # no catalogue access: the panels simply run (and may time out)
        self._due = time.monotonic() + self.interval
        self.index_rows = {
            row["index_name"]: int(row["index_rows"]) for row in rows if row["index_name"]
        }
        self.table_rows = {row["table_name"]: int(row["estimated_rows"]) for row in rows}
        missing = missing_indexes(rows, self.big_rows)
        held: set[str] = set()
        for panel, names in NEEDS.items():
            wanted = next((missing[name] for name in names if name in missing), None)
            if wanted is not None:
                reader.hold(panel, reason(*wanted))
                held.add(panel)
        for panel in self._held - held:
            reader.release(panel)
        self._held = held
