"""The faults of the demo world: what each does, where it acts, the findings it lights.

The table is data: the receiver, the traffic generator and training look faults up by
name here, and `parse_fault_spec` reads the CLI's `name:key=value` form against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class FaultSpec:
    """What a fault does, where it acts, which findings it should light, its knobs."""

    name: str
    description: str
    acts_on: str  # "sender", "storefront", "receiver" or "database"
    findings: tuple[str, ...]
    defaults: Mapping[str, Any] = field(default_factory=dict)


def _spec(
    name: str, acts_on: str, findings: tuple[str, ...], description: str, **defaults: Any
) -> FaultSpec:
    return FaultSpec(name, description, acts_on, findings, MappingProxyType(defaults))


FAULTS: dict[str, FaultSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "wrong_secret",
            "sender",
            ("signature_failures", "high_error_rate", "security_anomaly"),
            "deliveries are signed with a secret the receiver does not know",
            secret=None,
        ),
        _spec(
            "clock_skew",
            "sender",
            ("event_age_failures", "high_error_rate"),
            "the sender's clock is off by more than the tolerance (negative: behind)",
            seconds=None,
        ),
        _spec(
            "duplicate_deliveries",
            "sender",
            ("idempotency_conflicts",),
            "events are delivered twice at once and race past a non-atomic duplicate check",
            copies=2,
            ratio=1.0,
        ),
        _spec(
            "connection_hog",
            "database",
            ("db_connection_failure",),
            "idle-in-transaction sessions fill the receiver's pool and >90 % of max_connections",
            fill_ratio=0.92,
            connections=None,
        ),
        _spec(
            "retry_storm",
            "sender",
            ("rate_limiting", "high_error_rate"),
            "bursts of redeliveries exceed the receiver's rate limit",
            burst=None,
        ),
        _spec(
            "stuck_orders",
            "storefront",
            ("stuck_orders",),
            "orders are abandoned in pending / pending_payment (backdated beyond 1 h)",
            per_second=1.0,
            age_seconds=7_200.0,
        ),
        _spec(
            "paid_without_payment",
            "receiver",
            ("inconsistent_orders",),
            "orders are marked paid but the payment row is never written",
            ratio=1.0,
        ),
        _spec(
            "processor_down",
            "receiver",
            ("processing_down", "payments_not_processing"),
            "deliveries are accepted and recorded but never processed",
        ),
        _spec(
            "slow_processing",
            "receiver",
            ("processing_delay", "performance_degradation"),
            "events are processed seconds after receipt (backdate=true: without waiting)",
            seconds=12.0,
            backdate=False,
        ),
        _spec(
            "endpoint_down",
            "receiver",
            ("undelivered_events", "processing_down"),
            "the endpoint is unreachable or answers 5xx before the handler: Stripe's "
            "deliveries fail and nothing reaches webhook_events (mode=5xx or unreachable)",
            mode="5xx",
            status=503,
        ),
        _spec(
            "notification_failures",
            "receiver",
            ("notification_failures",),
            "notifications after a payment fail to send",
            ratio=0.5,
            error="SMTP error: connection to mail server timed out",
        ),
    )
}


class FaultError(ValueError):
    """An unknown fault or parameter; the message lists what exists."""


def parse_fault_spec(text: str) -> list[tuple[str, dict[str, str]]]:
    """`"wrong_secret,slow_processing:seconds=15"` -> [(name, params)], checked against FAULTS.

    The form the CLI's `--scenario` takes; values stay text (FaultSet.enable coerces them).
    """
    parsed: list[tuple[str, dict[str, str]]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, *pairs = (piece.strip() for piece in item.split(":"))
        spec = FAULTS.get(name)
        if spec is None:
            raise FaultError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        params: dict[str, str] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or key.strip() not in spec.defaults:
                allowed = ", ".join(spec.defaults) or "none"
                raise FaultError(f"fault {name}: bad parameter {pair!r} (allowed: {allowed})")
            params[key.strip()] = value.strip()
        parsed.append((name, params))
    return parsed
