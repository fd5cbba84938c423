"""Each detector fires on a hand-made database state and stays quiet on a healthy one.

Rows are inserted with backdated timestamps (relative to the server's now()), then one
Collector poll and `evaluate`, exactly what `incident-console check` does; both id types.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from support.metrics_testkit import (
    add_event,
    add_events,
    add_notifications,
    add_order,
    poll_once,
)

from console.core.config import Settings
from console.core.db import ConnectionFailed
from console.metrics.collector import failed_snapshot
from console.triage import (
    DEFAULT_THRESHOLDS,
    FindingTracker,
    UnknownThreshold,
    evaluate,
    overall_severity,
    resolve_thresholds,
    runbook_for,
)

Setup = Callable[[psycopg.Connection[Any]], None]

HOUR = 3600.0


def healthy_traffic(conn: psycopg.Connection[Any]) -> None:
    """Two hours of normal traffic: quick processing, a paid order with its payment."""
    add_events(conn, 240, oldest=2 * HOUR, newest=20, latency=0.4)
    add_events(conn, 60, oldest=2 * HOUR, newest=30, event_type="charge.succeeded", latency=0.3)
    add_order(conn, state="paid", updated_age=1800, payment_status="completed")
    add_order(conn, state="paid", updated_age=3 * HOUR, payment_status="completed")
    add_order(conn, state="pending", updated_age=600)


# id -> (state that must fire it, state that must not)
CASES: dict[str, tuple[Setup, Setup]] = {
    "processing_down": (
        lambda c: add_events(c, 8, oldest=480, newest=120, latency=None),
        lambda c: (
            add_events(c, 8, oldest=480, newest=120, latency=None),
            add_events(c, 3, oldest=300, newest=100, latency=0.5),
        ),
    ),
    "payments_not_processing": (
        lambda c: (
            add_event(c, age=400, latency=None),
            add_events(c, 20, oldest=590, newest=10, event_type="charge.succeeded"),
        ),
        lambda c: (
            # failed ones are the error-rate detectors' business, young ones are in flight
            add_event(c, age=400, latency=None, error="Invalid state transition"),
            add_event(c, age=120, latency=None),
            add_events(c, 200, oldest=590, newest=10, event_type="charge.succeeded"),
        ),
    ),
    "security_anomaly": (
        lambda c: add_events(c, 25, oldest=200, newest=10, latency=None, error="Invalid signature"),
        lambda c: (
            # the same burst over a day that always looks like this is the baseline
            add_events(c, 25, oldest=200, newest=10, latency=None, error="Invalid signature"),
            add_events(c, 2900, oldest=23 * HOUR, newest=400, latency=None, error="Event too old"),
        ),
    ),
    "high_error_rate": (
        lambda c: (
            add_events(c, 18, oldest=200, newest=10),
            add_events(c, 2, oldest=150, newest=50, latency=None, error="Invalid state transition"),
        ),
        lambda c: (
            add_events(c, 100, oldest=200, newest=10),
            add_event(c, age=60, latency=None, error="Invalid state transition"),
            # errors older than the 5-minute window do not count
            add_events(c, 20, oldest=900, newest=600, latency=None, error="boom"),
        ),
    ),
    "processing_delay": (
        lambda c: add_events(c, 10, oldest=240, newest=30, latency=20),
        lambda c: (
            add_events(c, 10, oldest=240, newest=30, latency=2),
            add_events(c, 10, oldest=1800, newest=900, latency=60),
        ),
    ),
    "signature_failures": (
        lambda c: add_events(c, 11, oldest=200, newest=10, latency=None, error="Invalid signature"),
        lambda c: add_events(c, 10, oldest=200, newest=10, latency=None, error="Invalid signature"),
    ),
    "idempotency_conflicts": (
        lambda c: (
            add_event(c, age=1200, event_id="evt_dup"),
            add_event(c, age=600, event_id="evt_dup"),
        ),
        lambda c: (
            add_event(c, age=2 * HOUR, event_id="evt_dup"),
            add_event(c, age=600, event_id="evt_dup"),
        ),
    ),
    "stuck_orders": (
        lambda c: add_order(c, state="pending_payment", updated_age=2 * HOUR),
        lambda c: (
            add_order(c, state="paid", updated_age=5 * HOUR, payment_status="completed"),
            add_order(c, state="ready_for_handover", updated_age=5 * HOUR),
            add_order(c, state="pending", updated_age=1800),
        ),
    ),
    "inconsistent_orders": (
        lambda c: add_order(c, state="paid", updated_age=HOUR, payment_status="pending"),
        lambda c: (
            add_order(c, state="paid", updated_age=HOUR, payment_status="completed"),
            add_order(c, state="paid", updated_age=30 * HOUR),
        ),
    ),
    "rate_limiting": (
        lambda c: add_event(c, age=100, latency=None, error="Rate limit exceeded"),
        lambda c: add_event(c, age=600, latency=None, error="Rate limit exceeded"),
    ),
    "event_age_failures": (
        lambda c: add_event(c, age=100, latency=None, error="Event too old"),
        lambda c: add_event(c, age=600, latency=None, error="Event too old"),
    ),
    "notification_failures": (
        lambda c: add_notifications(c, sent=8, failed=2),
        lambda c: (
            add_notifications(c, sent=19, failed=1),
            add_notifications(c, sent=0, failed=30, age=2 * HOUR),
        ),
    ),
    "performance_degradation": (
        lambda c: (
            add_events(c, 200, oldest=20 * HOUR, newest=HOUR, latency=0.3),
            add_events(c, 20, oldest=600, newest=30, latency=3),
        ),
        lambda c: (
            add_events(c, 200, oldest=20 * HOUR, newest=HOUR, latency=0.3),
            add_events(c, 20, oldest=600, newest=30, latency=0.5),
        ),
    ),
}


async def _findings(dsn: str, thresholds: dict[str, float] | None = None) -> dict[str, Any]:
    snapshot = await poll_once(dsn)
    return {f.id: f for f in evaluate(snapshot, thresholds)}


@pytest.mark.parametrize("detector", sorted(CASES))
async def test_detector_fires_on_crafted_state(any_db, detector: str) -> None:
    with any_db.connect() as conn:
        CASES[detector][0](conn)
    findings = await _findings(any_db.dsn)
    assert detector in findings, f"{detector} did not fire; got {sorted(findings)}"
    finding = findings[detector]
    assert finding.value > finding.threshold
    assert finding.runbook == runbook_for(detector)
    assert finding.severity in ("P0", "P1", "P2")


@pytest.mark.parametrize("detector", sorted(CASES))
async def test_detector_quiet_on_near_miss(any_db, detector: str) -> None:
    with any_db.connect() as conn:
        CASES[detector][1](conn)
    findings = await _findings(any_db.dsn)
    assert detector not in findings, findings.get(detector)


async def test_healthy_database_has_no_findings(any_db) -> None:
    with any_db.connect() as conn:
        healthy_traffic(conn)
        add_notifications(conn, sent=30, failed=0)
    snapshot = await poll_once(any_db.dsn)
    assert evaluate(snapshot) == []
    assert snapshot.events_5m > 0 and snapshot.error_rate_5m == 0.0
    assert snapshot.panel_errors == {}


async def test_connection_usage_over_threshold_fires_db_connection_failure(db) -> None:
    extra = [db.connect() for _ in range(4)]
    try:
        snapshot = await poll_once(db.dsn)
    finally:
        for conn in extra:
            conn.close()
    assert snapshot.connections.total >= 4
    assert "db_connection_failure" not in {f.id for f in evaluate(snapshot)}
    usage = 100.0 * snapshot.connections.total / snapshot.connections.max_connections
    findings = {f.id: f for f in evaluate(snapshot, {"db_connection_usage_percent": usage - 1})}
    assert findings["db_connection_failure"].severity == "P0"
    assert findings["db_connection_failure"].value == pytest.approx(usage, abs=0.1)


def test_unreachable_database_is_a_p0_finding() -> None:
    from datetime import UTC, datetime

    error = ConnectionFailed("cannot reach the database at postgresql://x@127.0.0.1:1/x")
    findings = evaluate(failed_snapshot(error, datetime.now(UTC)))
    assert [f.id for f in findings] == ["db_connection_failure"]
    assert "cannot reach" in findings[0].evidence["error"]


async def test_thresholds_are_configurable_by_name(db) -> None:
    with db.connect() as conn:
        add_events(conn, 5, oldest=200, newest=10, latency=None, error="Invalid signature")
    snapshot = await poll_once(db.dsn)
    assert "signature_failures" not in {f.id for f in evaluate(snapshot)}
    tuned = {f.id for f in evaluate(snapshot, {"signature_failures": 4})}
    assert "signature_failures" in tuned
    with pytest.raises(UnknownThreshold, match="signature_failure"):
        resolve_thresholds({"signature_failure": 4})


async def test_findings_order_and_overall_severity(db) -> None:
    with db.connect() as conn:
        add_events(conn, 8, oldest=480, newest=120, latency=None)  # P0 processing_down
        add_event(conn, age=100, latency=None, error="Rate limit exceeded")  # P2
    findings = evaluate(await poll_once(db.dsn))
    severities = [f.severity for f in findings]
    assert severities == sorted(severities)
    assert overall_severity(findings) == "P0"
    assert overall_severity([]) is None


async def test_since_is_first_seen_and_kept_across_polls(db) -> None:
    with db.connect() as conn:
        add_events(conn, 12, oldest=240, newest=60, latency=None, error="Invalid signature")
    snapshot = await poll_once(db.dsn)
    finding = {f.id: f for f in evaluate(snapshot)}["signature_failures"]
    assert finding.since is not None
    age = (snapshot.taken_at - finding.since).total_seconds()
    assert 230 < age < 260
    tracker = FindingTracker()
    first = tracker.update([finding], snapshot.taken_at)
    later = tracker.update(
        [finding.__class__(**{**finding.__dict__, "since": None})],
        snapshot.taken_at + timedelta(minutes=3),
    )
    assert later[0].since == first[0].since == finding.since
    assert tracker.update([], snapshot.taken_at) == []


def test_every_contract_finding_id_has_a_detector_and_default() -> None:
    from console.triage import DETECTORS, GUIDE_ITEMS, NEEDS

    contract = {
        "processing_down",
        "payments_not_processing",
        "security_anomaly",
        "db_connection_failure",
        "high_error_rate",
        "processing_delay",
        "signature_failures",
        "idempotency_conflicts",
        "stuck_orders",
        "inconsistent_orders",
        "rate_limiting",
        "event_age_failures",
        "notification_failures",
        "performance_degradation",
        "undelivered_events",  # Stripe's side: tests/db/test_stripe_watch.py
    }
    assert set(DETECTORS) == contract == set(GUIDE_ITEMS) == set(NEEDS)
    assert set(CASES) | {"db_connection_failure", "undelivered_events"} == contract
    assert DEFAULT_THRESHOLDS["high_error_rate_percent"] == 5


async def test_custom_error_pattern_groups_messages(db) -> None:
    with db.connect() as conn:
        add_event(conn, age=60, latency=None, error="upstream 502 from inventory")
        add_event(conn, age=50, latency=None, error="upstream 503 from inventory")
        add_event(conn, age=40, latency=None, error="Something new broke")
    settings = Settings(error_patterns={"Inventory upstream": "upstream 50_ from %"})
    snapshot = await poll_once(db.dsn, settings)
    groups = {g.message: g for g in snapshot.errors}
    assert groups["Inventory upstream"].count_5m == 2
    assert groups["Something new broke"].pattern == ""  # unmatched: grouped as itself


async def test_processing_stall_fires_before_ten_minutes_of_outage(any_db) -> None:
    """Traffic was processed until 3 minutes ago; since then events only wait."""
    with any_db.connect() as conn:
        add_events(conn, 60, oldest=15 * 60, newest=200, latency=0.4)  # processed earlier
        add_events(conn, 10, oldest=150, newest=5, latency=None)  # waiting, no error
    findings = await _findings(any_db.dsn)
    assert "processing_down" in findings, sorted(findings)
    stalled = findings["processing_down"]
    assert "stalled" in stalled.title
    assert stalled.value > stalled.threshold  # the oldest waits past the in-flight grace


async def test_no_stall_while_events_keep_being_processed(any_db) -> None:
    """An old waiting event is not a stall when later events were processed."""
    with any_db.connect() as conn:
        add_events(conn, 60, oldest=15 * 60, newest=20, latency=0.4)  # processed just now
        add_event(conn, age=150, latency=None)  # one straggler waits
    findings = await _findings(any_db.dsn)
    assert "processing_down" not in findings
