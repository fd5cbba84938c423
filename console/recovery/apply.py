"""Apply a previewed plan after the operator typed its token.

Apply takes an advisory lock per action, held by a lock session of its own so that it
holds behind a transaction pooler (console.recovery.locks; a second operator is refused
and told who holds it), audits intent before and outcome after (refused if the audit
cannot be written anywhere), re-runs the preview (to count the rows that match only
since, or, under `exact`, to make sure nothing moved), then runs the batches
(console.recovery.batches) or the index build (console.recovery.index).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import psycopg

from console.core.audit import current_operator
from console.core.confirmation import token_refusal
from console.core.db import DatabaseError, SessionLimits, guard_of, translate
from console.recovery.audit import AuditLog, AuditUnavailable
from console.recovery.batches import execute_batches
from console.recovery.conn import check_writable, conninfo_of, own_pid, run_preview
from console.recovery.errors import ActionRefused, PlanExpired, TokenMismatch
from console.recovery.index import execute_index
from console.recovery.locks import action_lock
from console.recovery.plan import Plan
from console.recovery.recheck import carried_values, changed_since_preview, new_since_preview
from console.recovery.results import ActionResult, ProgressCallback
from console.recovery.run import Run


def apply(
    write_conn: psycopg.Connection[Any],
    plan: Plan,
    token: str | None,
    *,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
    audit: AuditLog | None = None,
    operator: str | None = None,
    incident_id: uuid.UUID | None = None,
    exact: bool = False,
    reason: str = "",
) -> ActionResult:
    """Run a previewed action after the operator typed its token. See the module docstring.

    The previewed set is an upper bound (console.recovery.recheck); `exact` keeps the
    all-or-nothing rule: any difference from the preview and nothing is changed.

    Raises (nothing written): TokenMismatch, PlanExpired, ActionRefused, ReadOnlyError,
    ActionLocked, AuditUnavailable. Everything after the first write is an ActionResult.
    """
    refusal = token_refusal(token, plan.token, "nothing was changed")
    if refusal:
        raise TokenMismatch(refusal, plan.token_prompt())
    spec = plan.spec
    if plan.expired():
        raise PlanExpired(
            f"the preview of {spec.id} expired at {plan.expires_at:%H:%M:%S} UTC; nothing "
            "was changed",
            "preview again: the rows may have changed since",
        )
    if plan.blocked:
        raise ActionRefused(f"{spec.id} cannot run: {plan.blocked}")
    run = Run(spec, plan, write_conn, dry_run, on_progress, verify_dsn="", exact=exact)
    if plan.nothing_to_do:
        return run.result("nothing_to_do", plan.describe())
    check_writable(write_conn)
    if spec.kind == "backend" and plan.keys[0] == own_pid(write_conn):
        raise ActionRefused(f"pid {plan.keys[0]} is this console's own session")
    run.verify_dsn = conninfo_of(write_conn)
    own_audit = audit is None
    guard = guard_of(write_conn)
    limits = guard.limits if guard else SessionLimits()
    audit = audit or AuditLog(state_dsn=run.verify_dsn, limits=limits)
    try:
        who = operator or current_operator()
        return _locked_and_audited(run, audit, who, incident_id, reason)
    finally:
        if own_audit:
            audit.close()


def _locked_and_audited(
    run: Run, audit: AuditLog, operator: str, incident_id: uuid.UUID | None, reason: str
) -> ActionResult:
    """Hold the action's lock; audit intent (or refuse), execute, audit outcome."""
    spec, plan, conn = run.spec, run.plan, run.conn
    with action_lock(conn, spec, run.verify_dsn) as lock:
        run.lock = lock
        receipt = audit.write(
            run_id=run.run_id,
            phase="intent",
            action_id=spec.id,
            operator=operator,
            incident_id=incident_id,
            detail={
                "plan_id": plan.plan_id,
                "title": spec.title,
                "params": dict(plan.params),
                "previewed": plan.count,
                "keys": [str(k) for k in plan.keys],
                "dry_run": run.dry_run,
                "batch_size": spec.batch_size,
                "rule": "upper_bound" if run.upper_bound else "exact",
                "reason": reason,
                "backend_pid": own_pid(conn),
                "lock_pid": lock.server_pid,
            },
        )
        result = replace(_execute(run), audit_problems=receipt.problems)
        try:
            audit.write(
                run_id=run.run_id,
                phase="outcome",
                action_id=spec.id,
                operator=operator,
                incident_id=incident_id,
                detail=result.to_json(),
            )
        except AuditUnavailable as exc:
            # The change happened; say loudly that its outcome is not on record.
            return replace(
                result,
                message=f"{result.message} — WARNING: outcome not audited: {exc}",
                audit_problems=(*result.audit_problems, str(exc)),
            )
        return result


def _execute(run: Run) -> ActionResult:
    spec, p = run.spec, run.plan
    try:
        now_rows = run_preview(run.conn, spec, p.params)
    except (psycopg.Error, DatabaseError) as exc:
        err = translate(exc)
        run.error_kind = err.kind
        return run.result("failed", f"re-checking the preview failed, nothing changed: {err}")
    if spec.kind == "index":
        return execute_index(run, now_rows)
    if run.upper_bound:  # each batch's write re-checks its rows; new ones are only counted
        run.new_matches = new_since_preview(run, now_rows)
        return execute_batches(run, carried_values(spec, p))
    refused = changed_since_preview(run, now_rows)
    if refused is not None:
        return refused
    return execute_batches(run, carried_values(spec, p))
