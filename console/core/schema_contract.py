"""The schema contract: which tables and columns the console reads, and the indexes it wants.

One definition serves three users: the simulator creates exactly this schema, `doctor`
compares a real database against it, and detectors ask it which optional parts exist.
Id columns may be bigint or uuid; nothing here or downstream assumes either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from console.core.sqltext import core_sql


@dataclass(frozen=True)
class TableContract:
    name: str
    columns: tuple[str, ...]
    optional: bool = False
    id_columns: tuple[str, ...] = ("id",)


@dataclass(frozen=True)
class RecommendedIndex:
    """An index the console's queries rely on to stay cheap; `why` is shown by doctor."""

    name: str
    table: str
    columns: tuple[str, ...]
    where: str = ""
    why: str = ""

    def create_statement(self, concurrently: bool = True) -> str:
        """The CREATE INDEX statement (identifiers are fixed names from this module)."""
        template = core_sql("schema", "create_index")
        text = template.format(
            concurrently=" CONCURRENTLY" if concurrently else "",
            name=self.name,
            table=self.table,
            columns=", ".join(self.columns),
            where=" " + core_sql("schema", "index_predicate").format(predicate=self.where)
            if self.where
            else "",
        )
        return text + ";"

    def served_by(self, index: Mapping[str, Any]) -> bool:
        """Whether an index (a row of `live/index_check`) serves this one: same table, btree,
        these leading columns and this predicate; matched so, never by name."""
        columns = list(index["columns"] or [])
        return (
            index["table_name"] == self.table
            and index["method"] == "btree"
            and columns[: len(self.columns)] == list(self.columns)
            and _normalise_predicate(index["predicate"]) == _normalise_predicate(self.where)
        )


def _normalise_predicate(text: str | None) -> str:
    return re.sub(r"[\s()]+", "", (text or "").lower())


TABLES: tuple[TableContract, ...] = (
    TableContract(
        "webhook_events",
        (
            "id",
            "event_id",
            "event_type",
            "order_id",
            "created_at",
            "processed_at",
            "error_message",
            "retry_count",
        ),
        id_columns=("id", "order_id"),
    ),
    TableContract(
        "orders",
        (
            "id",
            "state",
            "created_at",
            "updated_at",
            "paid_at",
            "stripe_payment_intent_id",
            "total_amount_cents",
        ),
    ),
    TableContract(
        "payments",
        (
            "id",
            "order_id",
            "amount_cents",
            "currency",
            "payment_method",
            "status",
            "stripe_payment_intent_id",
            "processed_at",
        ),
        id_columns=("id", "order_id"),
    ),
    TableContract(
        "notifications",
        ("id", "order_id", "channel", "status", "attempts", "last_error", "created_at", "sent_at"),
        optional=True,
        id_columns=("id", "order_id"),
    ),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}

RECOMMENDED_INDEXES: tuple[RecommendedIndex, ...] = (
    RecommendedIndex(
        "webhook_events_created_at_idx",
        "webhook_events",
        ("created_at",),
        why="every time-window panel and detector reads events by created_at",
    ),
    RecommendedIndex(
        "webhook_events_event_id_idx",
        "webhook_events",
        ("event_id",),
        why="idempotency look-ups and the duplicate detector",
    ),
    RecommendedIndex(
        "webhook_events_processed_at_idx",
        "webhook_events",
        ("processed_at",),
        why="the live engine fetches newly processed events by processed_at",
    ),
    RecommendedIndex(
        "webhook_events_unprocessed_idx",
        "webhook_events",
        ("created_at",),
        where="processed_at IS NULL",
        why="backlog and failed-event panels read only unprocessed rows",
    ),
    RecommendedIndex(
        "webhook_events_order_id_idx",
        "webhook_events",
        ("order_id",),
        why="drill-down from an order to its events; race-condition check",
    ),
    RecommendedIndex(
        "orders_state_updated_at_idx",
        "orders",
        ("state", "updated_at"),
        why="stuck-order detection by state and age",
    ),
    RecommendedIndex(
        "orders_updated_at_idx",
        "orders",
        ("updated_at",),
        why="the live engine fetches changed orders by updated_at",
    ),
    RecommendedIndex(
        "payments_order_id_idx",
        "payments",
        ("order_id",),
        why="paid-without-payment checks join payments by order",
    ),
    RecommendedIndex(
        "notifications_created_at_idx",
        "notifications",
        ("created_at",),
        why="notification failure rate over the last hour",
    ),
)

# The guide's state machine (Issue 6, Solution 3). 'released' is a target of 'disputed'
# and has no way out in the guide; 'ready_for_handover' likewise.
STATE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("pending_payment", "cancelled"),
    "pending_payment": ("paid", "payment_failed", "cancelled"),
    "paid": ("ready_for_handover", "refunded", "disputed"),
    "payment_failed": ("pending_payment", "cancelled"),
    "cancelled": (),
    "refunded": (),
    "disputed": ("refunded", "released"),
    "ready_for_handover": (),
    "released": (),
}

KNOWN_STATES: tuple[str, ...] = tuple(STATE_TRANSITIONS)


def is_valid_transition(current: str, new: str) -> bool:
    return new in STATE_TRANSITIONS.get(current, ())
