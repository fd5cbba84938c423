"""Reconciliations, redelivery previews and results as plain lines for a terminal.

Shared by `incident-console reconcile` and the dashboard's drill-down, so both say the
same thing in the same words.
"""

from __future__ import annotations

from datetime import UTC, datetime

from console.stripe.plan import RedeliveryPlan
from console.stripe.reconcile import CLASSES, MEANINGS, Reconciliation
from console.stripe.redeliver import RedeliveryResult

SAMPLES = 3


def _when(created: int) -> str:
    return datetime.fromtimestamp(created, UTC).strftime("%H:%M:%S")


def reconciliation_lines(rec: Reconciliation, *, samples: int = SAMPLES) -> list[str]:
    listing = rec.listing
    retried = f", {listing.retries} retried" if listing.retries else ""
    lines = [
        f"Stripe events {rec.window.describe()} ({rec.mode} mode, key {rec.key}): "
        f"{len(rec.events)} events, {listing.pages} pages{retried}"
        + ("" if rec.complete else " — INCOMPLETE")
    ]
    for klass in CLASSES:
        members = rec.by_class.get(klass, ())
        lines.append(f"  {klass:<12}{len(members):>7}  {MEANINGS[klass]}")
        if not members or klass == "processed":
            continue
        types: dict[str, int] = {}
        for event in members:
            types[event.type] = types.get(event.type, 0) + 1
        by_type = ", ".join(f"{t} {n}" for t, n in sorted(types.items(), key=lambda x: -x[1]))
        lines.append(f"{'':>21}by type: {by_type}")
        for event in sorted(members, key=lambda e: e.created, reverse=True)[:samples]:
            error = f"  ({event.last_error})" if event.last_error else ""
            lines.append(f"{'':>21}e.g. {event.id} {event.type} at {_when(event.created)}{error}")
    lines.extend(f"note: {note}" for note in rec.notes)
    return lines


def plan_lines(plan: RedeliveryPlan, *, samples: int = SAMPLES) -> list[str]:
    lines = [plan.describe()]
    for event in plan.events[:samples]:
        lines.append(f"  {event.id} {event.type} at {_when(event.created)} ({event.klass})")
    if plan.count > samples:
        lines.append(f"  … and {plan.count - samples} more (--json lists every id)")
    lines.extend(f"note: {note}" for note in plan.notes)
    return lines


def result_lines(result: RedeliveryResult) -> list[str]:
    lines = [f"{result.status}: {result.message}"]
    for outcome in result.outcomes:
        if outcome.result in ("rejected", "failed"):
            status = f" {outcome.http_status}" if outcome.http_status else ""
            lines.append(f"  {outcome.result}{status}: {outcome.event_id} — {outcome.detail}")
    lines.extend(f"audit: {problem}" for problem in result.audit_problems)
    return lines
