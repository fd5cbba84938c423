"""The one-shot check: poll once, probe the webhook health, and the two ways to report it.

`incident-console check` (console/cli/check.py) is this plus printing and exit codes.
`check_document` is the `check --json` contract (DESIGN.md's keys, plus a few extras);
`check_text` is what a person reads at a terminal.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from console.core.config import Settings
from console.core.db import DatabaseError
from console.core.db_errors import reason_hint
from console.metrics import panels
from console.metrics.collector import Collector
from console.metrics.snapshot import Snapshot
from console.metrics.tuning import CollectorTuning
from console.triage.findings import Finding, overall_severity
from console.triage.needs import disabled_detectors


def check_document(snapshot: Snapshot, findings: list[Finding]) -> dict[str, Any]:
    """The `check --json` document (DESIGN.md's contract keys, plus a few extras)."""
    return {
        "severity": overall_severity(findings),
        "findings": [f.to_json() for f in findings],
        "metrics": snapshot.metrics_json(),
        "disabled": disabled_detectors(snapshot),
        "panel_errors": dict(snapshot.panel_errors),
        "database": snapshot.database,
        "taken_at": snapshot.taken_at.isoformat(),
        "poll_seconds": round(snapshot.poll_seconds, 4),
    }


def check_text(snapshot: Snapshot, findings: list[Finding]) -> str:
    """The human report: the verdict, one line per finding, the headline metrics."""
    severity = overall_severity(findings)
    head = f"{severity}: {len(findings)} finding(s)" if severity else "healthy: no findings"
    lines = [f"incident-console check — {snapshot.database} at {snapshot.taken_at:%H:%M:%S} UTC"]
    lines.append(head)
    for f in findings:
        lines.append(
            f"  {f.severity} {f.id:<24} {f.title} "
            f"[value {f.value:g}, threshold {f.threshold:g}; runbook {f.runbook}]"
        )
    m = snapshot.metrics_json()
    avg, p95 = m["avg_processing_seconds_1h"], m["p95_processing_seconds_1h"]
    lines.append(
        f"metrics: {m['events_per_minute']:g} events/min, error rate 5m {m['error_rate_5m']:g} %, "
        f"processing 1h avg {'-' if avg is None else f'{avg:.2f} s'} "
        f"p95 {'-' if p95 is None else f'{p95:.2f} s'}, unprocessed {m['unprocessed']}, "
        f"stuck orders {m['stuck_orders']}, connections {m['connections']['total']}/"
        f"{m['connections']['max']}"
    )
    for detector, reason in disabled_detectors(snapshot).items():
        lines.append(f"disabled: {detector} ({reason})")
    return "\n".join(lines)


def require_event_panels(snapshot: Snapshot) -> None:
    """A database whose webhook_events cannot be read cannot be judged: an error, not a
    'healthy' with every detector disabled."""
    core = [p for p in (panels.EVENTS, panels.UNPROCESSED) if p in snapshot.panel_errors]
    if core:
        reason = snapshot.panel_errors[core[0]]
        raise DatabaseError(f"cannot read webhook_events: {reason}", reason_hint(reason))


async def probe_health(url: str, timeout: float) -> str:
    """GET the guide's health endpoint: "up", or "down: why"."""
    import aiohttp  # lazy: only a configured health URL needs it

    try:
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with (
            aiohttp.ClientSession(timeout=client_timeout) as session,
            session.get(url) as response,
        ):
            return "up" if response.status < 400 else f"down: HTTP {response.status}"
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return f"down: {type(exc).__name__} {exc}".strip()


async def one_shot(dsn: str, settings: Settings) -> Snapshot:
    """Connect, poll once, close; with the webhook health probe when one is configured and
    Stripe's side when a Stripe key is (waited for: a one-shot check has no next poll)."""
    from console.stripe.watch import StripeWatch

    watch = StripeWatch.from_settings(settings, dsn)
    # a one-shot check has no later poll to fill the history in: it loads the whole window
    addons = (watch,) if watch else ()
    whole = CollectorTuning(first_data_seconds=float("inf"))
    async with Collector(dsn, settings, tuning=whole, addons=addons) as collector:
        snapshot = await collector.poll()
        if watch is not None:
            snapshot = await watch.complete(snapshot)
    if settings.health_webhook_url:
        health = await probe_health(settings.health_webhook_url, settings.connect_timeout_seconds)
        snapshot = replace(snapshot, webhook_health=health)
    return snapshot
