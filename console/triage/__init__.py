"""Triage: a Snapshot in, the guide's Quick Reference items out as Findings (P0/P1/P2).

The detectors are pure functions of one Snapshot, so a one-shot `check` and the live
dashboard judge the same way. Windows are judged by the events' own timestamps (the
Snapshot's per-minute buckets), so a one-shot check needs no history of its own: the
guide's "for 5 minutes" alert rules become "over the last 5 minutes of events";
connection rules are instantaneous. Every threshold has a name and a default below and
can be overridden through the `[thresholds]` table of the settings.

`check_command` is `incident-console check`: one poll, evaluate, print; exit 0 healthy,
2 findings, 1 error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from console.core.jsonable import jsonable
from console.metrics import panels
from console.metrics.patterns import EVENT_TOO_OLD, RATE_LIMIT, SECURITY_GROUPS, SIGNATURE
from console.metrics.snapshot import Snapshot

SEVERITIES = ("P0", "P1", "P2")

# Each finding id and the guide's words for it (Quick Reference, Issue 6, Data Consistency),
# so a checklist can light the item a finding belongs to.
GUIDE_ITEMS: dict[str, str] = {
    "processing_down": "Webhook processing completely down",
    "payments_not_processing": "Payment events not processing",
    "security_anomaly": "Security vulnerabilities detected",
    "db_connection_failure": "Database connection failures",
    "high_error_rate": "High error rates (>5%)",
    "processing_delay": "Processing delays (>10 seconds)",
    "signature_failures": "Signature validation failures",
    "idempotency_conflicts": "Idempotency conflicts",
    "stuck_orders": "Orders stuck in incorrect states (Issue 6)",
    "inconsistent_orders": "Inconsistent order states (Data Consistency)",
    "rate_limiting": "Rate limiting triggered",
    "event_age_failures": "Event age validation failures",
    "notification_failures": "Notification delivery issues",
    "performance_degradation": "Performance degradation",
}

DEFAULT_THRESHOLDS: dict[str, float] = {
    "processing_down_grace_seconds": 60,  # an event younger than this may just be in flight
    "payments_not_processing_minutes": 5,
    "security_spike_factor": 5,  # times the 24 h baseline per 5 min
    "security_spike_min": 20,  # and at least this many rejections in 5 min
    "db_connection_usage_percent": 90,
    "high_error_rate_percent": 5,
    "processing_delay_seconds": 10,
    "signature_failures": 10,
    "idempotency_duplicates": 0,  # duplicated event_ids in the last hour
    "stuck_orders": 0,
    "inconsistent_orders": 0,
    "rate_limiting": 0,
    "event_age_failures": 0,
    "notification_failure_percent": 10,
    "performance_degradation_factor": 2,
    "performance_degradation_min_seconds": 0.5,  # a p95 under this is never "degraded"
    # read by the Collector, listed so they are known names
    "stuck_order_minutes": 60,
    "retry_limit": 3,
}

# Which collector panels each detector reads: a failed panel disables the detector.
_EVENT_PANELS = (panels.EVENTS, panels.PROCESSED, panels.UNPROCESSED)
NEEDS: dict[str, tuple[str, ...]] = {
    "processing_down": _EVENT_PANELS,
    "payments_not_processing": (panels.UNPROCESSED,),
    "security_anomaly": _EVENT_PANELS,
    "db_connection_failure": (panels.CONNECTIONS,),
    "high_error_rate": _EVENT_PANELS,
    "processing_delay": (panels.EVENTS, panels.PROCESSED),
    "signature_failures": _EVENT_PANELS,
    "idempotency_conflicts": (panels.DUPLICATES,),
    "stuck_orders": (panels.STUCK_ORDERS,),
    "inconsistent_orders": (panels.PAID_WITHOUT_PAYMENT,),
    "rate_limiting": _EVENT_PANELS,
    "event_age_failures": _EVENT_PANELS,
    "notification_failures": (panels.NOTIFICATIONS,),
    "performance_degradation": (panels.EVENTS, panels.PROCESSED),
}


class UnknownThreshold(ValueError):
    """A threshold name no detector knows (a typo in the config would silently do nothing)."""


@dataclass(frozen=True)
class Finding:
    """One detector that fired: what, how bad, the number against its limit, what to do."""

    id: str
    severity: str
    title: str
    value: float
    threshold: float
    runbook: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    since: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "value": self.value,
            "threshold": self.threshold,
            "runbook": self.runbook,
            "since": self.since.isoformat() if self.since else None,
            "evidence": jsonable(self.evidence),
        }


def resolve_thresholds(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Defaults with the overrides applied; an unknown name is an error naming it."""
    unknown = sorted(set(overrides or {}) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise UnknownThreshold(
            f"unknown threshold(s): {', '.join(unknown)} "
            f"(known: {', '.join(sorted(DEFAULT_THRESHOLDS))})"
        )
    return {**DEFAULT_THRESHOLDS, **{k: float(v) for k, v in (overrides or {}).items()}}


def disabled_detectors(snapshot: Snapshot) -> dict[str, str]:
    """Detectors that could not judge this snapshot, with the reason (a failed panel)."""
    out: dict[str, str] = {}
    for detector, needed in NEEDS.items():
        for panel in needed:
            if panel in snapshot.panel_errors:
                out[detector] = f"{panel}: {snapshot.panel_errors[panel]}"
                break
    return out


# The two findings beyond the Quick Reference open the guide sections that treat them;
# every other finding has a runbook of its own name (console/runbooks/<id>.toml).
RUNBOOK_FOR_FINDING: dict[str, str] = {
    "stuck_orders": "issue_state_transitions",
    "inconsistent_orders": "advanced_data_consistency",
}


def runbook_for(finding_id: str) -> str:
    """The runbook id a finding points the operator to."""
    return RUNBOOK_FOR_FINDING.get(finding_id, finding_id)


def evaluate(snapshot: Snapshot, thresholds: Mapping[str, float] | None = None) -> list[Finding]:
    """Every finding the snapshot supports, most severe first."""
    limits = resolve_thresholds(thresholds)
    if snapshot.connection_error:
        return [
            Finding(
                "db_connection_failure",
                "P0",
                "Database connection failure: the database cannot be reached",
                1.0,
                0.0,
                "db_connection_failure",
                {"error": snapshot.connection_error},
                snapshot.taken_at,
            )
        ]
    disabled = disabled_detectors(snapshot)
    found: list[Finding] = []
    for detector_id, detector in DETECTORS.items():
        if detector_id in disabled and detector_id != "processing_down":
            continue
        finding = detector(snapshot, limits)
        if finding is not None:
            found.append(replace(finding, runbook=runbook_for(finding.id)))
    return sorted(found, key=lambda f: (SEVERITIES.index(f.severity), f.id))


def overall_severity(findings: list[Finding]) -> str | None:
    return min((f.severity for f in findings), key=SEVERITIES.index, default=None)


class FindingTracker:
    """Carries `since` across dashboard polls: a finding keeps its first-seen time."""

    def __init__(self) -> None:
        self._since: dict[str, datetime] = {}

    def update(self, findings: list[Finding], now: datetime) -> list[Finding]:
        active = {f.id for f in findings}
        self._since = {k: v for k, v in self._since.items() if k in active}
        out = []
        for finding in findings:
            first = self._since.get(finding.id) or finding.since or now
            if finding.since is not None and finding.since < first:
                first = finding.since
            self._since[finding.id] = first
            out.append(replace(finding, since=first))
        return out


# --- the detectors ---------------------------------------------------------------------


def _ago(snapshot: Snapshot, seconds: float | None) -> datetime | None:
    return snapshot.taken_at - timedelta(seconds=seconds) if seconds is not None else None


def _group(snapshot: Snapshot, name: str) -> tuple[int, datetime | None]:
    for group in snapshot.errors:
        if group.message == name:
            return group.count_5m, group.first_seen_5m
    return 0, None


def _processing_down(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    if s.webhook_health and s.webhook_health != "up":
        return Finding(
            "processing_down",
            "P0",
            "Webhook processing completely down: the health endpoint fails",
            1.0,
            0.0,
            "processing_down",
            {"health": s.webhook_health},
            s.taken_at,
        )
    if any(panel in s.panel_errors for panel in NEEDS["processing_down"]):
        return None
    waited = s.oldest_unprocessed_10m_age_seconds or 0.0
    if s.events_10m > 0 and s.processed_10m == 0 and waited > t["processing_down_grace_seconds"]:
        return Finding(
            "processing_down",
            "P0",
            f"Webhook processing completely down: {s.events_10m} events in 10 min, none processed",
            float(s.events_10m),
            0.0,
            "processing_down",
            {"events_10m": s.events_10m, "processed_10m": 0, "oldest_wait_seconds": waited},
            _ago(s, waited),
        )
    return _processing_stalled(s, t)


def _processing_stalled(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    """Events wait without error and nothing at all was processed since the oldest arrived.

    The guide's "none of the last 10 minutes' events was processed" needs ten minutes of
    outage before it can fire when earlier traffic was processed; a stall shows as soon as
    the oldest waiting event is past the in-flight grace.
    """
    waiting = s.backlog.oldest_without_error_age_seconds
    if waiting is None or waiting <= t["processing_down_grace_seconds"]:
        return None
    arrived = s.taken_at - timedelta(seconds=waiting)
    if s.last_processed_at is not None and s.last_processed_at >= arrived:
        return None
    return Finding(
        "processing_down",
        "P0",
        f"Webhook processing stalled: events waiting {duration_text(waiting)}, "
        "nothing processed since they arrived",
        round(waiting, 1),
        t["processing_down_grace_seconds"],
        "processing_down",
        {
            "oldest_wait_seconds": round(waiting, 1),
            "waiting_without_error": s.backlog.unprocessed_without_error,
            "last_processed_at": s.last_processed_at,
        },
        arrived,
    )


def duration_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


def _payments_not_processing(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    limit = t["payments_not_processing_minutes"] * 60
    late = [age for age in s.backlog.payment_waiting_seconds if age > limit]
    if not late:
        return None
    oldest = max(late)
    return Finding(
        "payments_not_processing",
        "P0",
        f"Payment events not processing: {len(late)} payment_intent events waiting "
        f"over {t['payments_not_processing_minutes']:g} min",
        round(oldest / 60, 1),
        t["payments_not_processing_minutes"],
        "payments_not_processing",
        {"waiting": len(late), "oldest_wait_minutes": round(oldest / 60, 1)},
        _ago(s, oldest),
    )


def _security_anomaly(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    now = s.security_rejections_5m
    baseline = s.security_baseline_per_5m
    limit = max(t["security_spike_min"], t["security_spike_factor"] * baseline)
    if now < t["security_spike_min"] or now <= t["security_spike_factor"] * baseline:
        return None
    firsts = [f for name in SECURITY_GROUPS if (f := _group(s, name)[1]) is not None]
    return Finding(
        "security_anomaly",
        "P0",
        f"Security anomaly: {now} signature/replay rejections in 5 min "
        f"(baseline {baseline:.1f} per 5 min)",
        float(now),
        round(limit, 2),
        "security_anomaly",
        {"rejections_5m": now, "baseline_per_5m": round(baseline, 2)},
        min(firsts, default=None),
    )


def _db_connection_failure(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    conns = s.connections
    if not conns.max_connections:
        return None
    usage = 100.0 * conns.total / conns.max_connections
    if usage <= t["db_connection_usage_percent"]:
        return None
    return Finding(
        "db_connection_failure",
        "P0",
        f"Database connections nearly exhausted: {conns.total} of {conns.max_connections}",
        round(usage, 1),
        t["db_connection_usage_percent"],
        "db_connection_failure",
        {"total": conns.total, "max": conns.max_connections, "by_state": dict(conns.by_state)},
        s.taken_at,
    )


def _high_error_rate(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    if s.events_5m == 0 or s.error_rate_5m <= t["high_error_rate_percent"]:
        return None
    firsts = [g.first_seen_5m for g in s.errors if g.first_seen_5m is not None]
    top = sorted((g for g in s.errors if g.count_5m), key=lambda g: -g.count_5m)[:3]
    return Finding(
        "high_error_rate",
        "P1",
        f"High error rate: {s.error_rate_5m:.1f} % of the last 5 min's events failed",
        round(s.error_rate_5m, 2),
        t["high_error_rate_percent"],
        "high_error_rate",
        {"events_5m": s.events_5m, "errors_5m": s.errors_5m}
        | {f"errors: {g.message}": g.count_5m for g in top},
        min(firsts, default=None),
    )


def _processing_delay(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    avg = s.avg_processing_seconds_5m
    if avg is None or avg <= t["processing_delay_seconds"]:
        return None
    return Finding(
        "processing_delay",
        "P1",
        f"Processing delays: average {avg:.1f} s over the last 5 min",
        round(avg, 3),
        t["processing_delay_seconds"],
        "processing_delay",
        {"processed_5m": s.processed_5m, "avg_seconds": round(avg, 3)},
    )


def _counted(
    finding_id: str, severity: str, group: str, threshold_name: str, title: str
) -> Callable[[Snapshot, Mapping[str, float]], Finding | None]:
    def detect(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
        count, first = _group(s, group)
        if count <= t[threshold_name]:
            return None
        return Finding(
            finding_id,
            severity,
            title.format(count=count),
            float(count),
            t[threshold_name],
            finding_id,
            {"message": group, "count_5m": count},
            first,
        )

    return detect


def _idempotency_conflicts(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    dup = s.duplicates_1h
    if dup is None or dup.duplicated_event_ids <= t["idempotency_duplicates"]:
        return None
    return Finding(
        "idempotency_conflicts",
        "P1",
        f"Idempotency conflicts: {dup.duplicated_event_ids} event_ids received more than once "
        "in the last hour",
        float(dup.duplicated_event_ids),
        t["idempotency_duplicates"],
        "idempotency_conflicts",
        {"extra_copies": dup.extra_copies, "examples": list(dup.examples[:5])},
        dup.first_seen,
    )


def _stuck_orders(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    stuck = s.stuck_orders
    if stuck.total <= t["stuck_orders"]:
        return None
    became = (
        stuck.oldest_updated_at + timedelta(minutes=stuck.older_than_minutes)
        if stuck.oldest_updated_at
        else None
    )
    return Finding(
        "stuck_orders",
        "P1",
        f"Stuck orders: {stuck.total} in pending/pending_payment with no update for "
        f"over {stuck.older_than_minutes:g} min",
        float(stuck.total),
        t["stuck_orders"],
        "stuck_orders",
        dict(stuck.by_state),
        became,
    )


def _inconsistent_orders(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    paid = s.paid_without_payment
    if paid is None or paid.count <= t["inconsistent_orders"]:
        return None
    return Finding(
        "inconsistent_orders",
        "P1",
        f"Inconsistent orders: {paid.count} marked paid in 24 h without a completed payment",
        float(paid.count),
        t["inconsistent_orders"],
        "inconsistent_orders",
        {"examples": list(paid.examples[:5])},
        paid.oldest_updated_at,
    )


def _notification_failures(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    stats = s.notifications
    if stats is None or stats.failure_rate <= t["notification_failure_percent"]:
        return None
    return Finding(
        "notification_failures",
        "P2",
        f"Notification delivery issues: {stats.failed_1h} of {stats.total_1h} failed "
        "in the last hour",
        round(stats.failure_rate, 2),
        t["notification_failure_percent"],
        "notification_failures",
        {"failed_1h": stats.failed_1h, "total_1h": stats.total_1h},
        stats.first_failed,
    )


def _performance_degradation(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    recent, base = s.p95_processing_seconds_15m, s.p95_processing_seconds_baseline
    if recent is None or base is None or recent < t["performance_degradation_min_seconds"]:
        return None
    if recent <= t["performance_degradation_factor"] * base:
        return None
    return Finding(
        "performance_degradation",
        "P2",
        f"Performance degradation: p95 {recent:.2f} s in 15 min vs {base:.2f} s before",
        round(recent / max(base, 0.001), 2),
        t["performance_degradation_factor"],
        "performance_degradation",
        {"p95_15m_seconds": round(recent, 3), "p95_baseline_seconds": round(base, 3)},
    )


DETECTORS: dict[str, Callable[[Snapshot, Mapping[str, float]], Finding | None]] = {
    "processing_down": _processing_down,
    "payments_not_processing": _payments_not_processing,
    "security_anomaly": _security_anomaly,
    "db_connection_failure": _db_connection_failure,
    "high_error_rate": _high_error_rate,
    "processing_delay": _processing_delay,
    "signature_failures": _counted(
        "signature_failures",
        "P1",
        SIGNATURE,
        "signature_failures",
        "Signature validation failures: {count} in the last 5 min",
    ),
    "idempotency_conflicts": _idempotency_conflicts,
    "stuck_orders": _stuck_orders,
    "inconsistent_orders": _inconsistent_orders,
    "rate_limiting": _counted(
        "rate_limiting",
        "P2",
        RATE_LIMIT,
        "rate_limiting",
        "Rate limiting triggered: {count} rejections in the last 5 min",
    ),
    "event_age_failures": _counted(
        "event_age_failures",
        "P2",
        EVENT_TOO_OLD,
        "event_age_failures",
        "Event age validation failures: {count} in the last 5 min",
    ),
    "notification_failures": _notification_failures,
    "performance_degradation": _performance_degradation,
}


# --- incident-console check ------------------------------------------------------------


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


def _human(snapshot: Snapshot, findings: list[Finding]) -> str:
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


async def _probe_health(url: str, timeout: float) -> str:
    """GET the guide's health endpoint: "up", or "down: why"."""
    import aiohttp

    try:
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with (
            aiohttp.ClientSession(timeout=client_timeout) as session,
            session.get(url) as response,
        ):
            return "up" if response.status < 400 else f"down: HTTP {response.status}"
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return f"down: {type(exc).__name__} {exc}".strip()


async def one_shot(dsn: str, settings: Any) -> Snapshot:
    """Connect, poll once, close; with the webhook health probe when one is configured."""
    from console.metrics.collector import Collector

    async with Collector(dsn, settings) as collector:
        snapshot = await collector.poll()
    if settings.health_webhook_url:
        health = await _probe_health(settings.health_webhook_url, settings.connect_timeout_seconds)
        snapshot = replace(snapshot, webhook_health=health)
    return snapshot


def check_command(args: argparse.Namespace) -> int:
    """`incident-console check`: exit 0 healthy, 2 findings, 1 error (one clear line)."""
    from console.cli import load_settings_from
    from console.core.config import ConfigError
    from console.core.db import DatabaseError, require_dsn

    as_json = bool(getattr(args, "json", False))
    try:
        settings = load_settings_from(args)
        thresholds = resolve_thresholds(settings.thresholds)
        dsn = require_dsn(settings.database_url)
        snapshot = asyncio.run(one_shot(dsn, settings))
        core = [p for p in (panels.EVENTS, panels.UNPROCESSED) if p in snapshot.panel_errors]
        if core:
            raise DatabaseError(
                f"cannot read webhook_events: {snapshot.panel_errors[core[0]]}",
                "this database does not follow the schema contract; run incident-console doctor",
            )
    except (ConfigError, DatabaseError, UnknownThreshold) as exc:
        prefix = "config error: " if isinstance(exc, ConfigError | UnknownThreshold) else ""
        print(f"incident-console: {prefix}{exc}", file=sys.stderr)
        if as_json:
            print(json.dumps({"error": f"{prefix}{exc}"}))
        return 1
    findings = evaluate(snapshot, thresholds)
    if as_json:
        print(json.dumps(jsonable(check_document(snapshot, findings))))
    else:
        print(_human(snapshot, findings))
    return 2 if findings else 0
