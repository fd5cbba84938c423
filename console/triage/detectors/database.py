"""Detectors of what the tables and sessions say: connections, duplicates, orders, mail.

Connection rules are instantaneous; the others read panels the Collector refreshes on
their own cadence (console.metrics.periodic) and are None while not measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from console.metrics.snapshot import Snapshot
from console.triage.findings import Finding


def db_connection_failure(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
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


def idempotency_conflicts(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
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


def stuck_orders(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
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


def inconsistent_orders(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
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


def notification_failures(s: Snapshot, t: Mapping[str, float]) -> Finding | None:
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
