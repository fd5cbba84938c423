"""Apply a previewed redelivery: typed token -> audit -> paced, signed deliveries -> audit.

Each event is fetched from Stripe afresh (its exact JSON) and POSTed to WEBHOOK_URL with
a `Stripe-Signature` made with the configured secret, oldest first, at the plan's rate.
Before sending, the database is asked again: an event processed (or queued) since the
preview is skipped and counted. The run stops at the first systematic failure (see
`delivery`), marking the rest not sent; a second run changes nothing, because the
reconciliation no longer finds the events and the receiver's duplicate check
acknowledges any that are sent again.

The audit gets the intent (every id) before the first delivery, a progress record after
each batch, and the outcome — also when the run is cancelled — so a redelivery is never
half done without a record of what was sent. If the intent cannot be audited, nothing is
sent. Afterwards the delivered events are looked up again and the result says how many
are now processed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from console.core.audit import current_operator
from console.core.audit_sink import AuditSink
from console.core.config import Settings
from console.core.confirmation import token_refusal
from console.core.jsonable import pick
from console.stripe.client import StripeEvents
from console.stripe.delivery import deliver
from console.stripe.errors import StripeProblem
from console.stripe.plan import ACTION_ID, RedeliveryPlan, RedeliveryRefused
from console.stripe.reconcile import RECEIPT_SLACK, classify, database_rows

Result = Literal["delivered", "duplicate", "queued", "rejected", "skipped", "failed", "not_sent"]
RunStatus = Literal["applied", "nothing_to_do", "partial", "stopped", "interrupted"]
AUDIT_BATCH = 25
MAX_REJECTED_IN_A_ROW = 10
SENT: frozenset[str] = frozenset({"delivered", "duplicate", "queued", "rejected", "failed"})


@dataclass(frozen=True)
class DeliveryOutcome:
    event_id: str
    event_type: str
    result: Result
    http_status: int | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return pick(
            self, ("id", "event_id"), ("type", "event_type"), "result", "http_status", "detail"
        )


@dataclass(frozen=True)
class RedeliveryProgress:
    done: int
    total: int
    outcome: DeliveryOutcome


ProgressCallback = Callable[[RedeliveryProgress], None]


@dataclass(frozen=True)
class RedeliveryResult:
    run_id: uuid.UUID
    status: RunStatus
    message: str
    previewed: int
    outcomes: tuple[DeliveryOutcome, ...] = ()
    stopped_by: str = ""
    verified: dict[str, int] = field(default_factory=dict)
    audit_problems: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        tally = Counter(o.result for o in self.outcomes)
        return {k: tally[k] for k in Result.__args__}  # type: ignore[attr-defined]

    @property
    def redelivered(self) -> int:
        """Events the endpoint accepted (delivered or queued); duplicates changed nothing."""
        counts = self.counts()
        return counts["delivered"] + counts["queued"]

    def to_json(self) -> dict[str, Any]:
        return {
            "action_id": ACTION_ID,
            "run_id": str(self.run_id),
            "status": self.status,
            "message": self.message,
            "previewed": self.previewed,
            "redelivered": self.redelivered,
            "counts": self.counts(),
            "stopped_by": self.stopped_by,
            "verified": dict(self.verified),
            "outcomes": [o.to_json() for o in self.outcomes],
            "audit_problems": list(self.audit_problems),
        }


@dataclass
class _Run:
    plan: RedeliveryPlan
    run_id: uuid.UUID
    audit: AuditSink
    operator: str
    incident_id: uuid.UUID | None
    outcomes: list[DeliveryOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    in_flight: tuple[str, str] | None = None

    def record(self, phase: str, detail: dict[str, Any]) -> None:
        receipt = self.audit.write(
            run_id=self.run_id,
            phase=phase,
            action_id=ACTION_ID,
            operator=self.operator,
            incident_id=self.incident_id,
            detail=detail,
        )
        problems = getattr(receipt, "problems", ())
        self.problems.extend(p for p in problems if p not in self.problems)

    def record_quietly(self, phase: str, detail: dict[str, Any]) -> None:
        """After the first delivery a failed audit must not hide what was sent: say it."""
        try:
            self.record(phase, detail)
        except Exception as exc:
            self.problems.append(f"{phase} not audited: {exc}")


async def apply_redelivery(
    plan: RedeliveryPlan,
    token: str | None,
    *,
    events_api: StripeEvents,
    settings: Settings,
    conn: Any,
    audit: AuditSink,
    operator: str | None = None,
    incident_id: uuid.UUID | None = None,
    reason: str = "",
    on_progress: ProgressCallback | None = None,
    http_timeout: float = 10.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> RedeliveryResult:
    """Send a previewed redelivery. Raises RedeliveryRefused (nothing sent) for a wrong
    token, an expired preview, a missing secret or an audit that cannot be written."""
    refusal = token_refusal(token, plan.token, "nothing was sent")
    if refusal:
        raise RedeliveryRefused(refusal, plan.token_prompt())
    if plan.expired():
        raise RedeliveryRefused(
            f"the preview expired at {plan.expires_at:%H:%M:%S} UTC; nothing was sent",
            "preview again: events may have arrived since",
        )
    run = _Run(plan, uuid.uuid4(), audit, operator or current_operator(), incident_id)
    if plan.nothing_to_do:
        return RedeliveryResult(run.run_id, "nothing_to_do", plan.describe(), 0)
    secrets = settings.webhook_secrets()
    if not secrets:
        raise RedeliveryRefused("STRIPE_WEBHOOK_SECRET is not set: nothing was sent")
    try:
        run.record("intent", {**plan.to_json(), "sample": [], "reason": reason})
    except Exception as exc:  # no record of intent, no delivery
        hint = getattr(exc, "hint", "") or "bring the state database back or fix the state dir"
        raise RedeliveryRefused(f"{exc}; nothing was sent", hint) from None
    try:
        stopped_by = await _send_all(
            run, events_api, secrets[0].reveal(), conn, on_progress, http_timeout, sleep
        )
    except BaseException:  # cancelled (SIGTERM, Ctrl-C) or a bug: the record comes first
        if run.in_flight is not None:
            run.outcomes.append(
                DeliveryOutcome(
                    *run.in_flight,
                    "failed",
                    detail="in flight when the run was interrupted: it may have arrived; "
                    "the next reconciliation tells",
                )
            )
        _mark_rest(run, "not_sent", "the run was interrupted")
        result = _result(run, "interrupted", "the run was interrupted", {})
        run.record_quietly("outcome", result.to_json())
        raise
    verified = await _verify(run, conn)
    status: RunStatus = "applied"
    if stopped_by:
        status = "stopped"
    elif any(o.result in ("rejected", "failed") for o in run.outcomes):
        status = "partial"
    result = _result(run, status, stopped_by, verified)
    run.record_quietly("outcome", result.to_json())
    return replace(result, audit_problems=tuple(run.problems))


async def _send_all(
    run: _Run,
    events_api: StripeEvents,
    secret: str,
    conn: Any,
    on_progress: ProgressCallback | None,
    http_timeout: float,
    sleep: Callable[[float], Awaitable[None]],
) -> str:
    """Deliver every planned event still missing or failed; the reason it stopped, or ''."""
    plan = run.plan
    since = plan.events[0].created if plan.events else 0
    rows = await database_rows(
        conn, plan.event_ids, datetime.fromtimestamp(since, UTC) - RECEIPT_SLACK
    )
    interval = 1.0 / plan.rate_per_second if plan.rate_per_second > 0 else 0.0
    next_at = time.monotonic()
    rejected_in_a_row = 0
    for index, event in enumerate(plan.events):
        now_class = _class_now(event, rows)
        if now_class in ("processed", "unprocessed"):
            outcome = DeliveryOutcome(
                event.id, event.type, "skipped", detail=f"{now_class} since the preview"
            )
        else:
            await sleep(max(0.0, next_at - time.monotonic()))
            next_at = max(next_at + interval, time.monotonic())
            run.in_flight = (event.id, event.type)
            outcome = await _one(event.id, event.type, events_api, secret, plan, http_timeout)
            run.in_flight = None
            if outcome.result == "failed":  # systematic, or Stripe could not give the event
                run.outcomes.append(outcome)
                _progress(run, on_progress, index)
                _mark_rest(run, "not_sent", "not sent: the run stopped before it")
                return outcome.detail
            rejected_in_a_row = rejected_in_a_row + 1 if outcome.result == "rejected" else 0
        run.outcomes.append(outcome)
        stop = _progress(run, on_progress, index)
        if len(run.outcomes) % AUDIT_BATCH == 0:
            run.record_quietly(
                "progress", {"outcomes": [o.to_json() for o in run.outcomes[-AUDIT_BATCH:]]}
            )
        if rejected_in_a_row >= MAX_REJECTED_IN_A_ROW:
            stop = f"{rejected_in_a_row} events in a row were refused ({outcome.detail})"
        if stop:
            _mark_rest(run, "not_sent", "not sent: the run stopped before it")
            return stop
    return ""


def _class_now(event: Any, rows: dict[str, dict[str, Any]]) -> str:
    return classify(event, rows.get(event.id)).klass


async def _one(
    event_id: str,
    event_type: str,
    events_api: StripeEvents,
    secret: str,
    plan: RedeliveryPlan,
    http_timeout: float,
) -> DeliveryOutcome:
    try:
        fetched = await asyncio.to_thread(events_api.fetch, event_id)
    except StripeProblem as problem:
        return DeliveryOutcome(event_id, event_type, "failed", problem.http_status, problem.line())
    answer = await deliver(plan.webhook_url, fetched.body, secret, timeout=http_timeout)
    result: Result = "failed" if answer.verdict == "systematic" else answer.verdict
    return DeliveryOutcome(event_id, event_type, result, answer.http_status, answer.detail)


def _progress(run: _Run, on_progress: ProgressCallback | None, index: int) -> str:
    """Tell the caller; a callback that raises stops the run (nothing more is sent)."""
    if on_progress is None:
        return ""
    try:
        on_progress(RedeliveryProgress(index + 1, run.plan.count, run.outcomes[-1]))
    except Exception as exc:
        return f"the progress display failed ({type(exc).__name__}: {exc}); stopped"
    return ""


def _mark_rest(run: _Run, result: Result, detail: str) -> None:
    done = {o.event_id for o in run.outcomes}
    run.outcomes.extend(
        DeliveryOutcome(e.id, e.type, result, detail=detail)
        for e in run.plan.events
        if e.id not in done
    )


async def _verify(run: _Run, conn: Any) -> dict[str, int]:
    """How the sent events stand in the database now."""
    sent = [o.event_id for o in run.outcomes if o.result in SENT]
    if not sent:
        return {}
    since = run.plan.events[0].created
    try:
        rows = await database_rows(conn, sent, datetime.fromtimestamp(since, UTC) - RECEIPT_SLACK)
    except Exception as exc:
        run.problems.append(f"could not verify in the database: {exc}")
        return {}
    by_id = {e.id: e for e in run.plan.events}
    tally = Counter(classify(by_id[i], rows.get(i)).klass for i in sent)
    return {k: tally[k] for k in ("processed", "unprocessed", "failed", "missing")}


def _result(
    run: _Run, status: RunStatus, stopped_by: str, verified: dict[str, int]
) -> RedeliveryResult:
    counts = Counter(o.result for o in run.outcomes)
    sent = sum(counts[k] for k in SENT)
    message = (
        f"{counts['delivered'] + counts['queued']} of {run.plan.count} events redelivered"
        f" ({counts['duplicate']} already processed, {counts['rejected']} refused,"
        f" {counts['skipped']} skipped, {counts['not_sent']} not sent)"
    )
    if verified:
        message += f"; now processed in the database: {verified.get('processed', 0)} of {sent}"
    if stopped_by:
        message += f"; stopped: {stopped_by}"
    return RedeliveryResult(
        run_id=run.run_id,
        status=status,
        message=message,
        previewed=run.plan.count,
        outcomes=tuple(run.outcomes),
        stopped_by=stopped_by,
        verified=verified,
        audit_problems=tuple(run.problems),
    )
