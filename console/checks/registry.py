"""The non-SQL checks by name, with the parameters each accepts (validated at load)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from console.checks.context import CheckFn


@dataclass(frozen=True)
class CheckSpec:
    """A check a runbook step can name. `inputs` are values the operator pastes."""

    name: str
    title: str
    fn: CheckFn
    params: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()


CheckRegistry = Mapping[str, CheckSpec]


@cache
def default_registry() -> dict[str, CheckSpec]:
    """Every shipped check. Importing this loads no heavy library (stripe, aiohttp)."""
    from console.checks import (
        clock,
        http,
        logs,
        settings_checks,
        stripe_test_event,
        verify_pasted,
    )

    specs = (
        CheckSpec(
            "webhook_secret_format",
            "Webhook signing secret format (masked)",
            settings_checks.webhook_secret_format,
        ),
        CheckSpec(
            "tolerance_settings",
            "Signature tolerance and event-age settings",
            settings_checks.tolerance_settings,
        ),
        CheckSpec(
            "configuration",
            "Appendix B environment variables (masked)",
            settings_checks.configuration,
        ),
        CheckSpec(
            "clock_skew",
            "Clock skew: this host vs the database and the endpoint",
            clock.clock_skew,
            params=("target",),
        ),
        CheckSpec(
            "signed_test_event",
            "Send a correctly signed test event to WEBHOOK_URL",
            stripe_test_event.signed_test_event,
            params=("event_type",),
        ),
        CheckSpec(
            "health_endpoints",
            "Health endpoints: status, latency, body",
            http.health_endpoints,
            params=("which", "slow_seconds"),
        ),
        CheckSpec(
            "verify_pasted_signature",
            "Verify a pasted Stripe-Signature header and raw body",
            verify_pasted.verify_pasted_signature,
            inputs=("header", "payload"),
        ),
        CheckSpec(
            "log_tail",
            "Tail a configured log source, filtered",
            logs.log_tail,
            params=("source", "lines", "pattern", "default_path"),
        ),
    )
    return {spec.name: spec for spec in specs}
