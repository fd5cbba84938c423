"""`incident-console run RUNBOOK --apply STEP [--allow-write --reason TEXT --confirm TOKEN]`.

Without --confirm it previews the action, saves the preview as a plan (its keys,
parameters, operator and expiry: console/recovery/saved_plans.py) and prints its plan_id
and the token to type: nothing is written, exit 2. With --confirm it applies that saved
plan (`--plan ID`, else the operator's latest for the step), never a fresh preview: the
token confirms the previewed set as an upper bound, re-checked row by row
(console/recovery/recheck.py; `--exact` keeps all-or-nothing). It applies only when the
token matches, the console was started with --allow-write and a --reason is given (kept
in the audit log and on the incident's timeline), and, while a shared incident is open, a
big write has a second person's approval (console/incidents/two_person.py). Each outcome
is one JSON document with --json; the exit code is 0 only when the action applied (or
had nothing to do). The Stripe redelivery plans its own set and is previewed afresh.
Printing is console/cli/run.py's: `apply_step` returns what to say as an `ApplyOutcome`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.runbooks.model import ActionStep, Runbook

EXIT_OK, EXIT_ERROR, EXIT_NEEDS_CONFIRM = 0, 1, 2


class ApplyRefused(ValueError):
    """The request cannot be carried out as given; nothing was touched."""


APPLIED = {"applied", "nothing_to_do", "dry_run"}


@dataclass(frozen=True)
class ApplyOutcome:
    """What the command says (one JSON document, or one line) and its exit code."""

    document: dict[str, Any]
    line: str
    exit_code: int


def apply_step(
    runbook: Runbook,
    settings: Any,
    step_id: str,
    *,
    confirm: str | None,
    allow_write: bool,
    dry_run: bool = False,
    exact: bool = False,
    reason: str | None = None,
    plan_id: str | None = None,
) -> ApplyOutcome:
    from console.core.audit import current_operator
    from console.core.db import SessionLimits, connect_sync, require_dsn
    from console.recovery import router
    from console.recovery.saved_plans import PlanStore, SavedPlan, with_ttl
    from console.recovery.specs import get_spec
    from console.recovery.write_window import check_reason

    step = next((s for s in runbook.steps if s.id == step_id), None)
    if not isinstance(step, ActionStep):
        names = ", ".join(s.id for s in runbook.steps if isinstance(s, ActionStep)) or "none"
        raise ApplyRefused(f"{runbook.id} has no action step {step_id!r} (action steps: {names})")
    dsn = require_dsn(settings.database_url)
    limits = SessionLimits.from_settings(settings)  # the pooler setting and the timeouts
    store = PlanStore(settings.state_database_url or dsn, limits)
    operator = current_operator()
    saved_kind = get_spec(step.action).kind != "stripe"
    if confirm is None or not saved_kind:
        with connect_sync(dsn, limits=limits) as read_conn:
            plan = router.plan(read_conn, step.action, dict(step.params), settings=settings)
    if confirm is None:
        where = ""
        if saved_kind:
            plan = with_ttl(plan)
            where = store.save(SavedPlan(plan, runbook.id, step.id, operator)).where
        return _preview_outcome(runbook, step.id, plan, where)
    if not allow_write:
        raise ApplyRefused("the console is read-only; add --allow-write to apply")
    reason = check_reason(reason) if not dry_run else (reason or "").strip()
    if saved_kind:
        plan = store.find(runbook=runbook.id, step=step.id, operator=operator, plan_id=plan_id).plan
    return _apply(settings, dsn, limits, runbook, step.id, plan, confirm, dry_run, exact, reason)


def _preview_outcome(runbook: Runbook, step_id: str, plan: Any, where: str) -> ApplyOutcome:
    preview = {"runbook": runbook.id, "step": step_id, "preview": plan.to_json()}
    saved = ""
    if where:
        preview |= {"plan_id": str(plan.plan_id), "saved_in": where}
        saved = (
            f"\nplan_id {plan.plan_id} (saved in {where}; expires {plan.expires_at:%H:%M:%S} "
            "UTC): --confirm applies exactly this preview, at most these rows"
        )
    return ApplyOutcome(
        {**preview, "applied": False, "token_prompt": plan.token_prompt()},
        f"{plan.describe()}{saved}\nnothing written; to apply: --allow-write --reason TEXT "
        f"--confirm <token> ({plan.token_prompt()})",
        EXIT_NEEDS_CONFIRM,
    )


def _apply(
    settings: Any,
    dsn: str,
    limits: Any,
    runbook: Runbook,
    step_id: str,
    plan: Any,
    confirm: str,
    dry_run: bool,
    exact: bool,
    reason: str,
) -> ApplyOutcome:
    from console.core.db import connect_sync
    from console.core.state_place import StatePlace
    from console.incidents.presence import Identity
    from console.incidents.session import SharedIncident
    from console.incidents.two_person import TwoPersonRule, guarded_apply
    from console.recovery import router
    from console.recovery.audit import AuditLog

    state_dsn = settings.state_database_url or dsn
    audit = AuditLog(state_dsn=state_dsn, limits=limits)
    # While a shared incident is open, a big write needs a second person (two_person.py).
    place = StatePlace(state_dsn, settings, limits=limits)
    shared = SharedIncident(place, Identity.here(via="cli"), audit=audit)
    try:
        incident = shared.current()
        with (
            guarded_apply(TwoPersonRule(shared), incident, plan),
            connect_sync(dsn, allow_write=True, limits=limits, role="apply") as write_conn,
        ):
            result = router.apply(
                write_conn,
                plan,
                confirm.strip(),
                audit=audit,
                dry_run=dry_run,
                incident_id=incident.id if incident else None,
                exact=exact,
                reason=reason,
            )
        if incident is not None:  # the others see it on the shared timeline
            shared.store.note(incident, shared.who, f"write by {shared.who}: {reason}")
            shared.store.record_result(incident, shared.who, result)
    finally:
        shared.close()
        audit.close()
    preview = {"runbook": runbook.id, "step": step_id, "preview": plan.to_json()}
    return ApplyOutcome(
        {**preview, "plan_id": str(plan.plan_id), "reason": reason, "result": result.to_json()},
        f"{result.status}: {result.message}",
        EXIT_OK if result.status in APPLIED else EXIT_ERROR,
    )
