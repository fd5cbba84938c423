"""Redelivery end to end: Stripe's missing and failed events fetched, signed and posted to
the reference receiver, previewed and confirmed, audited, stopped at the first
systematic failure, and idempotent."""

# ruff: noqa: F811  (stripe_world is a fixture imported from support)
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from support.sim_helpers import SECRET, WRONG, query
from support.stripe_world import StripeWorld, cli_env, stripe_world  # noqa: F401

from console import cli
from console.core.config import Secret
from console.core.db import connect
from console.recovery.audit import AuditLog
from console.stripe.delivery import deliver
from console.stripe.plan import RedeliveryPlan, RedeliveryRefused, plan_redelivery
from console.stripe.reconcile import Reconciliation, reconcile
from console.stripe.redeliver import RedeliveryProgress, RedeliveryResult, apply_redelivery
from console.stripe.window import make_window


async def _outage(world: StripeWorld, missing: int = 4, failed: int = 2) -> list[str]:
    """Two processed events, then `failed` with a bad signature, then `missing` lost."""
    for _ in range(2):
        assert await world.send(world.new_event()) == 200
    lost: list[str] = []
    for _ in range(failed):
        event = world.new_event()
        assert await world.send(event, secret=WRONG) == 400
        lost.append(event["id"])
    for _ in range(missing):
        event = world.new_event()
        world.miss(event)
        lost.append(event["id"])
    return lost


def _snapshot(dsn: str) -> dict[str, Any]:
    return {
        "events": query(
            dsn,
            "SELECT event_id, processed_at, error_message, retry_count FROM webhook_events"
            " ORDER BY event_id",
        ),
        "orders": query(dsn, "SELECT id, state, paid_at FROM orders ORDER BY id"),
        "payments": query(dsn, "SELECT order_id, status FROM payments ORDER BY order_id"),
    }


class Session:
    """One operator's view: a read-only connection, the Stripe client, the audit log."""

    def __init__(self, world: StripeWorld, conn: Any, **settings: Any) -> None:
        self.world = world
        self.conn = conn
        self.settings = world.settings(**settings)
        self.events_api = world.events_api(self.settings)
        self.audit = AuditLog(state_dsn=None, local_dir=world.tmp / "state")

    async def reconcile(self) -> Reconciliation:
        return await reconcile(self.conn, self.events_api, make_window("1h"))

    async def plan(self, **kw: Any) -> RedeliveryPlan:
        return plan_redelivery(await self.reconcile(), self.settings, **kw)

    async def apply(self, plan: RedeliveryPlan, token: str | None, **kw: Any) -> RedeliveryResult:
        return await apply_redelivery(
            plan,
            token,
            events_api=self.events_api,
            settings=self.settings,
            conn=self.conn,
            audit=self.audit,
            **kw,
        )

    def audit_phases(self) -> list[str]:
        return [r["phase"] for r in self.audit.local_records()]


async def outage_planned(
    world: StripeWorld, session: Any
) -> tuple[Session, RedeliveryPlan, list[str]]:
    """The default outage (`_outage`), then one operator's preview: (session, plan, lost)."""
    lost = await _outage(world)
    s = session()
    return s, await s.plan(), lost


@pytest.fixture
async def session(stripe_world: StripeWorld) -> Any:
    conn = await connect(stripe_world.dsn)
    yield lambda **settings: Session(stripe_world, conn, **settings)
    await conn.close()


async def test_missing_and_failed_events_end_up_processed(
    stripe_world: StripeWorld, session: Any
) -> None:
    s, plan, lost = await outage_planned(stripe_world, session)
    assert plan.event_ids == tuple(lost) and plan.token == "6"
    assert plan.to_json()["by_class"] == {"missing": 4, "failed": 2}
    seen: list[RedeliveryProgress] = []
    result = await s.apply(plan, "6", on_progress=seen.append)
    assert result.status == "applied" and result.redelivered == 6
    assert result.verified == {"processed": 6, "unprocessed": 0, "failed": 0, "missing": 0}
    assert [p.done for p in seen] == [1, 2, 3, 4, 5, 6] and seen[-1].total == 6
    after = await s.reconcile()
    assert after.counts() == {"missing": 0, "failed": 0, "unprocessed": 0, "processed": 8}
    [paid] = query(stripe_world.dsn, "SELECT count(*) AS n FROM orders WHERE state = 'paid'")
    assert paid["n"] == 8
    assert s.audit_phases() == ["intent", "outcome"]
    intent, outcome = s.audit.local_records()
    assert intent["detail"]["keys"] == lost
    assert outcome["detail"]["redelivered"] == 6


