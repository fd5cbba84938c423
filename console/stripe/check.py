"""Runbook check: does Stripe hold events of the window that the database lacks?

It lives here, above console.checks (it needs the Stripe side), and joins the shipped
checks in `console.runbooks.checks.step_checks`.

The runbooks' "Stripe dashboard showing failed deliveries" made checkable: list the
window's events through the Events API (a restricted key with Events: Read is enough)
and sort them against webhook_events. Fails when events are missing or failed, naming
the counts and the way to redeliver; skipped without a key (or with a live key unless
the operator allowed live mode); one clear line when Stripe says no.
"""

from __future__ import annotations

from console.checks.context import CheckContext
from console.checks.registry import CheckSpec
from console.checks.result import CheckResult

NAME = "stripe_reconciliation"


async def stripe_reconciliation(
    ctx: CheckContext, since: str = "2h", types: str = ""
) -> CheckResult:
    from console.stripe.client import StripeEvents
    from console.stripe.errors import StripeProblem
    from console.stripe.keys import StripeKeyRefused
    from console.stripe.reconcile import reconcile
    from console.stripe.window import WindowError, make_window

    if not ctx.settings.stripe_secret_key:
        return CheckResult(
            NAME,
            "skipped",
            "STRIPE_SECRET_KEY is not set: Stripe's side cannot be compared (a restricted key "
            "with Events: Read is enough)",
        )
    if ctx.conn is None:
        return CheckResult(
            NAME, "skipped", "no database connection to compare Stripe's events with"
        )
    try:
        window = make_window(since)
        events_api = StripeEvents.from_settings(ctx.settings, live=ctx.allow_live)
        wanted = [t.strip() for t in types.split(",") if t.strip()]
        rec = await reconcile(ctx.conn, events_api, window, types=wanted)
    except StripeKeyRefused as exc:
        return CheckResult(NAME, "skipped", exc.message, {"hint": exc.hint})
    except WindowError as exc:
        return CheckResult(NAME, "error", str(exc))
    except StripeProblem as exc:
        return CheckResult(NAME, "error", exc.line(), exc.to_json())
    counts = rec.counts()
    details = rec.to_json(sample=5)
    lacking = counts["missing"] + counts["failed"]
    if not rec.complete:
        problem = rec.listing.problem.line() if rec.listing.problem else "listing incomplete"
        return CheckResult(NAME, "error", f"Stripe's listing was incomplete: {problem}", details)
    if lacking:
        return CheckResult(
            NAME,
            "fail",
            f"Stripe holds {lacking} events of the last {since} that were never processed "
            f"({counts['missing']} missing from webhook_events, {counts['failed']} failed): "
            "redeliver them (action redeliver_stripe_events, or `incident-console reconcile "
            f"--since {since} --redeliver`)",
            details,
        )
    note = f"; {counts['unprocessed']} recorded but unprocessed" if counts["unprocessed"] else ""
    return CheckResult(
        NAME,
        "ok",
        f"all {len(rec.events)} Stripe events of the last {since} are in webhook_events{note}",
        details,
    )


SPEC = CheckSpec(
    NAME,
    "Stripe's events of the window against webhook_events",
    stripe_reconciliation,
    params=("since", "types"),
)
