"""The guide's Appendix A (error code reference) as data, to read an endpoint's answer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HttpCode:
    code: int
    type: str
    description: str
    common_causes: str


APPENDIX_A: tuple[HttpCode, ...] = (
    HttpCode(
        400,
        "Bad Request",
        "Invalid signature, malformed request",
        "Wrong webhook secret, clock skew",
    ),
    HttpCode(
        401,
        "Unauthorized",
        "Missing or invalid authentication",
        "Missing API keys, expired tokens",
    ),
    HttpCode(403, "Forbidden", "Access denied", "IP restrictions, rate limits"),
    HttpCode(
        422,
        "Unprocessable Entity",
        "Invalid state transition",
        "Business logic errors, race conditions",
    ),
    HttpCode(429, "Too Many Requests", "Rate limit exceeded", "High webhook volume, retry storms"),
    HttpCode(500, "Internal Server Error", "System error", "Database issues, code bugs"),
    HttpCode(502, "Bad Gateway", "Upstream service error", "External API failures"),
    HttpCode(503, "Service Unavailable", "System overload", "High load, maintenance mode"),
)

BY_CODE: dict[int, HttpCode] = {entry.code: entry for entry in APPENDIX_A}


def explain(code: int) -> str:
    """One line for an HTTP status: the guide's reading when it has one."""
    entry = BY_CODE.get(code)
    if entry is not None:
        return (
            f"HTTP {code} {entry.type}: {entry.description} (common causes: {entry.common_causes})"
        )
    if 200 <= code < 300:
        return f"HTTP {code}: accepted"
    if 300 <= code < 400:
        return (
            f"HTTP {code}: redirect — point WEBHOOK_URL at the final address "
            "(Stripe does not follow redirects)"
        )
    if 400 <= code < 500:
        return f"HTTP {code}: client error not in the guide's table"
    return f"HTTP {code}: server error not in the guide's table"
