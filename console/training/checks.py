"""Resolve checks: is the data right and is the symptom gone? One SQL read each.

Every check reads the monitored tables through bound parameters only and never assumes
an id type; the statements are `sql/training/<kind>.sql`. "Recent" checks look at the
events created in the last few seconds and need at least one processed there: a silent
system is not a healthy one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from console import queries
from console.training.model import Check


@dataclass(frozen=True)
class CheckResult:
    check: Check
    met: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {**self.check.to_json(), "met": self.met, "detail": self.detail}


Row = tuple[Any, ...]
Knobs = Mapping[str, Any]
Verdict = tuple[bool, str]
# A judge reads the statement's one row (as a tuple), the window and the check's knobs.
Judge = Callable[[Row, float, Knobs], Verdict]


def _none_left(counted: str) -> Judge:
    """A judge of a count that must be zero; `counted` names what ({seconds:g}: the window)."""

    def judge(row: Row, seconds: float, p: Knobs) -> Verdict:
        (n,) = row
        return n == 0, f"{n} " + counted.format(seconds=seconds)

    return judge


def _clean(done: str, failed: str) -> Judge:
    """A judge of the last seconds' work: some done, none failed."""

    def judge(row: Row, seconds: float, p: Knobs) -> Verdict:
        ok, bad = row
        return ok > 0 and bad == 0, f"last {seconds:g} s: {ok} {done}, {bad} {failed}"

    return judge


def _recent_fast(row: Row, seconds: float, p: Knobs) -> Verdict:
    limit = float(p.get("max_avg_seconds", 2.0))
    processed, avg = row
    met = processed > 0 and avg is not None and avg <= limit
    shown = f"{avg:.2f} s" if avg is not None else "-"
    return met, f"last {seconds:g} s: {processed} processed, avg {shown}"


JUDGES: dict[str, Judge] = {
    "no_duplicate_unprocessed": _none_left("duplicated event_id(s) with an unprocessed copy"),
    "no_new_duplicates": _none_left("event_id(s) stored twice in the last {seconds:g} s"),
    "no_paid_without_payment": _none_left("paid order(s) without a completed payment"),
    "backlog_drained": _none_left("event(s) waiting for more than {seconds:g} s"),
    "no_stuck_pending": _none_left("order(s) stuck in pending without an intent"),
    "recent_clean": _clean("processed", "with an error"),
    "recent_fast": _recent_fast,
    "no_failed_notifications_recent": _clean("sent", "failed"),
}


async def _row(conn: psycopg.AsyncConnection[Any], kind: str, seconds: float) -> Row:
    query = queries.get(f"training/{kind}")
    params = query.bind({"seconds": seconds}) if query.params else None
    cur = await conn.execute(query.text, params)
    row = await cur.fetchone()
    if row is None:
        return ()
    return tuple(row.values()) if isinstance(row, Mapping) else tuple(row)


async def _missed(
    conn: psycopg.AsyncConnection[Any], check: Check, sent: Sequence[tuple[str, float]]
) -> CheckResult:
    """no_missed_events: Stripe's events older than `seconds` all have a processed copy
    (younger ones may still be in the sender's retries: 4 attempts take about 4 s)."""
    seconds = float(check.params.get("seconds", 5.0))
    cutoff = time.time() - seconds
    ids = [event_id for event_id, created in sent if created <= cutoff]
    query = queries.get("training/no_missed_events")
    cur = await conn.execute(query.text, query.bind({"ids": ids}))
    row = await cur.fetchone()
    left = int((tuple(row.values()) if isinstance(row, Mapping) else tuple(row or (0,)))[0])
    return CheckResult(
        check, left == 0, f"{left} of {len(ids)} events Stripe sent are not processed"
    )


async def run_check(
    conn: psycopg.AsyncConnection[Any],
    check: Check,
    *,
    findings: Collection[str],
    active_faults: Collection[str],
    stripe_sent: Sequence[tuple[str, float]] = (),
) -> CheckResult:
    """Judge one check now; `findings` lit on the last poll, `active_faults` switched on,
    `stripe_sent` the (event id, created) of what the simulated Stripe sent."""
    p = check.params
    kind = check.kind
    if kind == "no_missed_events":
        return await _missed(conn, check, stripe_sent)
    if kind == "finding_clear":
        lit = p["finding"] in findings
        return CheckResult(check, not lit, f"{p['finding']} {'still fires' if lit else 'clear'}")
    if kind == "fault_off":
        on = p["fault"] in active_faults
        return CheckResult(check, not on, "the cause is still active" if on else "cause stopped")
    judge = JUDGES.get(kind)
    if judge is None:
        raise ValueError(f"unknown check {kind!r}")
    seconds = float(p.get("seconds", 4.0))
    met, detail = judge(await _row(conn, kind, seconds), seconds, p)
    return CheckResult(check, met, detail)
