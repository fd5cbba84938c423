"""Detectors of what the tables and sessions say: connections, duplicates, orders, mail.

Connection rules are instantaneous; the others read panels the Collector refreshes on
their own cadence (console.metrics.periodic) and are None while not measured. Each one
passes a single threshold, so each is only its reading (`past_limit` judges and words it).
"""

from __future__ import annotations

from datetime import timedelta

from console.metrics.snapshot import Snapshot
from console.triage.detectors.common import Reading, past_limit


@past_limit("db_connection_failure", "P0", "db_connection_usage_percent")
def db_connection_failure(s: Snapshot) -> Reading | None:
    conns = s.connections
    if not conns.max_connections:
        return None
    usage = 100.0 * conns.total / conns.max_connections
    return Reading(
        usage,
        f"Database connections nearly exhausted: {conns.total} of {conns.max_connections}",
        {"total": conns.total, "max": conns.max_connections, "by_state": dict(conns.by_state)},
        s.taken_at,
        shown=round(usage, 1),
    )


@past_limit("idempotency_conflicts", "P1", "idempotency_duplicates")
def idempotency_conflicts(s: Snapshot) -> Reading | None:
    dup = s.duplicates_1h
    if dup is None:
        return None
    return Reading(
        dup.duplicated_event_ids,
        f"Idempotency conflicts: {dup.duplicated_event_ids} event_ids received more than once "
        "in the last hour",
        {"extra_copies": dup.extra_copies, "examples": list(dup.examples[:5])},
        dup.first_seen,
    )


@past_limit("stuck_orders", "P1", "stuck_orders")
def stuck_orders(s: Snapshot) -> Reading | None:
    stuck = s.stuck_orders
    wait = timedelta(minutes=stuck.older_than_minutes)
    return Reading(
        stuck.total,
        f"Stuck orders: {stuck.total} in pending/pending_payment with no update for "
        f"over {stuck.older_than_minutes:g} min",
        dict(stuck.by_state),
        stuck.oldest_updated_at + wait if stuck.oldest_updated_at else None,
    )


@past_limit("inconsistent_orders", "P1", "inconsistent_orders")
def inconsistent_orders(s: Snapshot) -> Reading | None:
    paid = s.paid_without_payment
    if paid is None:
        return None
    return Reading(
        paid.count,
        f"Inconsistent orders: {paid.count} marked paid in 24 h without a completed payment",
        {"examples": list(paid.examples[:5])},
        paid.oldest_updated_at,
    )


@past_limit("notification_failures", "P2", "notification_failure_percent")
def notification_failures(s: Snapshot) -> Reading | None:
    stats = s.notifications
    if stats is None:
        return None
    return Reading(
        stats.failure_rate,
        f"Notification delivery issues: {stats.failed_1h} of {stats.total_1h} failed "
        "in the last hour",
        {"failed_1h": stats.failed_1h, "total_1h": stats.total_1h},
        stats.first_failed,
        shown=round(stats.failure_rate, 2),
    )
