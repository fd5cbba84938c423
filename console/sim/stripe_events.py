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
    obj = {
        **_data_object(event_type, payment_intent, amount_cents),
        "currency": currency,
        "metadata": metadata,
    }
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


def _data_object(event_type: str, payment_intent: str, amount_cents: int) -> dict[str, Any]:
    """What `data.object` holds for this event type, besides currency and metadata."""
    if event_type.startswith("payment_intent."):
        succeeded = event_type.endswith("succeeded")
        obj: dict[str, Any] = {
            "id": payment_intent,
            "object": "payment_intent",
            "amount": amount_cents,
            "status": "succeeded" if succeeded else "requires_payment_method",
        }
        if not succeeded:
            obj["last_payment_error"] = {
                "code": "card_declined",
                "message": "Your card was declined.",
            }
        return obj
    if event_type == "charge.refunded":
        refund = {"amount": amount_cents, "amount_refunded": amount_cents, "refunded": True}
        return _paying_object("ch", "charge", payment_intent, refund)
    if event_type == "charge.dispute.created":
        dispute = {
            "charge": stripe_id("ch"),
            "amount": amount_cents,
            "reason": "fraudulent",
            "status": "needs_response",
        }
        return _paying_object("dp", "dispute", payment_intent, dispute)
    if event_type == "checkout.session.completed":
        checkout = {"amount_total": amount_cents, "payment_status": "unpaid"}
        return _paying_object("cs", "checkout.session", payment_intent, checkout)
    return {"object": "unknown"}


def _paying_object(
    prefix: str, kind: str, payment_intent: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """A charge, dispute or checkout session: its own id, and the payment intent it is of."""
    return {"id": stripe_id(prefix), "object": kind, "payment_intent": payment_intent, **fields}


def encode(event: dict[str, Any]) -> bytes:
    """The body bytes Stripe would send (pretty-printed, as Stripe does)."""
    return json.dumps(event, indent=2).encode()
