"""Redelivery of Stripe events as a recovery action: the same preview, typed token,
one-operator lock, audit and result as every other action, for a write that is not SQL.

The preview is the reconciliation's missing and failed event ids (`console.stripe`); the
token is their number; apply takes the action's advisory lock on the write connection
(only a console started with --allow-write has one), then redelivers through
`console.stripe.redeliver`, which audits intent, progress and outcome here. The result is
an ordinary ActionResult (`changed` = events the endpoint accepted), so the dashboard's
confirm dialog, the timeline and the CLI show it like any other action. There is no dry
run: a delivery cannot be rolled back.

The Stripe side is asynchronous; recovery is synchronous and runs in worker threads, so
each call runs its own event loop, with a database connection of its own.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import psycopg

from console.core.audit import current_operator
from console.core.config import Settings
from console.core.confirmation import token_refusal
from console.core.db import SessionLimits, connect
from console.recovery.audit import AuditLog
from console.recovery.conn import check_writable, conninfo_of
from console.recovery.errors import ActionRefused, InvalidParams, PlanExpired, TokenMismatch
from console.recovery.locks import action_lock
from console.recovery.plan import DEFAULT_TTL_SECONDS, Plan
from console.recovery.results import ActionResult, Progress, ProgressCallback
from console.recovery.specs import get_spec

ACTION_ID = "redeliver_stripe_events"


@dataclass(frozen=True)
class StripePlan(Plan):
    """A recovery Plan whose keys are event ids; carries the redelivery behind it."""

    redelivery: Any = None  # console.stripe.plan.RedeliveryPlan
    settings: Settings = field(default_factory=Settings)

    def describe(self) -> str:
        return str(self.redelivery.describe())

    def token_prompt(self) -> str:
        return str(self.redelivery.token_prompt())

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "redelivery": self.redelivery.to_json()}


def _options(params: Mapping[str, Any] | None) -> dict[str, Any]:
    given = dict(params or {})
    unknown = sorted(set(given) - {"since", "rate", "include_old"})
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


def _dsn(conn: psycopg.Connection[Any] | None, settings: Settings) -> str | None:
    if settings.database_url or conn is None:
        return settings.database_url
    return conninfo_of(conn)


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


def wrap(
    redelivery: Any, settings: Settings, params: Mapping[str, Any] | None = None
) -> StripePlan:
    """A previewed RedeliveryPlan as the recovery Plan callers confirm and apply."""
    rows = tuple(MappingProxyType(e.to_json() | {"class": e.klass}) for e in redelivery.events)
    return StripePlan(
        plan_id=redelivery.plan_id,
        action_id=ACTION_ID,
        params=MappingProxyType(dict(params or {})),
        keys=redelivery.event_ids,
        rows=rows,
        token=redelivery.token,
        created_at=datetime.now(UTC),
        expires_at=redelivery.expires_at,
        deadline=redelivery.deadline,
        note="; ".join(redelivery.notes),
        nothing_to_do=redelivery.nothing_to_do,
        redelivery=redelivery,
        settings=settings,
    )


def plan(
    conn: psycopg.Connection[Any] | None,
    settings: Settings,
    params: Mapping[str, Any] | None = None,
    *,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
) -> StripePlan:
    """Preview the redelivery: reconcile the window and list the events to send."""
    from console.stripe.errors import StripeProblem
    from console.stripe.keys import StripeKeyRefused
    from console.stripe.plan import RedeliveryRefused
    from console.stripe.window import WindowError

    options = _options(params)
    try:
        redelivery = asyncio.run(_preview(_dsn(conn, settings), settings, options, ttl_seconds))
    except WindowError as exc:
        raise InvalidParams(f"{ACTION_ID}: {exc}") from None
    except StripeKeyRefused as exc:
        raise ActionRefused(exc.message, exc.hint) from None
    except (StripeProblem, RedeliveryRefused) as exc:
        raise ActionRefused(exc.message, exc.hint) from None
    return wrap(redelivery, settings, options)


async def _redeliver(
    plan: StripePlan,
    token: str,
    audit: AuditLog,
    operator: str,
    incident_id: Any,
    relay: Any,
    reason: str,
) -> Any:
    from console.stripe.client import StripeEvents
    from console.stripe.redeliver import apply_redelivery

    settings = plan.settings
    events_api = StripeEvents.from_settings(settings, live=settings.stripe_live)
    conn = await connect(
        settings.database_url, limits=SessionLimits.from_settings(settings), role="apply"
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
            reason=reason,
            on_progress=relay,
        )
    finally:
        await conn.close()


def _relay(on_progress: ProgressCallback | None, lock: Any) -> Any:
    """After each event: keep the lock session's transaction alive (a lost lock stops the
    run: the progress callback raising is how a redelivery is told to stop), then tell."""

    def relay(step: Any) -> None:
        if not lock.alive():
            raise ActionRefused(f"the lock of {ACTION_ID} was lost; stopped")
        if on_progress is not None:
            on_progress(
                Progress(ACTION_ID, step.done, step.total, "committed", step.done, step.total)
            )

    return relay


def redeliver(
    write_conn: psycopg.Connection[Any],
    plan: StripePlan,
    token: str | None,
    *,
    audit: AuditLog,
    operator: str | None = None,
    incident_id: uuid.UUID | None = None,
    on_progress: ProgressCallback | None = None,
    reason: str = "",
) -> Any:
    """Check the token and the preview's age, hold the lock, redeliver: the detailed
    RedeliveryResult. Refusals (nothing sent) raise like every action's."""
    from console.stripe.plan import RedeliveryRefused

    refusal = token_refusal(token, plan.token, "nothing was sent")
    if refusal:
        raise TokenMismatch(refusal, plan.token_prompt())
    typed = (token or "").strip()
    if plan.expired():
        raise PlanExpired(
            f"the preview of {ACTION_ID} expired; nothing was sent",
            "preview again: events may have arrived since",
        )
    check_writable(write_conn)
    if plan.settings.database_url is None:
        plan = StripePlan(**{**plan.__dict__, "settings": _with_dsn(plan.settings, write_conn)})
    with action_lock(write_conn, get_spec(ACTION_ID), conninfo_of(write_conn)) as lock:
        try:
            return asyncio.run(
                _redeliver(
                    plan,
                    typed,
                    audit,
                    operator or current_operator(),
                    incident_id,
                    _relay(on_progress, lock),
                    reason,
                )
            )
        except RedeliveryRefused as exc:
            raise ActionRefused(exc.message, exc.hint) from None


