"""Scenarios of the sender's faults: what Stripe's deliveries look like when the sending
side is wrong (a secret, a clock, duplicates, a retry storm)."""

from __future__ import annotations

from console.training.cases.common import COMMON_HARM, RECENT, check, diagnose, frozen, step
from console.training.model import Briefing, Scenario

WRONG_SECRET = Scenario(
    id="wrong_secret",
    title="Every webhook rejected: Invalid signature",
    briefing=Briefing(
        alert="[P1] Stripe webhook signature failures > 10 in 5 min (orders-api)",
        severity="P1",
        at="03:12",
        symptoms=(
            "Stripe dashboard: endpoint returning 400 on every delivery",
            "webhook.log full of 'Invalid signature'",
            "a config deploy went out 20 minutes ago",
        ),
        customer_impact="Customers pay but their orders stay 'awaiting payment'.",
    ),
    faults=(("wrong_secret", frozen()),),
    diagnose_findings=("signature_failures",),
    checks=(check("recent_clean", seconds=RECENT), check("fault_off", fault="wrong_secret")),
    ideal_path=(
        *diagnose("signature_failures", "signature_failures", "count"),
        step("command", "webhook_status", "is the service up? which secret is loaded?"),
        step("command", "webhook_restart", "restart with the secret from the dashboard"),
    ),
    hints=(
        "Compare the secret the service loaded with the endpoint's secret in Stripe.",
        "Restart the webhook service once the right secret is configured.",
    ),
    harmful=COMMON_HARM,
    par_diagnose_seconds=120,
    par_resolve_seconds=480,
)

CLOCK_SKEW = Scenario(
    id="clock_skew",
    title="Deliveries rejected as too old",
    briefing=Briefing(
        alert="[P2] Event age validation failures on orders-api",
        severity="P2",
        at="02:47",
        symptoms=(
            "webhook.log: 'Event too old' on fresh events",
            "the host was restored from a snapshot last night",
        ),
        customer_impact="Payments are confirmed minutes late or not at all.",
    ),
    faults=(("clock_skew", frozen()),),
    diagnose_findings=("event_age_failures",),
    checks=(check("recent_clean", seconds=RECENT), check("fault_off", fault="clock_skew")),
    ideal_path=(
        *diagnose("event_age_failures", "event_age_failures", "rejections"),
        step("command", "time_status", "is the clock synchronised?"),
        step("command", "chrony_enable", "turn time synchronisation back on"),
    ),
    hints=(
        "'Event too old' on brand-new events means the two clocks disagree.",
        "Check time synchronisation on the host (time_status), then enable it.",
    ),
    harmful=COMMON_HARM,
    par_diagnose_seconds=180,
    par_resolve_seconds=480,
)

DUPLICATE_DELIVERIES = Scenario(
    id="duplicate_deliveries",
    title="Events processed twice",
    briefing=Briefing(
        alert="[P1] Idempotency conflicts: event_ids received more than once",
        severity="P1",
        at="11:05",
        symptoms=(
            "support: two confirmation e-mails for one order",
            "Stripe retried a burst of deliveries after a network blip",
        ),
        customer_impact="Some customers get double e-mails; refunds may run twice.",
    ),
    faults=(("duplicate_deliveries", frozen(ratio=0.5)),),
    diagnose_findings=("idempotency_conflicts",),
    checks=(
        check("no_duplicate_unprocessed"),
        check("no_new_duplicates", seconds=RECENT),
        check("fault_off", fault="duplicate_deliveries"),
    ),
    ideal_path=(
        *diagnose("idempotency_conflicts", "idempotency_conflicts", "duplicates"),
        step("command", "webhook_restart", "deploy the atomic duplicate check"),
        step("action", "delete_duplicate_events", "remove unprocessed copies only"),
    ),
    hints=(
        "The duplicate check and the insert are not atomic: two copies race past it.",
        "Fix the service first, then delete only the unprocessed copies.",
    ),
    harmful=(*COMMON_HARM, "fault_off_data_left"),
    par_diagnose_seconds=180,
    par_resolve_seconds=600,
)

RETRY_STORM = Scenario(
    id="retry_storm",
    title="Rate limiter rejecting deliveries",
    briefing=Briefing(
        alert="[P2] Rate limiting triggered on /api/webhooks/stripe",
        severity="P2",
        at="14:20",
        symptoms=(
            "webhook.log: 'Rate limit exceeded'",
            "delivery volume several times the usual",
        ),
        customer_impact="New payments are confirmed late while the storm lasts.",
    ),
    faults=(("retry_storm", frozen(burst=400)),),
    diagnose_findings=("rate_limiting",),
    checks=(check("fault_off", fault="retry_storm"), check("recent_clean", seconds=RECENT)),
    ideal_path=(
        *diagnose("rate_limiting", "rate_limiting", "rejections"),
        step("command", "webhook_restart", "restart with backoff and the raised limit"),
    ),
    hints=(
        "Compare the delivery volume with the limit: is this real traffic or redeliveries?",
        "Restart the service with the configured limit; Stripe backs off.",
    ),
    harmful=COMMON_HARM,
)
