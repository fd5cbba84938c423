"""Clock skew of this host against the database server and the endpoint's `Date` header.

The guide's "date; compare with time.is" needs a browser; here the comparison is with
the two other clocks that matter. Signatures and the handler's event-age check are
judged against WEBHOOK_TOLERANCE_SECONDS, so that is the limit used.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

from console.checks.context import CheckContext
from console.checks.result import CheckResult, CheckStatus
from console.checks.web import HttpProblem, request
from console.core.db import translate
from console.queries.runner import run_query

WARN_SECONDS = 5.0
DATE_HEADER_RESOLUTION = 1.0


def judge_skew(skew: float, uncertainty: float, tolerance: int) -> CheckStatus:
    magnitude = max(0.0, abs(skew) - uncertainty)
    if magnitude > tolerance:
        return "fail"
    if magnitude > min(WARN_SECONDS, tolerance / 2):
        return "warn"
    return "ok"


async def database_skew(ctx: CheckContext) -> dict[str, Any]:
    """The database's clock_timestamp() minus this host's clock at the round trip's middle."""
    if ctx.conn is None:
        return {"target": "database", "status": "skipped", "summary": "no database connection"}
    before = ctx.clock()
    try:
        rows = await run_query(ctx.conn, "checks/database_clock")
    except Exception as exc:
        return {"target": "database", "status": "error", "summary": str(translate(exc))}
    after = ctx.clock()
    value = rows[0]["t"]
    skew = float(value) - (before + after) / 2
    return {
        "target": "database",
        "skew_seconds": round(skew, 3),
        "uncertainty": (after - before) / 2,
    }


async def endpoint_skew(ctx: CheckContext) -> dict[str, Any]:
    """The endpoint's HTTP Date header minus this host's clock (1 s resolution)."""
    url = ctx.settings.health_webhook_url or ctx.settings.webhook_url
    if not url:
        return {
            "target": "endpoint",
            "status": "skipped",
            "summary": "no HEALTH_WEBHOOK_URL or WEBHOOK_URL to read a Date header from",
        }
    before = ctx.clock()
    started = time.monotonic()
    try:
        answer = await request("GET", url, timeout=ctx.http_timeout)
    except HttpProblem as exc:
        return {"target": "endpoint", "status": "skipped", "summary": str(exc)}
    half_trip = (time.monotonic() - started) / 2
    date = answer.headers.get("Date")
    try:
        when = parsedate_to_datetime(date).timestamp() if date else None
    except (TypeError, ValueError):
        when = None
    if when is None:
        return {
            "target": "endpoint",
            "status": "skipped",
            "summary": f"{url} sent no usable Date header",
        }
    skew = when - (before + half_trip)
    return {
        "target": "endpoint",
        "url": url,
        "skew_seconds": round(skew, 3),
        "uncertainty": DATE_HEADER_RESOLUTION + half_trip,
    }


async def clock_skew(ctx: CheckContext, target: str = "both") -> CheckResult:
    if target not in ("both", "database", "endpoint"):
        return CheckResult(
            "clock_skew", "error", f"target must be both/database/endpoint, not {target!r}"
        )
    tolerance = ctx.settings.webhook_tolerance_seconds
    measured: list[dict[str, Any]] = []
    if target in ("both", "database"):
        measured.append(await database_skew(ctx))
    if target in ("both", "endpoint"):
        measured.append(await endpoint_skew(ctx))
    for item in measured:
        if "skew_seconds" in item:
            item["status"] = judge_skew(item["skew_seconds"], item["uncertainty"], tolerance)
            direction = "ahead of" if item["skew_seconds"] > 0 else "behind"
            item["summary"] = (
                f"{item['target']} clock is {abs(item['skew_seconds']):.1f} s {direction} this host"
            )
            item["uncertainty"] = round(item["uncertainty"], 3)
    judged = [m for m in measured if m["status"] in ("ok", "warn", "fail", "error")]
    details = {"tolerance_seconds": tolerance, "clocks": measured}
    summary = "; ".join(m["summary"] for m in measured)
    if not judged:
        return CheckResult("clock_skew", "skipped", summary, details)
    rank = {"ok": 0, "warn": 1, "fail": 2, "error": 3}
    status: CheckStatus = max((m["status"] for m in judged), key=rank.__getitem__)
    if status == "fail":
        summary += (
            f" — beyond WEBHOOK_TOLERANCE_SECONDS={tolerance}: signatures and event ages will be "
            "rejected; fix time sync (chrony/NTP) rather than raising the tolerance"
        )
    return CheckResult("clock_skew", status, summary, details)
