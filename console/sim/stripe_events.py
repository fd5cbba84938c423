"""Stripe-shaped events as the sender builds them: ids, bodies, the bytes on the wire.

`evt_…` ids, `type`, `created`, `livemode: false` and a `data.object` that matches the
event type (a payment intent, a charge, a dispute or a checkout session) carrying the
`pi_…` id and `metadata.order_id`, as the guide's handler reads them.
"""

from __future__ import annotations

import json
import secrets
from typing import Any


def stripe_id(prefix: str) -> str:
    """An id shaped like Stripe's: prefix, underscore, 24 alphanumerics."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return f"{prefix}_" + "".join(secrets.choice(alphabet) for _ in range(24))


def make_event(
    event_type: str,
    *,
    order_id: Any,
    payment_intent: str,
    amount_cents: int,
    created: float,
    currency: str = "aud",
    event_id: str | None = None,
) -> dict[str, Any]:
    """A Stripe-shaped event for one order; `data.object` matches the event type."""
    metadata = {"order_id": str(order_id)} if order_id is not None else {}
    if event_type.startswith("payment_intent."):
        status = "succeeded" if event_type.endswith("succeeded") else "requires_payment_method"
        obj: dict[str, Any] = {
            "id": payment_intent,
            "object": "payment_intent",
            "amount": amount_cents,
            "currency": currency,
            "status": status,
            "metadata": metadata,
        }
        if status != "succeeded":
            obj["last_payment_error"] = {
                "code": "card_declined",
                "message": "Your card was declined.",
            }
    elif event_type == "charge.refunded":
        obj = {
            "id": stripe_id("ch"),
            "object": "charge",
            "payment_intent": payment_intent,
            "amount": amount_cents,
            "amount_refunded": amount_cents,
            "currency": currency,
            "refunded": True,
            "metadata": metadata,
        }
    elif event_type == "charge.dispute.created":
        obj = {
            "id": stripe_id("dp"),
            "object": "dispute",
            "charge": stripe_id("ch"),
            "payment_intent": payment_intent,
            "amount": amount_cents,
            "currency": currency,
            "reason": "fraudulent",
            "status": "needs_response",
            "metadata": metadata,
        }
    elif event_type == "checkout.session.completed":
        obj = {
            "id": stripe_id("cs"),
            "object": "checkout.session",
            "payment_intent": payment_intent,
            "amount_total": amount_cents,
            "currency": currency,
            "payment_status": "unpaid",
            "metadata": metadata,
        }
    else:
        obj = {"object": "unknown", "metadata": metadata}
    return {
        "id": event_id or stripe_id("evt"),
        "object": "event",
        "api_version": "2024-06-20",
        "type": event_type,
        "created": int(created),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }


def encode(event: dict[str, Any]) -> bytes:
    """The body bytes Stripe would send (pretty-printed, as Stripe does)."""
    return json.dumps(event, indent=2).encode()
