"""The redelivery as a recovery action: the runbook's action step through the recovery
router, headless (`run recovery_data --apply redeliver`), one operator at a time."""

# ruff: noqa: F811  (stripe_world is a fixture imported from support)
from __future__ import annotations

import asyncio
import json
from typing import Any

import psycopg
import pytest
from support.sim_helpers import query
from support.stripe_world import StripeWorld, cli_env, stripe_world  # noqa: F401

from console import cli
from console.core.db import ReadOnlyError, connect_sync
from console.recovery import actions, router
from console.recovery.audit import AuditLog
from console.recovery.locks import lock_keys
from console.recovery.stripe_action import ACTION_ID, StripePlan


def _lost(world: StripeWorld, n: int) -> list[str]:
    events = [world.new_event() for _ in range(n)]
    for event in events:
        world.miss(event)
    return [e["id"] for e in events]


def lost_and_previewed(world: StripeWorld, n: int) -> StripePlan:
    """`n` events Stripe holds and the endpoint never got, their redelivery previewed on a
    read-only connection of its own. In a worker thread: the demo Stripe it asks is served
    by the test's event loop."""
    _lost(world, n)
    with connect_sync(world.dsn) as reader:
        plan = router.plan(reader, ACTION_ID, settings=world.settings())
    assert isinstance(plan, StripePlan)
    return plan


async def test_the_runbook_step_previews_then_redelivers_headless(
    stripe_world: StripeWorld, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    lost = _lost(stripe_world, 3)
    base = ["run", "recovery_data", "--dsn", stripe_world.dsn, "--apply", "redeliver", "--json"]
    assert await asyncio.to_thread(cli.main, base) == 2
    preview = json.loads(capsys.readouterr().out)
    assert preview["preview"]["action_id"] == ACTION_ID
    assert preview["preview"]["keys"] == lost and preview["preview"]["count"] == 3
    assert preview["token_prompt"].startswith("type 3 ")
    argv = [*base, "--allow-write", "--reason", "3 events lost in the outage", "--confirm", "3"]
    assert await asyncio.to_thread(cli.main, argv) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    assert result["status"] == "applied" and result["changed"] == 3
    processed = query(
        stripe_world.dsn,
        "SELECT count(*) AS n FROM webhook_events WHERE event_id = ANY(%s)"
        " AND processed_at IS NOT NULL",
        [lost],
    )
    assert processed[0]["n"] == 3
    # a dry run is refused: a delivery cannot be rolled back
    assert await asyncio.to_thread(cli.main, [*argv, "--dry-run"]) == 1


async def test_a_second_operator_is_refused_and_told_who_holds_it(
    stripe_world: StripeWorld, tmp_path: Any
) -> None:
    def attempt() -> str:
        plan = lost_and_previewed(stripe_world, 2)
        assert plan.count == 2
        holder = psycopg.connect(stripe_world.dsn, autocommit=True, application_name="other-op")
        k1, k2 = lock_keys(ACTION_ID)
        holder.execute("SELECT pg_advisory_lock(%s, %s)", (k1, k2))
        try:
            with connect_sync(stripe_world.dsn, allow_write=True) as writer:
                audit = AuditLog(state_dsn=None, local_dir=tmp_path)
                with pytest.raises(actions.ActionLocked) as caught:
                    router.apply(writer, plan, plan.token, audit=audit)
                return str(caught.value)
        finally:
            holder.close()

    message = await asyncio.to_thread(attempt)
    assert "already being run by" in message and "other-op" in message
    assert not (tmp_path / "audit.jsonl").exists()  # refused before the intent: nothing sent
    assert sum(stripe_world.receiver.by_status.values()) == 0


async def test_a_read_only_console_cannot_redeliver(
    stripe_world: StripeWorld, tmp_path: Any
) -> None:
    def attempt() -> None:
        plan = lost_and_previewed(stripe_world, 1)
        with connect_sync(stripe_world.dsn) as reader:
            audit = AuditLog(state_dsn=None, local_dir=tmp_path)
            with pytest.raises(ReadOnlyError):
                router.apply(reader, plan, plan.token, audit=audit)

    await asyncio.to_thread(attempt)
    assert sum(stripe_world.receiver.by_status.values()) == 0
