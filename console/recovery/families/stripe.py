"""Stripe's side: redeliver the events Stripe holds that the database lacks.

No SQL write: the preview is the reconciliation (Stripe's Events API against
`sql/stripe/events_by_event_id.sql`) and the "write" is a signed POST to the endpoint,
whose own handler records and processes each event. `console.recovery.stripe_action`
runs it; `console.recovery.router` sends the action there.
"""

from __future__ import annotations

from console.recovery.model import ActionSpec, make_spec
from console.recovery.params import text_param

SPECS: tuple[ActionSpec, ...] = (
    make_spec(
        id="redeliver_stripe_events",
        title="Redeliver Stripe events the database lacks",
        description=(
            "Fetches each event of the window that Stripe holds and webhook_events lacks "
            "(missing, or failed and not processed) from Stripe's Events API and POSTs it "
            "to WEBHOOK_URL, signed with STRIPE_WEBHOOK_SECRET as Stripe signs, oldest "
            "first, at most half the receiver's rate limit; it stops at the first "
            "systematic failure. The guide's data recovery starts from the failed rows; "
            "an event that never arrived has no row, so only Stripe's side finds it. "
            "The endpoint's duplicate check makes a second run change nothing."
        ),
        preview="stripe/events_by_event_id",
        apply="",
        verify="stripe/events_by_event_id",
        key="id",
        kind="stripe",
        params={"since": "2h"},
        param_types={"since": text_param},
        findings=("undelivered_events",),
    ),
)
