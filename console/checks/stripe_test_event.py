"""Send a correctly signed test event to WEBHOOK_URL and read the answer with Appendix A.

The guide's test (`curl … -H "Stripe-Signature: t=1234567890,v1=test_signature"`) can only
fail: the timestamp is from 2009 and the signature is not an HMAC, so a correct endpoint
answers 400 whatever its state. This check signs a small `test.event` with the configured
secret and the current time, as Stripe would, so a 2xx proves secret, clock and endpoint
agree, and a 400 means one of them does not.

It refuses to send when the console is configured for live mode (an `sk_live_`/`rk_live_`
key) unless `allow_live` was given: a test event in a live system is a real delivery.
"""

from __future__ import annotations

import json
import uuid

from console.checks.context import CheckContext
from console.checks.http_codes import explain
from console.checks.result import CheckResult
from console.checks.signature import sign
from console.checks.web import HttpProblem, request

NAME = "signed_test_event"


def is_live(ctx: CheckContext) -> bool:
    key = ctx.settings.stripe_secret_key.reveal() if ctx.settings.stripe_secret_key else ""
    return key.startswith(("sk_live_", "rk_live_"))


def build_event(event_type: str, created: int) -> bytes:
    """The raw body: a minimal Stripe event object, livemode false, a unique id."""
    event = {
        "id": f"evt_console_test_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": event_type,
        "created": created,
        "livemode": False,
        "api_version": None,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": {"id": "console_test", "object": "test"}},
    }
    return json.dumps(event, separators=(",", ":")).encode("utf-8")


async def signed_test_event(ctx: CheckContext, event_type: str = "test.event") -> CheckResult:
    settings = ctx.settings
    if not settings.webhook_url:
        return CheckResult(NAME, "skipped", "WEBHOOK_URL is not set: nowhere to send a test event")
    secrets = settings.webhook_secrets()
    if not secrets:
        return CheckResult(
            NAME, "skipped", "STRIPE_WEBHOOK_SECRET is not set: cannot sign a test event"
        )
    if is_live(ctx) and not ctx.allow_live:
        return CheckResult(
            NAME,
            "skipped",
            "refused: STRIPE_SECRET_KEY is a live-mode key, so WEBHOOK_URL is treated as a "
            "live endpoint; a test event there is a real delivery — confirm explicitly "
            "(allow_live) to send it",
            {"refused": "live_mode"},
        )
    created = int(ctx.clock())
    payload = build_event(event_type, created)
    header = sign(payload, secrets[0].reveal(), created)
    event_id = json.loads(payload)["id"]
    try:
        answer = await request(
            "POST",
            settings.webhook_url,
            timeout=ctx.http_timeout,
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": header,
                "User-Agent": "incident-console signed test event",
            },
            data=payload,
        )
    except HttpProblem as exc:
        return CheckResult(
            NAME, "fail", str(exc), {"event_id": event_id, "url": settings.webhook_url}
        )
    details = {
        "event_id": event_id,
        "url": settings.webhook_url,
        "http_status": answer.status,
        "latency_ms": round(answer.latency_seconds * 1000, 1),
        "body": answer.body_summary(),
        "signed_with": secrets[0].masked,
        "reading": explain(answer.status),
    }
    if 200 <= answer.status < 300:
        return CheckResult(
            NAME,
            "ok",
            f"HTTP {answer.status}: the endpoint accepted a correctly signed event "
            f"({event_id}) — secret, clock and endpoint agree",
            details,
        )
    body = answer.body_summary().lower()
    hint = ""
    if answer.status == 400 and "too old" in body:
        hint = " — the endpoint says 'Event too old': its clock is off (run clock_skew)"
    elif answer.status == 400 and "signature" in body:
        hint = (
            f" — the endpoint rejects the signature made with {secrets[0].masked}: its "
            "secret differs from the console's (compare with the Stripe Dashboard)"
        )
    return CheckResult(NAME, "fail", explain(answer.status) + hint, details)
