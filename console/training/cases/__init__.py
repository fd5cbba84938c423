"""The scenario catalogue: data, one module per family of faults.

- sender.py    wrong_secret, clock_skew, duplicate_deliveries, retry_storm;
- database.py  connection_hog, stuck_orders (the database and the storefront);
- receiver.py  paid_without_payment, processor_down, slow_processing,
               notification_failures;
- stripe.py    missed_events (endpoint_down: Stripe's side, reconcile + redelivery).

A new scenario goes into its family's module and into `SCENARIOS_LIST` below (the order
is the listing's, and `random` picks from it by seed); `validate_scenarios` checks it.
"""

from __future__ import annotations

from console.training.cases.database import CONNECTION_HOG, STUCK_ORDERS
from console.training.cases.receiver import (
    NOTIFICATION_FAILURES,
    PAID_WITHOUT_PAYMENT,
    PROCESSOR_DOWN,
    SLOW_PROCESSING,
)
from console.training.cases.sender import (
    CLOCK_SKEW,
    DUPLICATE_DELIVERIES,
    RETRY_STORM,
    WRONG_SECRET,
)
from console.training.cases.stripe import MISSED_EVENTS
from console.training.model import Scenario

SCENARIOS_LIST: tuple[Scenario, ...] = (
    WRONG_SECRET,
    CLOCK_SKEW,
    DUPLICATE_DELIVERIES,
    CONNECTION_HOG,
    RETRY_STORM,
    STUCK_ORDERS,
    PAID_WITHOUT_PAYMENT,
    PROCESSOR_DOWN,
    SLOW_PROCESSING,
    NOTIFICATION_FAILURES,
    MISSED_EVENTS,
)

# Combined scenarios: several faults at once, listed by their parts.
COMBINED: dict[str, tuple[str, ...]] = {
    "processor_down+stuck_orders": ("processor_down", "stuck_orders"),
    "duplicate_deliveries+paid_without_payment": ("duplicate_deliveries", "paid_without_payment"),
}