async def test_a_second_run_changes_nothing(stripe_world: StripeWorld, session: Any) -> None:
    s, first, lost = await outage_planned(stripe_world, session)
    await s.apply(first, first.token)
    before = _snapshot(stripe_world.dsn)
    again = await s.plan()
    assert again.nothing_to_do and again.token == again.action_id
    result = await s.apply(again, again.token)
    assert result.status == "nothing_to_do" and result.redelivered == 0
    # and sending the very same events again: the receiver's duplicate check holds
    for event_id in lost:
        body = (await asyncio.to_thread(s.events_api.fetch, event_id)).body
        answer = await deliver(s.settings.webhook_url, body, SECRET)
        assert answer.verdict == "duplicate", answer
    assert _snapshot(stripe_world.dsn) == before


async def test_the_stale_preview_skips_what_arrived_meanwhile(
    stripe_world: StripeWorld, session: Any
) -> None:
    lost = await _outage(stripe_world, missing=3, failed=0)
    s = session()
    plan = await s.plan()
    # Stripe's own retry gets one of them in between preview and apply
    event = next(e for e in stripe_world.sent if e["id"] == lost[1])
    assert await stripe_world.send(event) == 200
    result = await s.apply(plan, "3")
    assert result.counts()["skipped"] == 1 and result.redelivered == 2
    assert [o.result for o in result.outcomes] == ["delivered", "skipped", "delivered"]


@pytest.mark.parametrize("typed", [None, "", "  ", "5", "7", "redeliver_stripe_events", "6\n6"])
async def test_anything_but_the_count_sends_nothing(
    stripe_world: StripeWorld, session: Any, typed: str | None
) -> None:
    s, plan, _ = await outage_planned(stripe_world, session)
    before = _snapshot(stripe_world.dsn)
    deliveries = sum(stripe_world.receiver.by_status.values())
    with pytest.raises(RedeliveryRefused, match="nothing was sent"):
        await s.apply(plan, typed)
    assert _snapshot(stripe_world.dsn) == before
    assert sum(stripe_world.receiver.by_status.values()) == deliveries
    assert not [r for r in stripe_world.api.requests if r.path.startswith("/v1/events/")]
    assert s.audit_phases() == []


async def test_an_expired_preview_sends_nothing(stripe_world: StripeWorld, session: Any) -> None:
    await _outage(stripe_world)
    s = session()
    plan = plan_redelivery(await s.reconcile(), s.settings, ttl_seconds=0.0)
    with pytest.raises(RedeliveryRefused, match="expired"):
        await s.apply(plan, plan.token)
    assert s.audit_phases() == []


async def test_an_unreachable_endpoint_stops_at_the_first_event(
    stripe_world: StripeWorld, session: Any
) -> None:
    lost = await _outage(stripe_world)
    s = session(webhook_url="http://127.0.0.1:9/api/webhooks/stripe")
    plan = await s.plan()
    result = await s.apply(plan, plan.token)
    assert result.status == "stopped" and "cannot reach" in result.stopped_by
    assert [o.result for o in result.outcomes] == ["failed"] + ["not_sent"] * 5
    assert [o.event_id for o in result.outcomes] == lost
    assert s.audit_phases() == ["intent", "outcome"]
    outcome = s.audit.local_records()[-1]["detail"]
    assert outcome["counts"]["not_sent"] == 5 and outcome["status"] == "stopped"


async def test_a_wrong_signing_secret_stops_and_says_which_setting(
    stripe_world: StripeWorld, session: Any
) -> None:
    await _outage(stripe_world)
    s = session(stripe_webhook_secret=Secret(WRONG))
    before = _snapshot(stripe_world.dsn)
    plan = await s.plan()
    result = await s.apply(plan, plan.token)
    assert result.status == "stopped" and "STRIPE_WEBHOOK_SECRET" in result.stopped_by
    assert result.counts()["not_sent"] == 5
    # the receiver recorded the refusal on the first event's row; nothing else moved
    changed = [
        a
        for a, b in zip(before["events"], _snapshot(stripe_world.dsn)["events"], strict=False)
        if a != b
    ]
    assert len(changed) <= 1


