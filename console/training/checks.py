"""Resolve checks: is the data right and is the symptom gone? One SQL read each.

Every check reads the monitored tables through bound parameters only and never assumes
an id type. "Recent" checks look at the events created in the last few seconds and need
at least one processed there: a silent system is not a healthy one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from console.training.scenarios import Check


@dataclass(frozen=True)
class CheckResult:
    check: Check
    met: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {**self.check.to_json(), "met": self.met, "detail": self.detail}


async def _one(conn: psycopg.AsyncConnection[Any], query: str, params: Any = None) -> Any:
    cur = await conn.execute(query, params)
    row = await cur.fetchone()
    if row is None:
        return None
    return next(iter(row.values())) if isinstance(row, Mapping) else row[0]


async def _row(conn: psycopg.AsyncConnection[Any], query: str, params: Any = None) -> Any:
    cur = await conn.execute(query, params)
    row = await cur.fetchone()
    if row is None:
        return ()
    return tuple(row.values()) if isinstance(row, Mapping) else tuple(row)


async def run_check(
    conn: psycopg.AsyncConnection[Any],
    check: Check,
    *,
    findings: Collection[str],
    active_faults: Collection[str],
) -> CheckResult:
    """Judge one check now; `findings` lit on the last poll, `active_faults` switched on."""
    p = check.params
    kind = check.kind
    if kind == "finding_clear":
        lit = p["finding"] in findings
        return CheckResult(check, not lit, f"{p['finding']} {'still fires' if lit else 'clear'}")
    if kind == "fault_off":
        on = p["fault"] in active_faults
        return CheckResult(check, not on, "the cause is still active" if on else "cause stopped")
    seconds = float(p.get("seconds", 4.0))
    if kind == "no_duplicate_unprocessed":
        n = await _one(
            conn,
            "SELECT count(*) FROM (SELECT event_id FROM webhook_events GROUP BY event_id"
            " HAVING count(*) > 1 AND bool_or(processed_at IS NULL)) AS d",
        )
        return CheckResult(check, n == 0, f"{n} duplicated event_id(s) with an unprocessed copy")
    if kind == "no_new_duplicates":
        n = await _one(
            conn,
            "SELECT count(*) FROM (SELECT event_id FROM webhook_events"
            " WHERE created_at > now() - %s * interval '1 second'"
            " GROUP BY event_id HAVING count(*) > 1) AS d",
            (seconds,),
        )
        return CheckResult(check, n == 0, f"{n} event_id(s) stored twice in the last {seconds:g} s")
    if kind == "no_paid_without_payment":
        n = await _one(
            conn,
            "SELECT count(*) FROM orders AS o WHERE o.state = 'paid' AND NOT EXISTS"
            " (SELECT 1 FROM payments AS p WHERE p.order_id = o.id AND p.status = 'completed')",
        )
        return CheckResult(check, n == 0, f"{n} paid order(s) without a completed payment")
    if kind == "backlog_drained":
        n = await _one(
            conn,
            "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL"
            " AND error_message IS NULL AND created_at < now() - %s * interval '1 second'",
            (seconds,),
        )
        return CheckResult(check, n == 0, f"{n} event(s) waiting for more than {seconds:g} s")
    if kind == "no_stuck_pending":
        n = await _one(
            conn,
            "SELECT count(*) FROM orders WHERE state = 'pending'"
            " AND stripe_payment_intent_id IS NULL"
            " AND updated_at < now() - interval '1 hour'",
        )
        return CheckResult(check, n == 0, f"{n} order(s) stuck in pending without an intent")
    if kind == "recent_clean":
        processed, failed = await _row(
            conn,
            "SELECT count(*) FILTER (WHERE processed_at IS NOT NULL) AS processed,"
            " count(*) FILTER (WHERE error_message IS NOT NULL) AS failed"
            " FROM webhook_events WHERE created_at > now() - %s * interval '1 second'",
            (seconds,),
        )
        met = processed > 0 and failed == 0
        return CheckResult(
            check, met, f"last {seconds:g} s: {processed} processed, {failed} with an error"
        )
    if kind == "recent_fast":
        limit = float(p.get("max_avg_seconds", 2.0))
        processed, avg = await _row(
            conn,
            "SELECT count(*) AS processed,"
            " avg(extract(epoch FROM processed_at - created_at))::float8 AS avg_seconds"
            " FROM webhook_events WHERE processed_at IS NOT NULL"
            " AND created_at > now() - %s * interval '1 second'",
            (seconds,),
        )
        met = processed > 0 and avg is not None and avg <= limit
        shown = f"{avg:.2f} s" if avg is not None else "-"
        return CheckResult(check, met, f"last {seconds:g} s: {processed} processed, avg {shown}")
    if kind == "no_failed_notifications_recent":
        sent, failed = await _row(
            conn,
            "SELECT count(*) FILTER (WHERE status = 'sent') AS sent,"
            " count(*) FILTER (WHERE status = 'failed') AS failed"
            " FROM notifications WHERE created_at > now() - %s * interval '1 second'",
            (seconds,),
        )
        met = sent > 0 and failed == 0
        return CheckResult(check, met, f"last {seconds:g} s: {sent} sent, {failed} failed")
    raise ValueError(f"unknown check {kind!r}")
