"""The demo world's Stripe: every event the simulator sends, behind a Stripe-shaped API.

`EventLedger` records each event and its delivery attempts; `StripeApi` serves it as
`/v1/events` and `/v1/events/{id}` with Stripe's filters, pagination, errors and Bearer
auth, so the console's real stripe-python client can be pointed at it
(`STRIPE_API_BASE`). Switches make it answer 429 or 5xx, or end a listing early.
"""

from console.sim.stripe_api.ledger import Attempt, EventLedger, LedgerEntry
from console.sim.stripe_api.server import (
    DEMO_NO_PERMISSION_KEY,
    DEMO_RESTRICTED_KEY,
    DEMO_SECRET_KEY,
    EVENTS_READ,
    StripeApi,
    ThreadedStripeApi,
)

__all__ = [
    "DEMO_NO_PERMISSION_KEY",
    "DEMO_RESTRICTED_KEY",
    "DEMO_SECRET_KEY",
    "EVENTS_READ",
    "Attempt",
    "EventLedger",
    "LedgerEntry",
    "StripeApi",
    "ThreadedStripeApi",
]
