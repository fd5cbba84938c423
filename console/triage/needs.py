"""Which Collector panels each detector reads: a failed panel disables the detector.

Why: a detector whose input could not be read must say so ("disabled: why") instead of
reporting healthy on a zero it never measured.
"""

from __future__ import annotations

from console.metrics import panels
from console.metrics.snapshot import Snapshot

_EVENT_PANELS = (panels.EVENTS, panels.PROCESSED, panels.UNPROCESSED)
NEEDS: dict[str, tuple[str, ...]] = {
    "processing_down": _EVENT_PANELS,
    "payments_not_processing": (panels.UNPROCESSED,),
    "security_anomaly": _EVENT_PANELS,
    "db_connection_failure": (panels.CONNECTIONS,),
    "high_error_rate": _EVENT_PANELS,
    "processing_delay": (panels.EVENTS, panels.PROCESSED),
    "signature_failures": _EVENT_PANELS,
    "idempotency_conflicts": (panels.DUPLICATES,),
    "stuck_orders": (panels.STUCK_ORDERS,),
    "inconsistent_orders": (panels.PAID_WITHOUT_PAYMENT,),
    "rate_limiting": _EVENT_PANELS,
    "event_age_failures": _EVENT_PANELS,
    "notification_failures": (panels.NOTIFICATIONS,),
    "performance_degradation": (panels.EVENTS, panels.PROCESSED),
    "undelivered_events": (panels.STRIPE,),
}


# Detectors judged against a 24 h baseline: while the history is still loading (the
# first polls on a big table, Snapshot.loading) the baseline is partial, so they wait.
DAY_BASELINE = frozenset({"security_anomaly", "performance_degradation"})
# While a big backlog's first poll has read only its last minutes (Snapshot.loading), the
# detectors reading its oldest waiting rows (or a day's baseline) wait; the others judge
# the last 5 minutes' errors, which are complete.
BACKLOG_AGES = frozenset({"processing_down", "payments_not_processing"}) | DAY_BASELINE


def _judges(snapshot: Snapshot, panel: str, detector: str) -> bool:
    """Whether a still-loading panel's partial reading is a judgment: the recent minutes
    are loaded first (not a day's baseline), and an order found paid without a payment
    is one, once part of the day has been read at all; the backlog's last minutes."""
    if panel in (panels.EVENTS, panels.PROCESSED):
        return detector not in DAY_BASELINE
    if panel == panels.UNPROCESSED:
        return detector not in BACKLOG_AGES
    if panel == panels.PAID_WITHOUT_PAYMENT:
        return snapshot.paid_without_payment is not None
    return False


def disabled_detectors(snapshot: Snapshot) -> dict[str, str]:
    """Detectors that could not judge this snapshot, with the reason (a failed panel)."""
    out: dict[str, str] = {}
    for detector, needed in NEEDS.items():
        for panel in needed:
            if panel in snapshot.panel_errors:
                out[detector] = f"{panel}: {snapshot.panel_errors[panel]}"
                break
            if panel in snapshot.loading and not _judges(snapshot, panel, detector):
                out[detector] = f"{panel}: {snapshot.loading[panel]}"
                break
    return out
