"""Training `missed_events`: the endpoint goes down, Stripe's deliveries fail, and the
autopilot resolves it the way an operator would — reconcile, bring the endpoint back,
redeliver — until every event Stripe sent is processed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.sim_helpers import query

from console.stripe.redeliver import AUDIT_BATCH
from console.training.options import DrillOptions
from console.training.runner import autopilot_outcome
from console.training.scenarios import get_scenario

pytestmark = pytest.mark.timeout(120)


async def test_the_autopilot_redelivers_every_missed_event(db, tmp_path: Path) -> None:
    outcome = await autopilot_outcome(
        get_scenario("missed_events"),
        db.dsn,
        DrillOptions(time_limit=30.0, poll_interval=0.3, state_dir=tmp_path),
        save=False,
    )
    assert outcome["resolved"], json.dumps(outcome["checks"])
    assert outcome["redelivered"] >= 1
    kinds = [(s["kind"], s["target"]) for s in outcome["path"]]
    assert kinds[:3] == [
        ("view_finding", "undelivered_events"),
        ("open_runbook", "recovery_data"),
        ("run_step", "recovery_data"),
    ]
    assert kinds[-1] == ("action", "redeliver_stripe_events")
    [missed] = [c for c in outcome["checks"] if c["kind"] == "no_missed_events"]
    assert missed["met"] and missed["detail"].startswith("0 of ")
    sent = int(missed["detail"].split(" of ")[1].split()[0])
    assert sent >= outcome["redelivered"]
    # the redelivery is on the audit record, with every id it sent
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    phases = [(r["action_id"], r["phase"]) for r in audit]
    # intent, one progress record per AUDIT_BATCH events sent, then the outcome
    batches = len(audit[-1]["detail"]["outcomes"]) // AUDIT_BATCH
    assert phases == [
        ("redeliver_stripe_events", "intent"),
        *[("redeliver_stripe_events", "progress")] * batches,
        ("redeliver_stripe_events", "outcome"),
    ]
    assert audit[-1]["detail"]["redelivered"] == outcome["redelivered"]
    unprocessed = query(
        db.dsn,
        "SELECT count(*) AS n FROM webhook_events WHERE event_id = ANY(%s)"
        " AND processed_at IS NULL",
        [audit[0]["detail"]["keys"]],
    )
    assert unprocessed[0]["n"] == 0


def test_train_missed_events_autopilot_json_reports_resolved_and_redelivered(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state")}
    env.pop("INCIDENT_CONSOLE_CONFIG", None)
    env.pop("STRIPE_SECRET_KEY", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "train",
            "--scenario",
            "missed_events",
            "--autopilot",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=110,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout)
    assert outcome["resolved"] is True
    assert outcome["redelivered"] >= 1
