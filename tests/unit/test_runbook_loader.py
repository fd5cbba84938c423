"""Runbook files: all of the guide's checklists load; malformed files fail with one line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from support.runbook_helpers import make_query, whole_catalogue

from console.core.paths import runbooks_dir
from console.runbooks.loader import load_runbook_file, load_runbooks
from console.runbooks.model import (
    FINDING_IDS,
    ActionStep,
    CommandStep,
    ManualStep,
    QueryStep,
    RunbookError,
    runbook_for_finding,
)

QUICK_REFERENCE = {
    "P0": {
        "processing_down",
        "payments_not_processing",
        "security_anomaly",
        "db_connection_failure",
    },
    "P1": {"high_error_rate", "processing_delay", "signature_failures", "idempotency_conflicts"},
    "P2": {
        "rate_limiting",
        "event_age_failures",
        "notification_failures",
        "performance_degradation",
    },
}

GUIDE_SECTIONS = [
    "Quick Reference",
    "Diagnostic Tools",
    "Issue 1",
    "Issue 2",
    "Issue 3",
    "Issue 4",
    "Issue 5",
    "Issue 6",
    "Performance Issues",
    "Security Issues",
    "Data Consistency",
    "Monitoring and Alerting",
    "Complete System Recovery",
    "Data Recovery",
    "Best Practices",
    "Escalation Matrix",
    "Appendix A",
    "Appendix B",
    "Appendix C",
]


@pytest.fixture(scope="module")
def runbooks() -> dict:
    return load_runbooks(catalogue=whole_catalogue())


def test_every_runbook_file_loads(runbooks: dict) -> None:
    files = sorted(p.stem for p in runbooks_dir().glob("*.toml"))
    assert sorted(runbooks) == files
    kinds = [r.kind for r in runbooks.values()]
    assert kinds.count("issue") == 6
    assert kinds.count("advanced") == 3
    assert kinds.count("recovery") == 2


def test_quick_reference_runbooks_carry_the_guides_priorities_and_finding_ids(
    runbooks: dict,
) -> None:
    quick = [r for r in runbooks.values() if r.kind == "quick_reference"]
    by_priority = {p: {r.id for r in quick if r.priority == p} for p in ("P0", "P1", "P2")}
    assert by_priority == QUICK_REFERENCE
    for runbook in quick:
        assert runbook.findings == (runbook.id,)


def test_every_finding_has_a_runbook(runbooks: dict) -> None:
    assert {f: runbook_for_finding(runbooks, f) for f in FINDING_IDS} == {
        **{f: f for ids in QUICK_REFERENCE.values() for f in ids},
        "stuck_orders": "issue_state_transitions",
        "inconsistent_orders": "advanced_data_consistency",
        "undelivered_events": "recovery_data",
    }


def test_every_section_of_the_guide_is_a_runbook(runbooks: dict) -> None:
    sections = " | ".join(r.guide_section for r in runbooks.values())
    assert [s for s in GUIDE_SECTIONS if s not in sections] == []


def test_unsafe_or_wrong_guide_commands_say_what_the_console_does_instead(
    runbooks: dict,
) -> None:
    corrections = {
        "test_signature": "can only fail",
        "echo $STRIPE_WEBHOOK_SECRET": "mask",
        "NOT IN": "NOT EXISTS",
        "mean_time": "mean_exec_time",
        "your_database_name": "current_database()",
    }
    seen = dict.fromkeys(corrections, 0)
    for runbook in runbooks.values():
        for step in runbook.steps:
            for trap, fix in corrections.items():
                if trap in step.guide:
                    seen[trap] += 1
                    assert fix in step.text, f"{runbook.id}/{step.id} quotes {trap!r} unexplained"
    assert all(seen.values()), seen


def test_recovery_restarts_are_state_changing_commands(runbooks: dict) -> None:
    recovery = runbooks["recovery_complete_system"]
    commands = {s.id: s for s in recovery.steps if isinstance(s, CommandStep)}
    assert {n for n, s in commands.items() if s.changes_state} == {
        "stop_processing",
        "restart_postgresql",
        "restart_webhook",
    }
    assert commands["restart_webhook"].guide_argv == ("systemctl", "restart", "webhook-service")


def test_escalation_steps_exist_for_every_issue_type_of_the_matrix(runbooks: dict) -> None:
    escalated = {
        s.escalate for r in runbooks.values() for s in r.steps if isinstance(s, ManualStep)
    }
    assert {"code", "security", "infrastructure", "business"} <= escalated


def test_actions_name_recovery_queries_and_their_previews(runbooks: dict) -> None:
    actions = {s.action for r in runbooks.values() for s in r.steps if isinstance(s, ActionStep)}
    assert "recovery/reset_failed_events" in actions
    assert all(a.startswith("recovery/") for a in actions)


# --- malformed files ------------------------------------------------------------------

CATALOGUE = {
    "diagnostics/t_count": make_query(
        "diagnostics/t_count",
        "SELECT count(*) AS n FROM webhook_events WHERE created_at > now() - %(window)s::interval",
        defaults='{"window": "1 hour"}',
    ),
}

GOOD = """
id = "{stem}"
title = "A runbook"
kind = "issue"
summary = "For tests."

