"""The detector that reads Stripe's side: events Stripe holds that the database lacks.

Only with a Stripe key (console.stripe.watch fills `Snapshot.stripe` on its own slow
cadence); without one it stays silent, and when Stripe could not be asked the detector
is disabled with that reason (the `stripe` panel error) rather than reporting healthy.
"""

from __future__ import annotations

from collections.abc import Mapping

from console.metrics.snapshot import Snapshot
from console.triage.detectors.common import duration_text
from console.triage.findings import Finding


def undelivered_events(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    side = s.stripe
    if side is None or side.error:
        return None
    count = side.undelivered
    if count <= t["undelivered_events"]:
        return None
    return Finding(
        "undelivered_events",
        "P1",
        f"Stripe holds {count} events of the last {duration_text(side.window_seconds)} that "
        f"were never processed ({side.missing} missing from webhook_events, {side.failed} "
        "failed)",
        float(count),
        t["undelivered_events"],
        "undelivered_events",
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
