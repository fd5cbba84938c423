"""Verify a pasted `Stripe-Signature` header and raw body against the configured secrets.

Answers the guide's Solution 3 ("debug signature validation") without adding logging to
the handler: which configured secret (if any) signed this delivery, and how far its
timestamp is from this host's clock. The pasted values are only hashed, never stored,
echoed in full, or sent anywhere.
"""

from __future__ import annotations

from console.checks.context import CheckContext
from console.checks.result import CheckResult
from console.checks.signature import verify

NAME = "verify_pasted_signature"
NUL_MESSAGE = "the pasted text contains a NUL character: paste the header and raw body as text"


async def verify_pasted_signature(ctx: CheckContext) -> CheckResult:
    header = ctx.inputs.get("header")
    payload = ctx.inputs.get("payload")
    if not header or payload is None:
        return CheckResult(
            NAME, "skipped", "needs a pasted Stripe-Signature header and the raw request body"
        )
    if "\x00" in header:
        return CheckResult(NAME, "error", NUL_MESSAGE)
    secrets = ctx.settings.webhook_secrets()
    tolerance = ctx.settings.webhook_tolerance_seconds
    result = verify(
        payload.encode("utf-8", errors="surrogateescape"),
        header,
        secrets,
        tolerance_seconds=tolerance,
        now=ctx.clock(),
    )
    matched = result.matched_secret_index
    details = {
        "ok": bool(result.ok),
        "reason": result.reason,
        "message": result.message,
        "timestamp": result.timestamp,
        "skew_seconds": None if result.skew_seconds is None else round(result.skew_seconds, 1),
        "tolerance_seconds": tolerance,
        "matched_secret_index": matched,
        "matched_secret": secrets[matched].masked if matched is not None else None,
        "configured_secrets": [s.masked for s in secrets],
        "body_bytes": len(payload.encode("utf-8", errors="surrogateescape")),
    }
    which = f"secret #{matched + 1} ({secrets[matched].masked})" if matched is not None else ""
    skew = details["skew_seconds"]
    if result.ok:
        return CheckResult(NAME, "ok", f"valid: signed with {which}, {skew} s ago", details)
    if result.reason in ("timestamp_too_old", "timestamp_in_future"):
        summary = (
            f"signed with {which}, but the timestamp is {abs(skew or 0):.0f} s "
            f"{'old' if (skew or 0) > 0 else 'in the future'} (tolerance {tolerance} s): "
            "a clock or a queue problem, not the secret"
        )
    elif result.reason == "no_matching_signature":
        summary = (
            "no configured secret matches: either the endpoint's secret differs from "
            "STRIPE_WEBHOOK_SECRET, or the body is not byte-for-byte what was signed "
            "(re-serialised JSON or changed whitespace never verifies)"
            if secrets
            else "no signing secret is configured to check against"
        )
    else:
        summary = f"{result.message}: the header is unusable ({result.reason})"
    return CheckResult(NAME, "fail", summary, details)