[[steps]]
id = "count"
kind = "query"
title = "Count"
query = "diagnostics/t_count"
verdicts = [{{ when = "max(n) > 0", verdict = "warn", say = "some" }}]
"""


def _write(tmp_path: Path, text: str, stem: str = "broken") -> Path:
    path = tmp_path / f"{stem}.toml"
    path.write_text(text.replace("{stem}", stem).replace("{{", "{").replace("}}", "}"))
    return path


def test_a_good_crafted_file_loads(tmp_path: Path) -> None:
    runbook = load_runbook_file(_write(tmp_path, GOOD), catalogue=CATALOGUE)
    step = runbook.steps[0]
    assert isinstance(step, QueryStep)
    assert step.verdicts[0].when.source == "max(n) > 0"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('title = "A runbook"', 'title = "unclosed'), "not valid TOML"),
        (
            lambda t: t.replace('kind = "query"', 'kind = "teleport"'),
            "unknown step kind 'teleport'",
        ),
        (
            lambda t: t.replace("diagnostics/t_count", "diagnostics/nope"),
            "diagnostics/nope, which is not in the query catalogue",
        ),
        (lambda t: t.replace("max(n) > 0", "max(n) >> 0"), "verdict 1"),
        (lambda t: t.replace('title = "Count"\n', ""), "is missing 'title'"),
        (lambda t: t.replace('summary = "For tests."\n', ""), "is missing 'summary'"),
        (lambda t: t.replace('kind = "issue"', 'kind = "novel"'), "kind must be one of"),
        (lambda t: t + "params = { limit = 5 }\n", "does not take limit"),
        (
            lambda t: t + 'params = { window = { error_pattern = "astrology" } }\n',
            "must be a value or { error_pattern = NAME }",
        ),
        (lambda t: t.replace('id = "count"', 'id = "Count Me"'), "needs an 'id'"),
        (lambda t: t + 'colour = "red"\n', "unknown key(s) for a query step: colour"),
        (lambda t: t.replace('id = "{stem}"', 'id = "other"'), "must match the file name"),
        (lambda t: t + '[[steps]]\nid = "count"\nkind = "manual"\ntitle = "again"\n', "used twice"),
        (
            lambda t: t + '[[steps]]\nid = "c"\nkind = "check"\ncheck = "astrology"\ntitle = "x"\n',
            "unknown check 'astrology'",
        ),
        (
            lambda t: (
                t + '[[steps]]\nid = "l"\nkind = "log"\nsource = "app"\nlines = 0\ntitle = "x"\n'
            ),
            "'lines' must be",
        ),
        (lambda t: t.replace('kind = "issue"', 'kind = "issue"\nfindings = ["nope"]'), "nope"),
    ],
)
def test_malformed_files_give_one_clear_error_naming_the_file(
    tmp_path: Path, edit, message: str
) -> None:
    path = _write(tmp_path, edit(GOOD))
    with pytest.raises(RunbookError) as caught:
        load_runbook_file(path, catalogue=CATALOGUE)
    text = str(caught.value)
    assert text.startswith("broken.toml: "), text
    assert message in text
    assert "\n" not in text


def test_a_directory_reports_every_bad_file_on_its_own_line(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, stem="fine")
    _write(tmp_path, GOOD.replace("diagnostics/t_count", "diagnostics/gone"), stem="one")
    _write(tmp_path, "not = [toml", stem="two")
    with pytest.raises(RunbookError) as caught:
        load_runbooks(tmp_path, catalogue=CATALOGUE)
    lines = str(caught.value).splitlines()
    assert [line.split(":")[0] for line in lines] == ["one.toml", "two.toml"]
    assert "diagnostics/gone" in lines[0]


def test_missing_catalogue_names_are_listed_clearly(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, stem="fine")
    with pytest.raises(RunbookError, match=r"fine.toml: step 1 \(count\) uses diagnostics/t_count"):
        load_runbooks(tmp_path, catalogue={})


def test_issue_runbooks_carry_the_guides_symptoms_causes_and_prevention(runbooks: dict) -> None:
    issues = [r for r in runbooks.values() if r.kind == "issue"]
    for runbook in issues:
        assert len(runbook.symptoms) >= 3, runbook.id
        assert len(runbook.root_causes) == 4, runbook.id
        assert len(runbook.prevention) == 4, runbook.id
    signature = runbooks["issue_signature"]
    assert signature.root_causes == (
        "Incorrect webhook secret",
        "Clock skew between systems",
        "Malformed request body",
        "Missing signature header",
    )


def test_alerting_rules_are_tied_to_their_findings(runbooks: dict) -> None:
    alerts = {s.id: s.finding for s in runbooks["monitoring_alerting"].steps if s.finding}
    assert alerts == {
        "alert_failure_rate": "high_error_rate",
        "alert_processing_time": "processing_delay",
        "alert_pool": "db_connection_failure",
        "alert_signatures": "signature_failures",
    }


def test_every_finding_names_a_runbook_that_exists() -> None:
    from console import triage

    runbooks = load_runbooks()
    for finding_id in FINDING_IDS:
        runbook_id = triage.runbook_for(finding_id)
        assert runbook_id in runbooks, f"{finding_id} points to missing runbook {runbook_id}"
        assert finding_id == runbook_id or finding_id in runbooks[runbook_id].findings


def test_a_query_with_a_malformed_defaults_header_fails_the_runbook_that_uses_it(
    tmp_path: Path,
) -> None:
    counting = CATALOGUE["diagnostics/t_count"]
    broken = {counting.name: replace(counting, meta={**counting.meta, "defaults": "{oops"})}
    with pytest.raises(RunbookError) as caught:
        load_runbook_file(_write(tmp_path, GOOD), catalogue=broken)
    text = str(caught.value)
    assert text.startswith("broken.toml: step 1 (count): ")
    assert "'-- defaults:' is not JSON" in text
