"""Scenarios of Stripe's side: deliveries that never reached the database.

The database alone cannot see these: while the endpoint was down nothing was written, so
no query over webhook_events shows a problem beyond a quiet spell. Only Stripe knows the
events (`undelivered_events`, through the Events API), and only a redelivery gets them
in without waiting days for Stripe's own retries.
"""

from __future__ import annotations

from console.training.cases.common import COMMON_HARM, RECENT, check, diagnose, frozen, step
from console.training.model import Briefing, Scenario

MISSED_EVENTS = Scenario(
    id="missed_events",
    title="Deliveries lost while the endpoint was down",
    briefing=Briefing(
        alert="[P1] Stripe: webhook deliveries to orders-api failing",
        severity="P1",
        at="14:20",
        symptoms=(
            "Stripe's dashboard shows failed deliveries to the webhook endpoint",
            "a deploy left the load balancer without healthy backends for a while",
            "webhook_events shows a quiet gap, but no errors",
        ),
        customer_impact="Payments made during the gap are not confirmed; Stripe retries "
        "them for up to three days, in no order.",
    ),
    faults=(("endpoint_down", frozen()),),
    diagnose_findings=("undelivered_events",),
    checks=(
        check("fault_off", fault="endpoint_down"),
        check("no_missed_events", seconds=5.0),
        check("recent_clean", seconds=RECENT),
    ),
    ideal_path=(
        *diagnose("undelivered_events", "recovery_data", "stripe"),
        step("command", "webhook_restart", "bring the endpoint back first"),
        step(
            "action",
            "redeliver_stripe_events",
            "redeliver what Stripe holds and the database lacks",
        ),
    ),
    hints=(
        "Nothing in webhook_events explains the gap: the events never arrived. Ask Stripe.",
        "Bring the endpoint back, then redeliver the missing events (preview, confirm).",
    ),
    harmful=(*COMMON_HARM, "fault_off_data_left"),
    par_diagnose_seconds=150,
    par_resolve_seconds=420,
)
