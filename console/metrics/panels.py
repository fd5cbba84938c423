"""Names of the Collector's panels: each is one query that can fail on its own.

A failing panel records its reason in `Snapshot.panel_errors[name]`; triage uses the same
names to say which detectors could not judge and why.
"""

from __future__ import annotations

EVENTS = "events"
PROCESSED = "processed"
UNPROCESSED = "unprocessed"
LOOKUP = "lookup"
STUCK_ORDERS = "stuck_orders"
CONNECTIONS = "connections"
DUPLICATES = "duplicates"
PAID_WITHOUT_PAYMENT = "paid_without_payment"
NOTIFICATIONS = "notifications"
INDEXES = "indexes"  # the catalogue read that tells which panels wait for an index
STRIPE = "stripe"  # not a query: the Stripe Events API (console.stripe.watch)

# How a panel held back by a missing index states its reason (console/metrics/index_guard.py);
# screens show it as is. Here, not there: the first frame must not import the reader (psycopg).
WAITING = "waiting for an index"
FIX_MARK = "fix (incident-console doctor): "


def index_fix(reason: str) -> str | None:
    """The CREATE INDEX statement a waiting panel's reason ends with (None: not waiting)."""
    if not reason.startswith(WAITING) or FIX_MARK not in reason:
        return None
    return reason.split(FIX_MARK, 1)[1].strip() or None
