"""Checks of the console's own settings: signing secret format, tolerances, Appendix B.

Secrets are judged but never shown: every detail carries the mask (`whsec_…1a2b`), which
is enough to compare with the Stripe Dashboard and useless to anyone reading the screen.
"""

from __future__ import annotations

import re
from typing import Any

from console.checks.context import CheckContext
from console.checks.result import CheckResult, CheckStatus
from console.core.config import Secret

GUIDE_MIN_SECRET_LENGTH = 64  # the guide: "Should start with 'whsec_' and be 64+ characters"
TRUNCATED_BELOW = 20
DEFAULT_TOLERANCE_SECONDS = 300
DEFAULT_MAX_EVENT_AGE_SECONDS = 3600
_SECRET_BODY = re.compile(r"^[A-Za-z0-9+/=_-]+$")
_RANK = {"ok": 0, "skipped": 0, "warn": 1, "fail": 2, "error": 3}

SECURITY_WARNING = (
    "the guide: 'be careful with security implications' — a wider window lets a captured "
    "delivery be replayed for longer; fix the clock or the slow handler instead"
)


def _worst(statuses: list[CheckStatus]) -> CheckStatus:
    return max(statuses, key=lambda s: _RANK[s]) if statuses else "ok"


def judge_secret(secret: Secret) -> tuple[CheckStatus, str]:
    """(status, reason) for one signing secret, by format alone."""
    value = secret.reveal()
    if value != value.strip() or any(c in value for c in "\"'"):
        return "fail", "has surrounding spaces, a newline or quotes (a copy-paste accident)"
    if value.startswith(("sk_", "rk_", "pk_")):
        return "fail", "is a Stripe API key, not an endpoint signing secret (whsec_…)"
    if not value.startswith("whsec_"):
        return "fail", "does not start with 'whsec_'"
    if len(value) < TRUNCATED_BELOW or not _SECRET_BODY.match(value[len("whsec_") :]):
        return "fail", f"looks truncated or damaged ({len(value)} characters)"
    if len(value) < GUIDE_MIN_SECRET_LENGTH:
        return "warn", (
            f"is {len(value)} characters, under the guide's 64+; Dashboard secrets are often "
            "shorter (whsec_ + 32), so compare the masked ending with the Dashboard"
        )
    return "ok", f"starts with whsec_ and is {len(value)} characters"


async def webhook_secret_format(ctx: CheckContext) -> CheckResult:
    """The guide's `echo $STRIPE_WEBHOOK_SECRET`, without printing the secret."""
    secrets = ctx.settings.webhook_secrets()
    if not secrets:
        return CheckResult(
            "webhook_secret_format",
            "fail",
            "STRIPE_WEBHOOK_SECRET is not set: no delivery can be verified",
            {"configured": 0},
        )
    judged = [(s.masked, *judge_secret(s)) for s in secrets]
    status = _worst([status for _, status, _ in judged])
    first = next((j for j in judged if j[1] == status), judged[0])
    label = "current secret" if first is judged[0] else "a rotation secret"
    summary = f"{label} {first[0]} {first[2]}"
    if len(judged) > 1:
        summary += f" ({len(judged)} secrets configured)"
    return CheckResult(
        "webhook_secret_format",
        status,
        summary,
        {
            "configured": len(judged),
            "secrets": [{"masked": m, "status": st, "reason": r} for m, st, r in judged],
        },
    )


async def tolerance_settings(ctx: CheckContext) -> CheckResult:
    """WEBHOOK_TOLERANCE_SECONDS and MAX_EVENT_AGE_SECONDS against the guide's defaults."""
    s = ctx.settings
    notes: list[tuple[CheckStatus, str]] = []
    for name, value, default in (
        ("WEBHOOK_TOLERANCE_SECONDS", s.webhook_tolerance_seconds, DEFAULT_TOLERANCE_SECONDS),
        ("MAX_EVENT_AGE_SECONDS", s.max_event_age_seconds, DEFAULT_MAX_EVENT_AGE_SECONDS),
    ):
        if value > default:
            notes.append(("warn", f"{name}={value} is above the default {default}: "))
        elif value < default // 5:
            notes.append(
                (
                    "warn",
                    f"{name}={value} is far below the default {default}: genuine deliveries "
                    "delayed by retries or a small clock skew will be rejected",
                )
            )
    summary_parts = [text + SECURITY_WARNING if text.endswith(": ") else text for _, text in notes]
    status = _worst([status for status, _ in notes])
    summary = "; ".join(summary_parts) or (
        f"WEBHOOK_TOLERANCE_SECONDS={s.webhook_tolerance_seconds}, "
        f"MAX_EVENT_AGE_SECONDS={s.max_event_age_seconds} (the guide's defaults or tighter)"
    )
    return CheckResult(
        "tolerance_settings",
        status,
        summary,
        {
            "webhook_tolerance_seconds": s.webhook_tolerance_seconds,
            "max_event_age_seconds": s.max_event_age_seconds,
            "rate_limit_window_ms": s.rate_limit_window_ms,
            "rate_limit_max_events": s.rate_limit_max_events,
            "defaults": {
                "webhook_tolerance_seconds": DEFAULT_TOLERANCE_SECONDS,
                "max_event_age_seconds": DEFAULT_MAX_EVENT_AGE_SECONDS,
                "rate_limit_window_ms": 60_000,
                "rate_limit_max_events": 100,
            },
        },
    )


REQUIRED = (
    ("STRIPE_SECRET_KEY", "stripe_secret_key"),
    ("STRIPE_WEBHOOK_SECRET", "stripe_webhook_secret"),
    ("SUPABASE_URL", "supabase_url"),
    ("SUPABASE_SERVICE_ROLE_KEY", "supabase_service_role_key"),
)
OPTIONAL = (
    ("NODE_ENV", "environment"),
    ("WEBHOOK_TOLERANCE_SECONDS", "webhook_tolerance_seconds"),
    ("MAX_EVENT_AGE_SECONDS", "max_event_age_seconds"),
    ("RATE_LIMIT_WINDOW_MS", "rate_limit_window_ms"),
    ("RATE_LIMIT_MAX_EVENTS", "rate_limit_max_events"),
    ("LOG_LEVEL", "log_level"),
)


def _shown(value: Any) -> Any:
    if isinstance(value, Secret):
        return value.masked
    return value


async def configuration(ctx: CheckContext) -> CheckResult:
    """Appendix B's environment variables as the console sees them, secrets masked."""
    s = ctx.settings
    missing = [env for env, attr in REQUIRED if not getattr(s, attr)]
    shown = {env: _shown(getattr(s, attr)) for env, attr in REQUIRED + OPTIONAL}
    key = s.stripe_secret_key.reveal() if s.stripe_secret_key else ""
    mode = "live" if key.startswith(("sk_live_", "rk_live_")) else "test" if key else "unknown"
    details = {"variables": shown, "missing": missing, "stripe_mode": mode}
    if missing:
        return CheckResult(
            "configuration",
            "warn",
            f"not set for the console: {', '.join(missing)} (the guide lists them as required; "
            "the checks that need them are skipped)",
            details,
        )
    return CheckResult(
        "configuration",
        "ok",
        f"all of Appendix B's required variables are set ({mode} mode)",
        details,
    )
