"""Training mode without a live system: the scenario table, scoring, debrief, history, CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.cli import run_console

from console.sim.faults import FAULTS
from console.training.cases.load import SCENARIOS_FILE, load_scenarios
from console.training.history import history_path, read_history, record_run, summarise
from console.training.scenarios import (
    COMBINED,
    SCENARIOS,
    ScenarioError,
    all_scenario_ids,
    get_scenario,
    validate_scenarios,
)
from console.training.scoring import Harm, TraineeEvent, debrief, grade_for, score


def run_train(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return run_console("train", *args, state_home=home, timeout=120)


# --- the scenario table --------------------------------------------------------------


def test_every_scenario_validates_against_faults_findings_runbooks_and_actions() -> None:
    assert validate_scenarios() == []


def test_a_bad_scenario_file_names_the_scenario_and_the_key(tmp_path: Path) -> None:
    shipped = SCENARIOS_FILE.read_text(encoding="utf-8")
    typo = tmp_path / "typo.toml"
    misspelt = shipped.replace("\ndiagnose_findings =", "\ndiagnose_finding =", 1)
    typo.write_text(misspelt, encoding="utf-8")
    with pytest.raises(
        ScenarioError,
        match=r"typo.toml: scenario wrong_secret: missing diagnose_findings; "
        r"unknown diagnose_finding",
    ):
        load_scenarios(typo)
    broken = tmp_path / "broken.toml"
    broken.write_text("[[scenario]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken.toml: not valid TOML"):
        load_scenarios(broken)


def test_one_scenario_per_demo_fault_plus_combined_ones() -> None:
    singles = {s.fault_names for s in SCENARIOS.values()}
    assert {(name,) for name in FAULTS} <= singles
    assert len(all_scenario_ids()) >= 12
    combined = get_scenario("processor_down+stuck_orders")
    assert combined.fault_names == ("processor_down", "stuck_orders")
    assert set(combined.diagnose_findings) == {"processing_down", "stuck_orders"}
    assert combined.par_resolve_seconds == sum(
        SCENARIOS[p].par_resolve_seconds for p in COMBINED["processor_down+stuck_orders"]
    )
    # the fixes come after every diagnosis step, the restart before the data clean-up
    kinds = [s.kind for s in combined.ideal_path]
    assert kinds.index("command") > max(i for i, k in enumerate(kinds) if k == "run_step")
    assert kinds[-1] == "action"


def test_every_scenario_has_a_briefing_hints_harm_and_par_for_a_screen() -> None:
    for scenario_id in all_scenario_ids():
        doc = get_scenario(scenario_id).to_json()
        assert doc["briefing"]["alert"] and doc["briefing"]["symptoms"]
        assert doc["briefing"]["customer_impact"]
        assert doc["objectives"]["diagnose"]["findings"] and doc["objectives"]["resolve"]
        assert doc["hints"] >= 1 and doc["harmful"] and doc["ideal_path"]
        json.dumps(doc)


def test_unknown_and_random_and_ad_hoc_combinations() -> None:
    with pytest.raises(ScenarioError, match=r"unknown scenario 'nope'.*wrong_secret"):
        get_scenario("nope")
    with pytest.raises(ScenarioError, match="twice"):
        get_scenario("wrong_secret+wrong_secret")
    assert get_scenario("random", seed=7).id == get_scenario("random", seed=7).id
    picks = {get_scenario("random", seed=s).id for s in range(30)}
    assert len(picks) > 3
    ad_hoc = get_scenario("clock_skew+notification_failures")
    assert ad_hoc.fault_names == ("clock_skew", "notification_failures")
    assert validate_scenarios([ad_hoc]) == []


# --- scoring ---------------------------------------------------------------------------

SCENARIO = SCENARIOS["processor_down"]  # par: diagnose 120 s, resolve 420 s


def test_a_quick_clean_run_scores_a() -> None:
    final = score(
        SCENARIO, resolved=True, time_to_diagnose=60, time_to_resolve=300, hints_used=0, harmful=[]
    )
    assert (final.points, final.grade, final.deductions) == (100, "A", ())


def test_slow_runs_and_hints_lose_points_with_reasons() -> None:
    final = score(
        SCENARIO,
        resolved=True,
        time_to_diagnose=180,  # 50 % over par: half of 20
        time_to_resolve=630,  # 50 % over par: half of 30
        hints_used=1,
        harmful=[],
    )
    assert final.points == 100 - 10 - 15 - 10
    assert final.grade == "D"
    reasons = [d.reason for d in final.deductions]
    assert reasons == [
        "diagnosed in 180 s, par 120 s",
        "resolved in 630 s, par 420 s",
        "1 hint(s) taken",
    ]


def test_harm_costs_points_and_caps_the_grade() -> None:
    harm = Harm("deleted_processed_events", 12.0, "3 processed event(s) deleted")
    final = score(
        SCENARIO, resolved=True, time_to_diagnose=5, time_to_resolve=9, hints_used=0, harmful=[harm]
    )
    assert final.points == 75
    assert final.grade == "C"
    assert "harmful: 3 processed event(s) deleted" in [d.reason for d in final.deductions]
    assert grade_for(95) == "A" and grade_for(59) == "F"


def test_unresolved_is_f_whatever_else() -> None:
    final = score(
        SCENARIO,
        resolved=False,
        time_to_diagnose=3,
        time_to_resolve=None,
        hints_used=0,
        harmful=[],
        time_limit=30,
    )
    assert (final.resolved, final.grade, final.points) == (False, "F", 0)
    assert final.grade_reason == "not resolved within the 30 s limit"


def test_debrief_puts_the_ideal_path_beside_what_was_done() -> None:
    events = [
        TraineeEvent(4.0, "finding_viewed", "processing_down", {"lit": True}),
        TraineeEvent(6.5, "runbook_opened", "processing_down"),
        TraineeEvent(20.0, "command_run", "webhook_restart"),
    ]
    final = score(
        SCENARIO, resolved=True, time_to_diagnose=6.5, time_to_resolve=25, hints_used=0, harmful=[]
    )
    report = debrief(SCENARIO, events, final).to_json()
    done = {(s["kind"], s["target"]): s["done_at"] for s in report["ideal_path"]}
    assert done[("view_finding", "processing_down")] == 4.0
    assert done[("command", "webhook_restart")] == 20.0
    assert done[("run_step", "processing_down")] is None
    assert "command webhook_status" in report["missed"]
    assert [e["at"] for e in report["taken"]] == [4.0, 6.5, 20.0]


# --- history ---------------------------------------------------------------------------


def test_history_is_written_and_summarised(tmp_path: Path) -> None:
    path = history_path(tmp_path)
    good = score(
        SCENARIO, resolved=True, time_to_diagnose=8, time_to_resolve=20, hints_used=0, harmful=[]
    )
    slow = score(
        SCENARIO, resolved=True, time_to_diagnose=200, time_to_resolve=700, hints_used=2, harmful=[]
    )
    failed = score(
        SCENARIO,
        resolved=False,
        time_to_diagnose=None,
        time_to_resolve=None,
        hints_used=0,
        harmful=[],
    )
    for final in (slow, good, failed):
        record_run(
            path,
            scenario_id="processor_down",
            faults=["processor_down"],
            final=final,
            autopilot=False,
        )
    records = read_history(path)
    assert [r["grade"] for r in records] == [slow.grade, "A", "F"]
    [row] = summarise(records)
    assert row["attempts"] == 3 and row["resolved"] == 2
    assert row["best_grade"] == "A"
    assert row["best_time_to_diagnose"] == 8 and row["best_time_to_resolve"] == 20


# --- the command line ------------------------------------------------------------------


def test_train_list_json(tmp_path: Path) -> None:
    proc = run_train("--list", "--json", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows: list[dict[str, Any]] = json.loads(proc.stdout)["scenarios"]
    ids = [r["id"] for r in rows]
    assert set(SCENARIOS) <= set(ids) and set(COMBINED) <= set(ids)
    assert {"id", "title", "severity", "faults", "findings"} <= set(rows[0])


def test_train_report_reads_the_history_dir(tmp_path: Path) -> None:
    final = score(
        SCENARIO, resolved=True, time_to_diagnose=8, time_to_resolve=20, hints_used=1, harmful=[]
    )
    record_run(
        history_path(tmp_path / "h"),
        scenario_id="processor_down",
        faults=["processor_down"],
        final=final,
        autopilot=True,
    )
    proc = run_train("--report", "--json", "--history-dir", str(tmp_path / "h"), home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    [row] = json.loads(proc.stdout)["scenarios"]
    assert row["scenario"] == "processor_down" and row["best_grade"] == final.grade
    empty = run_train("--report", home=tmp_path)  # default dir under XDG_STATE_HOME: empty
    assert empty.returncode == 0 and "no training runs recorded yet" in empty.stdout


def test_train_bad_input_is_one_line(tmp_path: Path) -> None:
    proc = run_train("--scenario", "nope", home=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        line for line in proc.stderr.strip().splitlines() if line.startswith("incident-console:")
    ]
    assert "Traceback" not in proc.stderr
    interactive = run_train("--scenario", "wrong_secret", "--json", home=tmp_path)
    assert interactive.returncode == 1  # an interactive run is a screen, not a document
    assert interactive.stderr.strip() == (
        "incident-console: --json needs --autopilot: an interactive run is a screen"
    )
    assert json.loads(interactive.stdout) == {
        "error": "--json needs --autopilot: an interactive run is a screen"
    }
