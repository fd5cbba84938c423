"""One entry for every recovery action: SQL actions go to the executor, the Stripe
redelivery to its adapter. Callers that have the console's settings (the dashboard, the
CLI, training) use this, so a runbook's action step needs no idea which kind it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from console.core.config import Settings
from console.recovery import actions, stripe_action
from console.recovery.specs import get_spec


def plan(
    conn: psycopg.Connection[Any],
    action_id: str,
    params: Mapping[str, Any] | None = None,
    *,
    settings: Settings | None = None,
    ttl_seconds: float = actions.DEFAULT_TTL_SECONDS,
) -> actions.Plan:
    """Preview any action (`settings` is needed by the Stripe redelivery only)."""
    if get_spec(action_id).kind == "stripe":
        return stripe_action.plan(conn, settings or Settings(), params, ttl_seconds=ttl_seconds)
    return actions.plan(conn, action_id, params, ttl_seconds=ttl_seconds)


def apply(
    write_conn: psycopg.Connection[Any], plan: actions.Plan, token: str | None, **kwargs: Any
) -> actions.ActionResult:
    """Apply a previewed plan of any kind (same keywords as `actions.apply`)."""
    if isinstance(plan, stripe_action.StripePlan):
        kwargs.pop("exact", None)  # a redelivery plans its own set (console/stripe/plan.py)
        kwargs.pop("reason", None)  # and keeps its --reason in its own audit records
        return stripe_action.apply(write_conn, plan, token, **kwargs)
    return actions.apply(write_conn, plan, token, **kwargs)
