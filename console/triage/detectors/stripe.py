"""The detector that reads Stripe's side: events Stripe holds that the database lacks.

Only with a Stripe key (console.stripe.watch fills `Snapshot.stripe` on its own slow
cadence); without one it stays silent, and when Stripe could not be asked the detector
is disabled with that reason (the `stripe` panel error) rather than reporting healthy.
"""

from __future__ import annotations

from console.metrics.snapshot import Snapshot
from console.triage.detectors.common import Reading, duration_text, past_limit


@past_limit("undelivered_events", "P1", "undelivered_events")
def undelivered_events(s: Snapshot) -> Reading | None:
    side = s.stripe
    if side is None or side.error:
        return None
    return Reading(
        side.undelivered,
        f"Stripe holds {side.undelivered} events of the last "
        f"{duration_text(side.window_seconds)} that were never processed ({side.missing} "
        f"missing from webhook_events, {side.failed} failed)",
        {
            "missing": side.missing,
            "failed": side.failed,
            "by_type": dict(side.by_type),
            "examples": list(side.examples),
            "checked_at": side.checked_at.isoformat(),
            "complete": side.complete,
            "mode": side.mode,
        },
        side.oldest_created,
    )
