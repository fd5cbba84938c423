"""Scenarios of the database and the storefront that writes to it: sessions leaked idle
in a transaction, checkouts abandoned in pending."""

from __future__ import annotations

from console.training.cases.common import COMMON_HARM, check, diagnose, frozen, step
from console.training.model import Briefing, Scenario

CONNECTION_HOG = Scenario(
    id="connection_hog",
    title="Database connections exhausted",
    briefing=Briefing(
        alert="[P0] orders-db: connections > 90 % of max_connections",
        severity="P0",
        at="09:31",
        symptoms=(
            "webhook endpoint answering 503 'pool exhausted'",
            "pg_stat_activity full of 'idle in transaction' sessions",
        ),
        customer_impact="Checkout and payment confirmation fail intermittently.",
    ),
    faults=(("connection_hog", frozen()),),
    diagnose_findings=("db_connection_failure",),
    checks=(
        check("finding_clear", finding="db_connection_failure"),
        check("fault_off", fault="connection_hog"),
    ),
    ideal_path=(
        *diagnose("db_connection_failure", "db_connection_failure", "idle_tx"),
        step("command", "webhook_restart", "the leak is in the service: restart it"),
    ),
    hints=(
        "Look at the sessions by state: who is idle in transaction, and for how long?",
        "Restarting the leaking service releases its sessions; do not kill active ones.",
    ),
    harmful=COMMON_HARM,
    par_diagnose_seconds=120,
    par_resolve_seconds=420,
)

STUCK_ORDERS = Scenario(
    id="stuck_orders",
    title="Orders stuck in pending",
    briefing=Briefing(
        alert="[P1] Orders stuck in pending / pending_payment for over 1 h",
        severity="P1",
        at="07:55",
        symptoms=(
            "support: customers see 'processing' for hours",
            "the storefront deploy of last night touched the checkout flow",
        ),
        customer_impact="Abandoned checkouts block stock; customers cannot retry.",
    ),
    faults=(("stuck_orders", frozen(per_second=2.0)),),
    diagnose_findings=("stuck_orders",),
    checks=(check("fault_off", fault="stuck_orders"), check("no_stuck_pending")),
    ideal_path=(
        *diagnose("stuck_orders", "issue_state_transitions", "stuck"),
        step("command", "webhook_restart", "roll back the storefront change"),
        step("action", "reset_stuck_orders", "move pending orders without intent on"),
    ),
    hints=(
        "Which state are they stuck in, and do they have a payment intent?",
        "Only orders without a payment intent may be reset; the others need Stripe.",
    ),
    harmful=(*COMMON_HARM, "reset_orders_with_intent", "fault_off_data_left"),
)
