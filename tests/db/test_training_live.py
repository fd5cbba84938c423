"""Training on the real simulation: embedded PostgreSQL, real HTTP, the console's actions.

One embedded server for the module (the session's `pg_server`), a fresh database per
scenario. The autopilot proves every scenario can be solved with the console's own
actions and the training service commands; a scenario left alone stays unresolved; harm
is detected and scored.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support.cli import run_console

from console.training.autopilot import run_autopilot
from console.training.options import DrillOptions
from console.training.runner import autopilot_outcome
from console.training.scenarios import all_scenario_ids, get_scenario
from console.training.session import TrainingSession

pytestmark = pytest.mark.timeout(60)
POLL = 0.3


def _drill(tmp_path: Path, **more: Any) -> DrillOptions:
    """The tests' drill: quick polls, its audit log in the test's own folder."""
    return DrillOptions(poll_interval=POLL, state_dir=tmp_path, **more)


@pytest.mark.parametrize("scenario_id", all_scenario_ids())
async def test_autopilot_resolves_every_scenario(scenario_id: str, db, tmp_path: Path) -> None:
    outcome = await autopilot_outcome(
        get_scenario(scenario_id),
        db.dsn,
        _drill(tmp_path, time_limit=30.0),
        save=False,
    )
    assert outcome["resolved"], json.dumps(outcome["checks"])
    assert outcome["time_to_diagnose"] is not None
    assert outcome["time_to_resolve"] is not None
    assert outcome["harmful"] == []
    assert outcome["grade"] == "A"
    assert all(step["ok"] for step in outcome["path"]), outcome["path"]
    assert outcome["debrief"]["missed"] == []
    assert all(c["met"] for c in outcome["checks"])


async def test_uuid_ids_too(pg_server, tmp_path: Path) -> None:
    name = f"t_train_uuid_{uuid.uuid4().hex[:8]}"
    dsn = pg_server.create_database(name, template="tmpl_uuid")
    try:
        outcome = await autopilot_outcome(
            get_scenario("duplicate_deliveries+paid_without_payment"),
            dsn,
            _drill(tmp_path, time_limit=30.0),
            save=False,
        )
    finally:
        pg_server.drop_database(name)
    assert outcome["resolved"] and outcome["harmful"] == []


async def test_a_scenario_left_alone_stays_unresolved(db, tmp_path: Path) -> None:
    scenario = get_scenario("paid_without_payment")
    async with TrainingSession(scenario, db.dsn, _drill(tmp_path, time_limit=3.0)) as session:
        lit = await session.wait_for(
            lambda p: "inconsistent_orders" in {f.id for f in p.findings}, 10.0
        )
        # left alone past its time limit, judged by the session's own clock
        past_limit = await session.wait_for(lambda p: p.elapsed > 3.0, 10.0)
        final, report = await session.finish()
        progress = session.progress()
    assert lit and past_limit
    unmet = {c.check.kind for c in progress.checks if not c.met}
    assert {"fault_off", "no_paid_without_payment", "finding_clear"} <= unmet
    assert progress.resolved_at is None and progress.diagnosed_at is None
    assert (final.resolved, final.grade) == (False, "F")
    assert final.grade_reason == "not resolved within the 3 s limit"
    assert len(report.missed) == len(scenario.ideal_path)


async def test_the_time_limit_fails_a_slow_run(db, tmp_path: Path) -> None:
    outcome = await autopilot_outcome(
        get_scenario("processor_down"),
        db.dsn,
        _drill(tmp_path, time_limit=1.0),
        save=False,
    )
    assert (outcome["resolved"], outcome["grade"], outcome["score"]) == (False, "F", 0)


async def test_harmful_actions_are_detected_and_penalised(db, tmp_path: Path) -> None:
    scenario = get_scenario("wrong_secret")
    async with TrainingSession(scenario, db.dsn, _drill(tmp_path)) as s:
        assert await s.wait_for(lambda p: "signature_failures" in {f.id for f in p.findings}, 30.0)
        assert s.view_finding("signature_failures") is not None
        s.open_runbook("signature_failures")
        await s.run_command("webhook_restart")
        assert await s.wait_for(lambda p: p.resolved, 30.0)  # events get processed again
        # 1. terminate a healthy (not idle-in-transaction) receiver session
        with psycopg.connect(db.dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'webhook-receiver'"
                " AND state <> 'idle in transaction' AND datname = current_database() LIMIT 1"
            ).fetchone()
            assert row is not None
            # 2. delete a processed event behind the console's back (psql, say)
            deleted = conn.execute(
                "DELETE FROM webhook_events WHERE id = (SELECT id FROM webhook_events"
                " WHERE processed_at IS NOT NULL LIMIT 1) RETURNING id"
            ).fetchall()
            assert len(deleted) == 1
            # 3. move an order that has a payment intent back to 'pending'
            moved = conn.execute(
                "UPDATE orders SET state = 'pending' WHERE id = (SELECT id FROM orders"
                " WHERE stripe_payment_intent_id IS NOT NULL LIMIT 1) RETURNING id"
            ).fetchall()
            assert len(moved) == 1
        plan = await s.plan_action("terminate_backend", {"pid": row[0]})
        result = await s.apply_action(plan, plan.token)
        assert result.status == "applied"
        await s.judge()
        final, report = await s.finish()
    kinds = sorted(h.kind for h in final.harmful)
    assert kinds == [
        "deleted_processed_events",
        "reset_orders_with_intent",
        "terminated_healthy_receiver",
    ]
    assert final.resolved
    assert (final.points, final.grade) == (100 - 3 * 25, "F")
    assert any("harmful: " in d.reason for d in final.deductions)
    assert any(e["kind"] == "action_applied" for e in report.to_json()["taken"])


async def test_stopping_the_cause_without_fixing_the_data_is_harm(db, tmp_path: Path) -> None:
    scenario = get_scenario("paid_without_payment")
    async with TrainingSession(scenario, db.dsn, _drill(tmp_path)) as s:
        assert await s.wait_for(lambda p: "inconsistent_orders" in {f.id for f in p.findings}, 30.0)
        hint = s.take_hint()
        await s.run_command("webhook_restart")
        final, _ = await s.finish()
    assert hint == scenario.hints[0] and final.hints_used == 1
    assert [h.kind for h in final.harmful] == ["fault_off_data_left"]
    assert not final.resolved


async def test_a_trainee_run_is_recorded_with_times(db, tmp_path: Path) -> None:
    scenario = get_scenario("stuck_orders")
    async with TrainingSession(scenario, db.dsn, _drill(tmp_path)) as s:
        s.take_hint()
        await run_autopilot(s, limit=20.0)
        final, report = await s.finish()
    kinds = [e.kind for e in s.events]
    assert kinds[:2] == ["hint_taken", "finding_viewed"]
    assert {"runbook_opened", "step_run", "command_run", "action_applied"} <= set(kinds)
    times = [e.at for e in s.events]
    assert times == sorted(times)
    assert final.resolved and report.missed == ()
    assert final.hints_used == 1 and final.points == 100 - scenario.hint_cost


def test_train_autopilot_cli_writes_history(tmp_path: Path) -> None:
    def train(*args: str) -> subprocess.CompletedProcess[str]:
        return run_console("train", *args, state_home=tmp_path, timeout=90)

    proc = train("--scenario", "stuck_orders", "--autopilot", "--json")
    assert proc.returncode == 0, proc.stderr
    outcome = json.loads(proc.stdout)
    assert outcome["resolved"] and outcome["grade"] == "A"
    assert {"time_to_diagnose", "time_to_resolve", "score", "path"} <= set(outcome)
    report = json.loads(train("--report", "--json").stdout)
    [row] = report["scenarios"]
    assert (row["scenario"], row["attempts"], row["best_grade"]) == ("stuck_orders", 1, "A")
    assert Path(report["history"]) == tmp_path / "incident-console" / "training.jsonl"
