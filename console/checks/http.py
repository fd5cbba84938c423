"""The guide's health checks (`curl -X GET …/api/health/webhook` and `…/database`)."""

from __future__ import annotations

from console.checks.context import CheckContext
from console.checks.http_codes import explain
from console.checks.result import CheckResult, CheckStatus
from console.checks.web import HttpProblem, request

_RANK = {"ok": 0, "skipped": 0, "warn": 1, "fail": 2}


async def health_endpoints(
    ctx: CheckContext, which: str = "both", slow_seconds: float = 2.0
) -> CheckResult:
    """GET each configured health URL: status, latency and a one-line body summary."""
    targets = {
        "webhook": ("HEALTH_WEBHOOK_URL", ctx.settings.health_webhook_url),
        "database": ("HEALTH_DATABASE_URL", ctx.settings.health_database_url),
    }
    chosen = list(targets) if which == "both" else [which]
    if any(name not in targets for name in chosen):
        return CheckResult(
            "health_endpoints", "error", f"which must be webhook, database or both, not {which!r}"
        )
    endpoints: list[dict[str, object]] = []
    for name in chosen:
        env, url = targets[name]
        if not url:
            endpoints.append({"name": name, "status": "skipped", "summary": f"{env} is not set"})
            continue
        try:
            answer = await request("GET", url, timeout=ctx.http_timeout)
        except HttpProblem as exc:
            endpoints.append({"name": name, "url": url, "status": "fail", "summary": str(exc)})
            continue
        status: CheckStatus = "ok" if 200 <= answer.status < 300 else "fail"
        if status == "ok" and answer.latency_seconds > slow_seconds:
            status = "warn"
        summary = (
            f"HTTP {answer.status} in {answer.latency_seconds * 1000:.0f} ms"
            if status != "fail"
            else explain(answer.status)
        )
        endpoints.append(
            {
                "name": name,
                "url": url,
                "status": status,
                "http_status": answer.status,
                "latency_ms": round(answer.latency_seconds * 1000, 1),
                "body": answer.body_summary(),
                "summary": summary,
            }
        )
    ran = [e for e in endpoints if e["status"] != "skipped"]
    if not ran:
        return CheckResult(
            "health_endpoints",
            "skipped",
            "no health endpoint configured (set HEALTH_WEBHOOK_URL / HEALTH_DATABASE_URL)",
            {"endpoints": endpoints},
        )
    worst = max(ran, key=lambda e: _RANK[str(e["status"])])
    overall: CheckStatus = worst["status"]  # type: ignore[assignment]
    summary = "; ".join(f"{e['name']}: {e['summary']}" for e in endpoints)
    return CheckResult("health_endpoints", overall, summary, {"endpoints": endpoints})
