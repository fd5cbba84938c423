"""The detectors by finding id, in the guide's Quick Reference order.

A new detector goes in the module of its family (processing, errors, database, stripe), with its
id in GUIDE_ITEMS (findings.py), its panels in NEEDS (needs.py), its thresholds in
DEFAULT_THRESHOLDS (thresholds.py) and a runbook of the same name.
"""

from __future__ import annotations

from console.metrics.patterns import EVENT_TOO_OLD, INVALID_SIGNATURE, RATE_LIMIT_EXCEEDED
from console.triage.detectors.common import Detector
from console.triage.detectors.database import (
    db_connection_failure,
    idempotency_conflicts,
    inconsistent_orders,
    notification_failures,
    stuck_orders,
)
from console.triage.detectors.errors import counted, high_error_rate, security_anomaly
from console.triage.detectors.processing import (
    payments_not_processing,
    performance_degradation,
    processing_delay,
    processing_down,
)
from console.triage.detectors.stripe import undelivered_events

DETECTORS: dict[str, Detector] = {
    "processing_down": processing_down,
    "payments_not_processing": payments_not_processing,
    "security_anomaly": security_anomaly,
    "db_connection_failure": db_connection_failure,
    "high_error_rate": high_error_rate,
    "processing_delay": processing_delay,
    "signature_failures": counted(
        "signature_failures",
        "P1",
        INVALID_SIGNATURE,
        "signature_failures",
        "Signature validation failures: {count} in the last 5 min",
    ),
    "idempotency_conflicts": idempotency_conflicts,
    "stuck_orders": stuck_orders,
    "inconsistent_orders": inconsistent_orders,
    "rate_limiting": counted(
        "rate_limiting",
        "P2",
        RATE_LIMIT_EXCEEDED,
        "rate_limiting",
        "Rate limiting triggered: {count} rejections in the last 5 min",
    ),
    "event_age_failures": counted(
        "event_age_failures",
        "P2",
        EVENT_TOO_OLD,
        "event_age_failures",
        "Event age validation failures: {count} in the last 5 min",
    ),
    "notification_failures": notification_failures,
    "performance_degradation": performance_degradation,
    "undelivered_events": undelivered_events,
}

__all__ = ["DETECTORS", "Detector"]
