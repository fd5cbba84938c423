"""Stripe events as the receiver sees them: parsing, outcomes, what each type does.

The error messages are the guide's words, stored in webhook_events.error_message and
matched by the console's patterns; keep them stable (no per-event details in them).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from console.core.guide_messages import (
    EVENT_TOO_OLD,
    INVALID_SIGNATURE,
    INVALID_STATE_TRANSITION,
    RATE_LIMIT_EXCEEDED,
)
from console.core.schema_contract import STATE_TRANSITIONS

# More error messages in the guide's words; the console's patterns match these.
MALFORMED_REQUEST = "Malformed request"
ORDER_NOT_FOUND = "Order not found"
DB_CONNECTION_FAILED = "Database connection failed"
DB_TIMEOUT = "Database query timeout"
DB_ERROR = "Database error"
POOL_EXHAUSTED = "Connection pool exhausted"
OVERLOADED = "Service overloaded"

# Every error_message the receiver writes (or answers with), by kind.
ERROR_MESSAGES: dict[str, str] = {
    "signature": INVALID_SIGNATURE,
    "event_age": EVENT_TOO_OLD,
    "rate_limit": RATE_LIMIT_EXCEEDED,
    "state_transition": INVALID_STATE_TRANSITION,
    "order_not_found": ORDER_NOT_FOUND,
    "malformed": MALFORMED_REQUEST,
    "db_connection": DB_CONNECTION_FAILED,
    "db_timeout": DB_TIMEOUT,
    "db_error": DB_ERROR,
    "pool_exhausted": POOL_EXHAUSTED,
    "overloaded": OVERLOADED,
}

# What each event type does to its order: the target state of the guide's state machine.
EVENT_TARGETS: dict[str, str] = {
    "payment_intent.succeeded": "paid",
    "payment_intent.payment_failed": "payment_failed",
    "charge.refunded": "refunded",
    "charge.dispute.created": "disputed",
    "checkout.session.completed": "pending_payment",
}


def valid_from(target: str) -> list[str]:
    """The states from which the guide's state machine allows `target`."""
    return [state for state, targets in STATE_TRANSITIONS.items() if target in targets]


@dataclass(frozen=True)
class EventInfo:
    """The fields of a Stripe event the receiver uses (parsed before it is trusted)."""

    event_id: str
    event_type: str
    created: float | None
    order_ref: str | None
    payment_intent: str | None
    amount_cents: int | None
    currency: str | None
    payload: Mapping[str, Any] = field(repr=False)


def parse_event(body: bytes) -> EventInfo | None:
    """Best-effort parse; None when the body is not a Stripe-shaped event."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    event_id, event_type = data.get("id"), data.get("type")
    if not isinstance(event_id, str) or not isinstance(event_type, str) or not event_id:
        return None
    created = data.get("created")
    obj = (data.get("data") or {}).get("object") if isinstance(data.get("data"), dict) else None
    obj = obj if isinstance(obj, dict) else {}
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    order_ref = metadata.get("order_id")
    intent_key = "id" if obj.get("object") == "payment_intent" else "payment_intent"
    intent = obj.get(intent_key)
    amount = obj.get("amount", obj.get("amount_total"))
    return EventInfo(
        event_id=event_id[:255],
        event_type=event_type[:255],
        created=float(created)
        if isinstance(created, int | float) and not isinstance(created, bool)
        else None,
        order_ref=str(order_ref) if order_ref is not None else None,
        payment_intent=intent if isinstance(intent, str) else None,
        amount_cents=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
        currency=obj.get("currency") if isinstance(obj.get("currency"), str) else None,
        payload=data,
    )


@dataclass(frozen=True)
class Outcome:
    status: int
    error: str | None = None
    note: str = ""
    order_id: Any = None


def typed_id(ref: str | None, id_type: str) -> Any:
    """The order reference as the orders.id column's type, or None if it cannot be one."""
    if ref is None:
        return None
    text = ref.strip()
    if id_type == "uuid":
        try:
            return uuid.UUID(text)
        except ValueError:
            return None
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None
