"""Redelivery of Stripe events as a recovery action: the same preview, typed token,
one-operator lock, audit and result as every other action, for a write that is not SQL.

The preview is the reconciliation's missing and failed event ids (`console.stripe`); the
token is their number; apply takes the action's advisory lock on the write connection
(only a console started with --allow-write has one), then redelivers through
`console.stripe.redeliver`, which audits intent, progress and outcome. The result is an
ordinary ActionResult (`changed` = events the endpoint accepted), so the dashboard's
confirm dialog, the timeline and the CLI show it like any other action. There is no dry
run: a delivery cannot be rolled back.

The Stripe side is asynchronous; recovery is synchronous and runs in worker threads, so
each call runs its own event loop with a connection of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import psycopg

from console import queries
from console.core.audit import AuditLog, current_operator
from console.core.config import Settings
from console.core.db import SessionLimits, connect
from console.recovery import actions
from console.recovery.specs import ActionRefused, InvalidParams, PlanExpired, TokenMismatch

ACTION_ID = "redeliver_stripe_events"


@dataclass(frozen=True)
class StripePlan(actions.Plan):
    """A recovery Plan whose keys are event ids; carries the redelivery behind it."""

    redelivery: Any = None  # console.stripe.plan.RedeliveryPlan
    settings: Settings = field(default_factory=Settings)

    def describe(self) -> str:
        return str(self.redelivery.describe())

    def token_prompt(self) -> str:
        return str(self.redelivery.token_prompt())

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "redelivery": self.redelivery.to_json()}


def _conninfo(conn: psycopg.Connection[Any] | None, settings: Settings) -> str | None:
    if settings.database_url:
        return settings.database_url
    if conn is None:
        return None
    return actions._conninfo_of(conn)


def _options(params: Mapping[str, Any] | None) -> dict[str, Any]:
    known = {"since", "rate", "include_old"}
    given = dict(params or {})
    unknown = sorted(set(given) - known)
    if unknown:
        raise InvalidParams(
            f"{ACTION_ID} does not take {', '.join(unknown)}", "it takes since, rate, include_old"
        )
    out: dict[str, Any] = {"since": str(given.get("since") or "2h")}
    try:
        out["rate"] = float(given["rate"]) if given.get("rate") not in (None, "") else None
    except (TypeError, ValueError):
        raise InvalidParams(f"{ACTION_ID}: rate must be a number of events per second") from None
    out["include_old"] = str(given.get("include_old", "")).lower() in ("1", "true", "yes")
    return out


async def _preview(
    dsn: str | None, settings: Settings, options: Mapping[str, Any], ttl_seconds: float
) -> Any:
    from console.stripe.client import StripeEvents
    from console.stripe.plan import plan_redelivery
    from console.stripe.reconcile import reconcile
    from console.stripe.window import make_window

    window = make_window(options["since"])
    events_api = StripeEvents.from_settings(settings, live=settings.stripe_live)
    conn = await connect(dsn, limits=SessionLimits.from_settings(settings), role="preview")
    try:
        rec = await reconcile(conn, events_api, window)
    finally:
        await conn.close()
    return plan_redelivery(
        rec,
        settings,
        rate_per_second=options["rate"],
        include_old=options["include_old"],
        ttl_seconds=ttl_seconds,
    )


def _refusal(exc: Exception) -> ActionRefused:
    line = getattr(exc, "line", None)
    return ActionRefused(line() if callable(line) else str(exc))


def plan(
    conn: psycopg.Connection[Any] | None,
    settings: Settings,
    params: Mapping[str, Any] | None = None,
    *,
    ttl_seconds: float = actions.DEFAULT_TTL_SECONDS,
) -> StripePlan:
    """Preview the redelivery: reconcile the window and list the events to send."""
    from console.stripe.errors import StripeProblem
    from console.stripe.keys import StripeKeyRefused
    from console.stripe.plan import RedeliveryRefused
    from console.stripe.window import WindowError

    options = _options(params)
    try:
        redelivery = asyncio.run(
            _preview(_conninfo(conn, settings), settings, options, ttl_seconds)
        )
    except WindowError as exc:
        raise InvalidParams(f"{ACTION_ID}: {exc}") from None
    except (StripeProblem, StripeKeyRefused, RedeliveryRefused) as exc:
        raise _refusal(exc) from None
    rows = tuple(MappingProxyType(e.to_json() | {"class": e.klass}) for e in redelivery.events)
    now = datetime.now(UTC)
    return StripePlan(
        plan_id=redelivery.plan_id,
        action_id=ACTION_ID,
        params=MappingProxyType(options),
        keys=redelivery.event_ids,
        rows=rows,
        token=redelivery.token,
        created_at=now,
        expires_at=redelivery.expires_at,
        deadline=time.monotonic() + ttl_seconds,
        note="; ".join(redelivery.notes),
        nothing_to_do=redelivery.nothing_to_do,
        redelivery=redelivery,
        settings=settings,
    )


def _progress(on_progress: actions.ProgressCallback | None) -> Any:
    if on_progress is None:
        return None

    def relay(step: Any) -> None:
        on_progress(
            actions.Progress(ACTION_ID, step.done, step.total, "committed", step.done, step.total)
        )

    return relay


async def _redeliver(
    plan: StripePlan, token: str, audit: AuditLog, operator: str, incident_id: Any, relay: Any
) -> Any:
    from console.stripe.client import StripeEvents
    from console.stripe.redeliver import apply_redelivery

    settings = plan.settings
    events_api = StripeEvents.from_settings(settings, live=settings.stripe_live)
    conn = await connect(
        _conninfo(None, settings), limits=SessionLimits.from_settings(settings), role="apply"
    )
    try:
        return await apply_redelivery(
            plan.redelivery,
            token,
            events_api=events_api,
            settings=settings,
            conn=conn,
            audit=audit,
            operator=operator,
            incident_id=incident_id,
            on_progress=relay,
        )
    finally:
        await conn.close()


def apply(
    write_conn: psycopg.Connection[Any],
    plan: StripePlan,
    token: str | None,
    *,
    dry_run: bool = False,
    on_progress: actions.ProgressCallback | None = None,
    audit: AuditLog | None = None,
    operator: str | None = None,
    incident_id: uuid.UUID | None = None,
) -> actions.ActionResult:
    """Redeliver a previewed plan. Refusals (nothing sent) raise like every action's."""
    from console.stripe.plan import RedeliveryRefused

    typed = (token or "").strip()
    if not typed or typed != plan.token:
        shown = repr(typed[:24]) if typed else "nothing"
        raise TokenMismatch(
            f"confirmation refused: typed {shown}, nothing was sent", plan.token_prompt()
        )
    if plan.expired():
        raise PlanExpired(
            f"the preview of {ACTION_ID} expired; nothing was sent",
            "preview again: events may have arrived since",
        )
    if dry_run:
        raise ActionRefused(
            f"{ACTION_ID} has no dry run: a delivery cannot be rolled back", "preview it instead"
        )
    run_id = uuid.uuid4()
    if plan.nothing_to_do:
        return actions.ActionResult(ACTION_ID, run_id, "nothing_to_do", plan.describe(), 0)
    actions._check_writable(write_conn)
    k1, k2 = actions._lock_keys(ACTION_ID)
    lock = queries.get("stripe/try_action_lock")
    row = write_conn.execute(lock.text, lock.bind({"k1": k1, "k2": k2})).fetchone()
    if not (row["ok"] if isinstance(row, Mapping) else row and row[0]):
        raise actions.ActionLocked(ACTION_ID, actions._lock_holders(write_conn, ACTION_ID))
    own_audit = audit is None
    audit = audit or AuditLog(state_dsn=actions._conninfo_of(write_conn))
    try:
        result = asyncio.run(
            _redeliver(
                plan,
                typed,
                audit,
                operator or current_operator(),
                incident_id,
                _progress(on_progress),
            )
        )
    except RedeliveryRefused as exc:
        raise ActionRefused(exc.message, exc.hint) from None
    finally:
        if own_audit:
            audit.close()
        unlock = queries.get("stripe/action_unlock")
        with contextlib.suppress(psycopg.Error):
            write_conn.execute(unlock.text, unlock.bind({"k1": k1, "k2": k2}))
    return _as_action_result(result, plan)


def _as_action_result(result: Any, plan: StripePlan) -> actions.ActionResult:
    status = {"applied": "applied", "nothing_to_do": "nothing_to_do", "partial": "partial"}.get(
        result.status, "partial" if result.redelivered else "failed"
    )
    return actions.ActionResult(
        action_id=ACTION_ID,
        run_id=result.run_id,
        status=status,  # type: ignore[arg-type]
        message=result.message,
        previewed=plan.count,
        changed=result.redelivered,
        error_kind="stopped" if result.stopped_by else "",
        audit_problems=tuple(result.audit_problems),
    )
