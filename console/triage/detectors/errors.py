"""Detectors of the errors events kept: security rejections, the error rate, counted groups.

They read the Snapshot's error groups (console.metrics.patterns words them the way the
guide does), over the last 5 minutes of events.
"""

from __future__ import annotations

from collections.abc import Mapping

from console.metrics.patterns import SECURITY_GROUPS
from console.metrics.snapshot import Snapshot
from console.triage.detectors.common import Detector, Reading, group_5m, past_limit
from console.triage.findings import Finding


def security_anomaly(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
    now = s.security_rejections_5m
    baseline = s.security_baseline_per_5m
    limit = max(t["security_spike_min"], t["security_spike_factor"] * baseline)
    if now < t["security_spike_min"] or now <= t["security_spike_factor"] * baseline:
        return None
    firsts = [f for name in SECURITY_GROUPS if (f := group_5m(s, name)[1]) is not None]
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


def high_error_rate(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
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


def counted(
    finding_id: str, severity: str, group: str, threshold_name: str, title: str
) -> Detector:
    """A detector that fires when one error group's 5-minute count passes its threshold."""

    def read(s: Snapshot) -> Reading:
        count, first = group_5m(s, group)
        return Reading(
            count, title.format(count=count), {"message": group, "count_5m": count}, first
        )

    return past_limit(finding_id, severity, threshold_name)(read)
