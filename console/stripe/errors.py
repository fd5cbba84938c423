"""Stripe's answers as one clear line each (RELIABILITY 29): 401, 403, 429, 5xx, no
connection, a page that ends early. Never a traceback, never an unmasked key."""

from __future__ import annotations

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


def translate(exc: BaseException, *, what: str, key: str, api_base: str) -> StripeProblem:
    """A stripe-python exception as a StripeProblem (`key` is already masked)."""
    import stripe

    status = getattr(exc, "http_status", None)
    should_retry = _header(exc, "stripe-should-retry")
    retryable = None if should_retry is None else should_retry == "true"
    detail = _stripe_message(exc)
    if isinstance(exc, stripe.AuthenticationError):
        return StripeProblem(
            "unauthorized",
            f"Stripe refused the key {key} (401) while {what}: it is expired, revoked or mistyped",
            READ_EVENTS_HINT,
            http_status=status,
        )
    if isinstance(exc, stripe.PermissionError):
        return StripeProblem(
            "permission",
            f"the key {key} may not read events (403) while {what}",
            "give the restricted key Events: Read (Stripe Dashboard -> Developers -> API keys)",
            http_status=status,
        )
    if isinstance(exc, stripe.RateLimitError):
        return StripeProblem(
            "rate_limited",
            f"Stripe rate-limited the console (429) while {what}",
            "wait a minute, or narrow the window or the types",
            http_status=status,
            retryable=retryable,
            retry_after=_retry_after(exc),
        )
    if isinstance(exc, stripe.APIConnectionError):
        return StripeProblem(
            "connection",
            f"cannot reach the Stripe API at {api_base} while {what}: {detail}",
            "check the network, a proxy, or STRIPE_API_BASE",
            retryable=retryable,
        )
    if isinstance(exc, stripe.InvalidRequestError) and status == 404:
        return StripeProblem(
            "not_found",
            f"Stripe has no such object while {what} (404): {detail}",
            "events older than 30 days, or from another account or mode, cannot be fetched",
            http_status=status,
        )
    if isinstance(exc, stripe.InvalidRequestError):
        return StripeProblem(
            "invalid_request",
            f"Stripe refused the request while {what} ({status}): {detail}",
            http_status=status,
        )
    if isinstance(exc, stripe.StripeError) and status is not None and status >= 500:
        return StripeProblem(
            "unavailable",
            f"Stripe answered {status} while {what}",
            "Stripe may be degraded (https://status.stripe.com); try again shortly",
            http_status=status,
            retryable=retryable,
        )
    return StripeProblem("error", f"Stripe call failed while {what}: {detail}", http_status=status)
