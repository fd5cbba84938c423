"""`incident-console runbooks` and `run` through a real subprocess: JSON shapes, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from support.cli import run_console
from support.runbook_helpers import REPO, seed_failing_events, whole_catalogue


@pytest.fixture(scope="module")
def cli_root() -> Path:
    """Where to run `python -m console`: this checkout, with its whole query catalogue."""
    whole_catalogue()
    return REPO


def cli(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    home = tempfile.mkdtemp(prefix="ic-home-")  # no user config, no audit in the repo
    return run_console(*args, env={"HOME": home, **(env or {})}, cwd=root)


def test_runbooks_json_lists_every_runbook_with_its_steps(cli_root: Path) -> None:
    out = cli(cli_root, "runbooks", "--json")
    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    runbooks = {r["id"]: r for r in document["runbooks"]}
    assert len(runbooks) == 27
    p0 = runbooks["processing_down"]
    assert (p0["priority"], p0["kind"], p0["findings"]) == (
        "P0",
        "quick_reference",
        ["processing_down"],
    )
    step = p0["steps"][0]
    assert {"id", "kind", "title", "text", "why", "prevention", "guide", "read_only"} <= set(step)
    assert step["kind"] == "query" and step["read_only"] is True
    assert step["query"] == "diagnostics/processing_performance"
    assert step["verdicts"][0]["verdict"] == "fail"
    commands = [s for s in runbooks["recovery_complete_system"]["steps"] if s["kind"] == "command"]
    assert any(s["changes_state"] for s in commands)
    assert [r["priority"] for r in document["runbooks"][:12]] == ["P0"] * 4 + ["P1"] * 4 + [
        "P2"
    ] * 4


def test_runbooks_human_listing(cli_root: Path) -> None:
    out = cli(cli_root, "runbooks")
    assert out.returncode == 0
    assert "P0  processing_down" in out.stdout
    assert "(not headless)" in out.stdout


def test_run_json_fails_with_exit_2_when_a_verdict_fails(cli_root: Path, db) -> None:
    with db.connect() as conn:
        seed_failing_events(conn, 10)
    out = cli(cli_root, "run", "high_error_rate", "--dsn", db.dsn, "--json")
    assert out.returncode == 2, out.stderr
    document = json.loads(out.stdout)
    assert (document["runbook"], document["status"], document["exit_code"]) == (
        "high_error_rate",
        "fail",
        2,
    )
    steps = {s["id"]: s for s in document["steps"]}
    rate = steps["rate"]
    assert rate["status"] == "fail"
    assert rate["ran"] is True
    assert rate["columns"] == ["total_events", "failed_events", "error_percent"]
    assert rate["rows"] == [{"total_events": 100, "failed_events": 10, "error_percent": 10.0}]
    assert {"verdict", "row_count", "duration_ms", "error", "title", "kind"} <= set(rate)
    assert document["counts"]["fail"] >= 1


def test_run_exits_0_on_a_healthy_database_and_lists_unrun_steps(cli_root: Path, db) -> None:
    with db.connect() as conn:
        seed_failing_events(conn, 0)
    out = cli(cli_root, "run", "issue_database_connections", "--dsn", db.dsn, "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    steps = {s["id"]: s for s in json.loads(out.stdout)["steps"]}
    assert steps["cancel"]["ran"] is False and steps["cancel"]["status"] == "skipped"
    assert steps["postgresql_status"]["ran"] is False
    assert "not configured" in steps["postgresql_status"]["verdict"]
    human = cli(cli_root, "run", "issue_database_connections", "--dsn", db.dsn)
    assert human.returncode == 0
    assert "not run headless" in human.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "no_such_runbook", "--json"], "no runbook named 'no_such_runbook'"),
        (["run", "high_error_rate", "--json"], "no database configured"),
        (
            ["run", "high_error_rate", "--apply", "no_such_step", "--confirm", "3", "--json"],
            "has no action step 'no_such_step'",
        ),
        (
            ["run", "high_error_rate", "--dsn", "postgresql://nobody@127.0.0.1:1/x", "--json"],
            "cannot reach the database",
        ),
    ],
)
def test_run_errors_are_one_line_exit_1_and_one_json_document(
    cli_root: Path, args: list[str], message: str
) -> None:
    out = cli(cli_root, *args)
    assert out.returncode == 1
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert message in json.loads(out.stdout)["error"]


def test_a_broken_runbook_dir_is_reported_not_raised(cli_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    shutil.copytree(cli_root / "console", root / "console")
    shutil.copytree(cli_root / "sql", root / "sql")
    (root / "console" / "runbooks" / "data" / "processing_down.toml").write_text("id = [")
    out = cli(root, "runbooks", "--json")
    assert out.returncode == 1
    assert "processing_down.toml: not valid TOML" in out.stderr
    assert "processing_down.toml" in json.loads(out.stdout)["error"]


def _duplicates(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for event_id, processed in (
            ("evt_dup_a", True),
            ("evt_dup_a", False),
            ("evt_dup_b", False),
        ):
            conn.execute(
                "INSERT INTO webhook_events (event_id, event_type, created_at, processed_at)"
                " VALUES (%s, 'payment_intent.succeeded', now() - interval '2 minutes',"
                " CASE WHEN %s THEN now() END)",
                (event_id, processed),
            )
        conn.execute(
            "INSERT INTO webhook_events (event_id, event_type, created_at)"
            " VALUES ('evt_dup_b', 'payment_intent.succeeded', now() - interval '1 minute')"
        )


def _event_rows(dsn: str) -> list[tuple[str, bool]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT event_id, processed_at IS NOT NULL FROM webhook_events ORDER BY 1, 2"
        ).fetchall()


def test_apply_previews_then_needs_write_mode_and_the_exact_token(
    cli_root: Path, db, tmp_path: Path
) -> None:
    _duplicates(db.dsn)
    home = {"XDG_STATE_HOME": str(tmp_path)}  # one operator's machine: the saved preview
    reason = ("--reason", "duplicates block the unique index")
    before = _event_rows(db.dsn)
    base = ("run", "issue_idempotency", "--dsn", db.dsn, "--apply", "cleanup", "--json")
    preview = cli(cli_root, *base, env=home)
    assert preview.returncode == 2, preview.stderr
    document = json.loads(preview.stdout)
    assert document["applied"] is False
    assert document["preview"]["count"] == 2  # the twin of a processed copy + an older copy
    token = "2"  # the operator types the previewed row count
    assert token in document["token_prompt"]
    assert _event_rows(db.dsn) == before
    read_only = cli(cli_root, *base, "--confirm", token, env=home)
    assert read_only.returncode == 1 and "--allow-write" in read_only.stderr
    for wrong in ("", "3", "2; DROP TABLE orders", "y"):
        refused = cli(cli_root, *base, "--allow-write", *reason, "--confirm", wrong, env=home)
        assert refused.returncode == 1, wrong
        assert "Traceback" not in refused.stderr
        assert _event_rows(db.dsn) == before
    dry = cli(cli_root, *base, "--allow-write", "--confirm", token, "--dry-run", env=home)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert json.loads(dry.stdout)["result"]["status"] == "dry_run"
    assert _event_rows(db.dsn) == before  # rolled back: nothing changed
    applied = cli(cli_root, *base, "--allow-write", *reason, "--confirm", token, env=home)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert json.loads(applied.stdout)["result"]["status"] == "applied"
    # the processed copy is kept; each event_id is left once
    assert _event_rows(db.dsn) == [("evt_dup_a", True), ("evt_dup_b", False)]
