"""Stripe's answers as one clear line each (RELIABILITY 29): 401, 403, 429, 5xx, no
connection, a page that ends early. Never a traceback, never an unmasked key."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from console.core.jsonable import pick
from console.stripe.keys import READ_EVENTS_HINT, scrub

ProblemKind = Literal[
    "key",
    "unauthorized",
    "permission",
    "rate_limited",
    "unavailable",
    "connection",
    "not_found",
    "invalid_request",
    "early_end",
    "error",
]

RETRYABLE: frozenset[str] = frozenset({"rate_limited", "unavailable", "connection"})


class StripeProblem(Exception):
    """Stripe could not answer what the console asked; `message` is the one line to show."""

    def __init__(
        self,
        kind: ProblemKind,
        message: str,
        hint: str = "",
        *,
        http_status: int | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        self.kind = kind
        self.message = scrub(message)
        self.hint = scrub(hint)
        self.http_status = http_status
        self.retryable = kind in RETRYABLE if retryable is None else retryable
        self.retry_after = retry_after
        self.attempts = attempts
        super().__init__(self.message)

    def line(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message

    def to_json(self) -> dict[str, Any]:
        return pick(self, "kind", "message", "hint", "http_status", "attempts")


def _header(exc: Any, name: str) -> str | None:
    headers = getattr(exc, "headers", None) or {}
    try:
        for key, value in dict(headers).items():
            if str(key).lower() == name:
                return str(value)
    except (TypeError, ValueError):
        return None
    return None


def _retry_after(exc: Any) -> float | None:
    raw = _header(exc, "retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


def _stripe_message(exc: Any) -> str:
    text = getattr(exc, "user_message", None) or getattr(exc, "_message", None) or str(exc)
    return " ".join(str(text).split())[:300] or type(exc).__name__


@dataclass(frozen=True)
class _Rule:
    """One row of the translation table; the first row that fits an exception wins."""

    catches: type[BaseException]
    kind: ProblemKind
    message: str  # a str.format template: {key}, {what}, {api_base}, {detail}, {status}
    hint: str = ""
    status_fits: Callable[[int | None], bool] | None = None
    keeps_status: bool = True  # the problem carries the answer's HTTP status
    asks_retry: bool = False  # Stripe's `Stripe-Should-Retry` header decides retryable
    waits: bool = False  # the problem carries the `Retry-After` header's seconds


@functools.cache
def _rules() -> tuple[_Rule, ...]:
    """The table, built on first use so that importing this module never imports stripe."""
    import stripe

    return (
        _Rule(
            stripe.AuthenticationError,
            "unauthorized",
            "Stripe refused the key {key} (401) while {what}: it is expired, revoked or mistyped",
            READ_EVENTS_HINT,
        ),
        _Rule(
            stripe.PermissionError,
            "permission",
            "the key {key} may not read events (403) while {what}",
            "give the restricted key Events: Read (Stripe Dashboard -> Developers -> API keys)",
        ),
        _Rule(
            stripe.RateLimitError,
            "rate_limited",
            "Stripe rate-limited the console (429) while {what}",
            "wait a minute, or narrow the window or the types",
            asks_retry=True,
            waits=True,
        ),
        _Rule(
            stripe.APIConnectionError,
            "connection",
            "cannot reach the Stripe API at {api_base} while {what}: {detail}",
            "check the network, a proxy, or STRIPE_API_BASE",
            keeps_status=False,
            asks_retry=True,
        ),
        _Rule(
            stripe.InvalidRequestError,
            "not_found",
            "Stripe has no such object while {what} (404): {detail}",
            "events older than 30 days, or from another account or mode, cannot be fetched",
            status_fits=lambda status: status == 404,
        ),
        _Rule(
            stripe.InvalidRequestError,
            "invalid_request",
            "Stripe refused the request while {what} ({status}): {detail}",
        ),
        _Rule(
            stripe.StripeError,
            "unavailable",
            "Stripe answered {status} while {what}",
            "Stripe may be degraded (https://status.stripe.com); try again shortly",
            status_fits=lambda status: status is not None and status >= 500,
            asks_retry=True,
        ),
        _Rule(BaseException, "error", "Stripe call failed while {what}: {detail}"),
    )


def translate(exc: BaseException, *, what: str, key: str, api_base: str) -> StripeProblem:
    """A stripe-python exception as a StripeProblem (`key` is already masked): the first
    rule that fits."""
    status = getattr(exc, "http_status", None)
    should_retry = _header(exc, "stripe-should-retry")
    retryable = None if should_retry is None else should_retry == "true"
    fields = {
        "key": key,
        "what": what,
        "api_base": api_base,
        "detail": _stripe_message(exc),
        "status": status,
    }
    for rule in _rules():
        if not isinstance(exc, rule.catches):
            continue
        if rule.status_fits and not rule.status_fits(status):
            continue
        return StripeProblem(
            rule.kind,
            rule.message.format(**fields),
            rule.hint,
            http_status=status if rule.keeps_status else None,
            retryable=retryable if rule.asks_retry else None,
            retry_after=_retry_after(exc) if rule.waits else None,
        )
    raise AssertionError("unreachable: the last rule catches every exception")