async def test_stripe_refusing_the_fetch_stops_the_run(
    stripe_world: StripeWorld, session: Any
) -> None:
    s, plan, _ = await outage_planned(stripe_world, session)
    stripe_world.api.inject(503, 50)
    result = await s.apply(plan, plan.token)
    assert result.status == "stopped" and "503" in result.stopped_by
    assert result.counts()["failed"] == 1 and result.counts()["not_sent"] == 5


async def test_the_rate_stays_below_the_receivers_limit(
    stripe_world: StripeWorld, session: Any
) -> None:
    await _outage(stripe_world, missing=6, failed=0)
    # the receiver allows 20 per second: redelivery takes at most half
    s = session(rate_limit_max_events=20, rate_limit_window_ms=1_000)
    plan = await s.plan(rate_per_second=100.0)
    assert plan.rate_per_second == 10.0
    assert any("half the receiver's limit" in note for note in plan.notes)
    started = time.monotonic()
    result = await s.apply(plan, plan.token)
    assert result.redelivered == 6
    assert time.monotonic() - started >= 5 / 10.0


async def test_events_too_old_for_the_receiver_are_left_out_and_said(
    stripe_world: StripeWorld, session: Any
) -> None:
    old = stripe_world.new_event(created=time.time() - 3_000)
    stripe_world.miss(old)
    fresh = stripe_world.new_event()
    stripe_world.miss(fresh)
    s = session(max_event_age_seconds=3_000)
    plan = await s.plan()
    assert plan.event_ids == (fresh["id"],) and plan.excluded["too_old"] == 1
    assert any("MAX_EVENT_AGE_SECONDS" in note for note in plan.notes)
    assert (await s.plan(include_old=True)).count == 2


async def test_an_interrupted_run_leaves_a_record_of_what_was_sent(
    stripe_world: StripeWorld, session: Any
) -> None:
    s, plan, _ = await outage_planned(stripe_world, session)

    def stop_after_two(step: RedeliveryProgress) -> None:
        if step.done == 2:
            task = asyncio.current_task()
            assert task is not None
            task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await s.apply(plan, plan.token, on_progress=stop_after_two)
    assert s.audit_phases() == ["intent", "outcome"]
    outcome = s.audit.local_records()[-1]["detail"]
    assert outcome["status"] == "interrupted"
    results = [o["result"] for o in outcome["outcomes"]]
    assert results[:2] == ["delivered", "delivered"] and set(results[2:]) <= {"not_sent", "failed"}


async def test_the_audit_unwritable_means_nothing_is_sent(
    stripe_world: StripeWorld, session: Any
) -> None:
    await _outage(stripe_world)
    s = session()
    blocked = stripe_world.tmp / "blocked"
    blocked.write_text("a file where the state directory should be")
    s.audit = AuditLog(state_dsn=None, local_dir=blocked)
    plan = await s.plan()
    before = _snapshot(stripe_world.dsn)
    with pytest.raises(RedeliveryRefused, match="audit"):
        await s.apply(plan, plan.token)
    assert _snapshot(stripe_world.dsn) == before


# ---- the headless flow ------------------------------------------------------------------


async def _cli(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, list(argv))


async def test_preview_then_confirm_from_the_command_line(
    stripe_world: StripeWorld, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    lost = await _outage(stripe_world)
    dsn = stripe_world.dsn
    assert await _cli("reconcile", "--dsn", dsn, "--redeliver", "--json") == 2
    preview = json.loads(capsys.readouterr().out)
    assert preview["applied"] is False and preview["preview"]["keys"] == lost
    assert preview["preview"]["confirm"].startswith("type 6 ")
    # a token without --allow-write: refused, nothing sent
    assert await _cli("reconcile", "--dsn", dsn, "--redeliver", "--confirm", "6", "--json") == 1
    assert "read-only" in json.loads(capsys.readouterr().out)["error"]
    assert len(query(dsn, "SELECT 1 FROM webhook_events WHERE processed_at IS NOT NULL")) == 2
    argv = ["--redeliver", "--allow-write", "--reason", "outage 14:00", "--confirm", "6", "--json"]
    assert await _cli("reconcile", "--dsn", dsn, *argv) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["result"]["status"] == "applied" and done["result"]["redelivered"] == 6
    assert len(query(dsn, "SELECT 1 FROM webhook_events WHERE processed_at IS NOT NULL")) == 8
    # the same command again: a fresh preview has nothing, so the old token is refused
    assert await _cli("reconcile", "--dsn", dsn, *argv) == 1
    assert "confirmation refused" in json.loads(capsys.readouterr().out)["error"]
