"""Scenarios of the receiver's faults: what the webhook service does wrong once a delivery
is in (payments not written, processing stopped or slow, e-mails failing)."""

from __future__ import annotations

from console.training.cases.common import COMMON_HARM, RECENT, check, diagnose, frozen, step
from console.training.model import Briefing, Scenario

PAID_WITHOUT_PAYMENT = Scenario(
    id="paid_without_payment",
    title="Orders paid without a payment record",
    briefing=Briefing(
        alert="[P1] Inconsistent orders: paid without a completed payment",
        severity="P1",
        at="16:40",
        symptoms=(
            "finance: the day's payments total is below the orders total",
            "a payments-table migration ran this afternoon",
        ),
        customer_impact="Customers are fine; the books are not, and refunds will fail.",
    ),
    faults=(("paid_without_payment", frozen(ratio=0.5)),),
    diagnose_findings=("inconsistent_orders",),
    checks=(
        check("fault_off", fault="paid_without_payment"),
        check("no_paid_without_payment"),
        check("finding_clear", finding="inconsistent_orders"),
    ),
    ideal_path=(
        *diagnose("inconsistent_orders", "advanced_data_consistency", "inconsistent"),
        step("command", "webhook_restart", "deploy the fix that writes the payment"),
        step("action", "insert_missing_payments", "money arrived: add the record"),
    ),
    hints=(
        "paid_at is set on these orders: the money did arrive.",
        "Stop the cause first, then insert the missing payments (do not revert).",
    ),
    harmful=(*COMMON_HARM, "fault_off_data_left"),
)

PROCESSOR_DOWN = Scenario(
    id="processor_down",
    title="Webhooks accepted, nothing processed",
    briefing=Briefing(
        alert="[P0] Webhook processing completely down (orders-api)",
        severity="P0",
        at="04:02",
        symptoms=(
            "Stripe shows 200s, yet no order moved to paid for minutes",
            "the worker pod was OOM-killed an hour ago",
        ),
        customer_impact="Every payment since the crash is unconfirmed.",
    ),
    faults=(("processor_down", frozen()),),
    diagnose_findings=("processing_down",),
    checks=(
        check("fault_off", fault="processor_down"),
        check("backlog_drained", seconds=3.0),
        check("recent_clean", seconds=RECENT),
    ),
    ideal_path=(
        *diagnose("processing_down", "processing_down", "throughput"),
        step("command", "webhook_status", "the worker is not running"),
        step("command", "webhook_restart", "restart it; it drains the backlog"),
    ),
    hints=(
        "Events arrive and are stored: the break is after the insert.",
        "Restart the webhook worker; it processes what is pending.",
    ),
    harmful=(*COMMON_HARM, "fault_off_data_left"),
    par_diagnose_seconds=120,
    par_resolve_seconds=420,
)

SLOW_PROCESSING = Scenario(
    id="slow_processing",
    title="Payments confirmed slowly",
    briefing=Briefing(
        alert="[P1] Webhook processing delay: average over 10 s",
        severity="P1",
        at="12:15",
        symptoms=(
            "orders reach 'paid' 10-15 s after Stripe's event",
            "a new fraud-scoring call was added to the handler today",
        ),
        customer_impact="Confirmation pages spin; some customers pay twice.",
    ),
    faults=(("slow_processing", frozen(seconds=12.0, backdate=True)),),
    diagnose_findings=("processing_delay",),
    checks=(
        check("fault_off", fault="slow_processing"),
        check("recent_fast", seconds=RECENT, max_avg_seconds=2.0),
    ),
    ideal_path=(
        *diagnose("processing_delay", "processing_delay", "avg"),
        step("command", "webhook_restart", "roll back the slow handler"),
    ),
    hints=(
        "Is the database slow, or the handler? Compare query times with processing times.",
        "Roll back the handler change (restart on the previous build).",
    ),
    harmful=COMMON_HARM,
)

NOTIFICATION_FAILURES = Scenario(
    id="notification_failures",
    title="Confirmation e-mails failing",
    briefing=Briefing(
        alert="[P2] Notification delivery issues: > 10 % failed in the last hour",
        severity="P2",
        at="10:10",
        symptoms=(
            "customers ask where their receipt is",
            "the mail provider's status page shows degraded SMTP",
        ),
        customer_impact="Orders go through; customers get no confirmation.",
    ),
    faults=(("notification_failures", frozen(ratio=0.6)),),
    diagnose_findings=("notification_failures",),
    checks=(
        check("fault_off", fault="notification_failures"),
        check("no_failed_notifications_recent", seconds=RECENT),
    ),
    ideal_path=(
        *diagnose("notification_failures", "notification_failures", "rate"),
        step("command", "webhook_restart", "switch to the fallback mail relay"),
    ),
    hints=(
        "Group the failures by last_error: one provider message dominates.",
        "Restart the service on the fallback relay.",
    ),
    harmful=COMMON_HARM,
)
