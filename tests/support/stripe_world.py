"""Helpers for the Stripe-side tests: a ledger of events, the local Stripe API, and a
receiver to deliver to, all real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from console.sim.stripe_api import EventLedger
from console.sim.traffic import make_event

TYPES = ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded")


def fill_ledger(
    ledger: EventLedger,
    count: int,
    *,
    types: Iterable[str] = TYPES,
    start: float | None = None,
    step: float = 1.0,
    delivered_every: int = 0,
) -> list[dict[str, Any]]:
    """`count` events, one `step` seconds apart from `start` (default: count*step ago),
    cycling through `types`; every `delivered_every`-th gets a 200 attempt."""
    kinds = list(types)
    first = time.time() - count * step - 5 if start is None else start
    events = []
    for n in range(count):
        event = make_event(
            kinds[n % len(kinds)],
            order_id=n + 1,
            payment_intent=f"pi_test{n:06d}",
            amount_cents=1_000 + n,
            created=first + n * step,
        )
        ledger.record(event)
        if delivered_every and n % delivered_every == 0:
            ledger.attempt(event["id"], 200)
        else:
            ledger.attempt(event["id"], 0)
        events.append(event)
    return events
