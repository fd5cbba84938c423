"""Detectors of processing itself: down or stalled, payments waiting, slow, degraded.

Windows are judged by the events' own timestamps (the Snapshot's per-minute buckets), so
a one-shot check needs no history of its own: the guide's "for 5 minutes" alert rules
become "over the last 5 minutes of events".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from console.metrics.snapshot import Snapshot
from console.triage.detectors.common import ago, duration_text
from console.triage.findings import Finding
from console.triage.needs import NEEDS


def processing_down(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
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
            ago(s, waited),
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


def payments_not_processing(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
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
        ago(s, oldest),
    )


def processing_delay(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
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


def performance_degradation(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
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
