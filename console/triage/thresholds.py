"""Every detector threshold by name, with the guide's default, overridable in `[thresholds]`.

Why names: an operator tunes a detector in the settings file without reading code, and a
typo in a name must fail loudly (UnknownThreshold) rather than silently change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_THRESHOLDS: dict[str, float] = {
    "processing_down_grace_seconds": 60,  # an event younger than this may just be in flight
    "payments_not_processing_minutes": 5,
    "security_spike_factor": 5,  # times the 24 h baseline per 5 min
    "security_spike_min": 20,  # and at least this many rejections in 5 min
    "db_connection_usage_percent": 90,
    "high_error_rate_percent": 5,
    "processing_delay_seconds": 10,
    "signature_failures": 10,
    "idempotency_duplicates": 0,  # duplicated event_ids in the last hour
    "stuck_orders": 0,
    "inconsistent_orders": 0,
    "rate_limiting": 0,
    "event_age_failures": 0,
    "notification_failure_percent": 10,
    "performance_degradation_factor": 2,
    "performance_degradation_min_seconds": 0.5,  # a p95 under this is never "degraded"
    # read by the Collector, listed so they are known names
    "stuck_order_minutes": 60,
    "retry_limit": 3,
}


class UnknownThreshold(ValueError):
    """A threshold name no detector knows (a typo in the config would silently do nothing)."""


def resolve_thresholds(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Defaults with the overrides applied; an unknown name is an error naming it."""
    unknown = sorted(set(overrides or {}) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise UnknownThreshold(
            f"unknown threshold(s): {', '.join(unknown)} "
            f"(known: {', '.join(sorted(DEFAULT_THRESHOLDS))})"
        )
    return {**DEFAULT_THRESHOLDS, **{k: float(v) for k, v in (overrides or {}).items()}}