def _with_dsn(settings: Settings, conn: psycopg.Connection[Any]) -> Settings:
    from dataclasses import replace

    return replace(settings, database_url=conninfo_of(conn))


def apply(
    write_conn: psycopg.Connection[Any],
    plan: StripePlan,
    token: str | None,
    *,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
    audit: AuditLog | None = None,
    operator: str | None = None,
    incident_id: uuid.UUID | None = None,
) -> ActionResult:
    """The recovery executor's `apply` for the redelivery (same keywords, same refusals)."""
    if dry_run:
        raise ActionRefused(
            f"{ACTION_ID} has no dry run: a delivery cannot be rolled back", "preview it instead"
        )
    if plan.nothing_to_do and (token or "").strip() == plan.token and not plan.expired():
        return ActionResult(ACTION_ID, uuid.uuid4(), "nothing_to_do", plan.describe(), 0)
    own_audit = audit is None
    limits = SessionLimits.from_settings(plan.settings)
    audit = audit or AuditLog(state_dsn=conninfo_of(write_conn), limits=limits)
    started = time.monotonic()
    try:
        result = redeliver(
            write_conn,
            plan,
            token,
            audit=audit,
            operator=operator,
            incident_id=incident_id,
            on_progress=on_progress,
        )
    finally:
        if own_audit:
            audit.close()
    status = {"applied": "applied", "nothing_to_do": "nothing_to_do", "partial": "partial"}.get(
        result.status, "partial" if result.redelivered else "failed"
    )
    return ActionResult(
        action_id=ACTION_ID,
        run_id=result.run_id,
        status=status,  # type: ignore[arg-type]
        message=f"{result.message} ({time.monotonic() - started:.1f} s)",
        previewed=plan.count,
        changed=result.redelivered,
        error_kind="stopped" if result.stopped_by else "",
        audit_problems=tuple(result.audit_problems),
    )
