"""Applying a fix while the incident is still live, headless, through the real CLI.

The preview is a saved plan (state database, or a 0600 file in the local state folder);
`--confirm` applies that plan with the previewed rows as an upper bound: rows that began
to match afterwards are never touched, previewed rows already fixed are left alone, and
both are counted. `--exact` keeps the old all-or-nothing rule.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support.runbook_helpers import REPO, whole_catalogue

from console.core.state import init_state
from tests.conftest import TestDatabase

BASE = ("run", "issue_state_transitions", "--apply", "reset_stuck", "--json")
REASON = ("--reason", "INC-12 orders stuck while the processor was down")


@pytest.fixture(scope="module", autouse=True)
def catalogue() -> None:
    whole_catalogue()


@pytest.fixture
def state_home(tmp_path: Path) -> Path:
    """One operator's machine: the same local state folder across the commands."""
    return tmp_path / "state"


def cli(db: TestDatabase, state_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["HOME"] = tempfile.mkdtemp(prefix="ic-home-")
    env["XDG_STATE_HOME"] = str(state_home)
    return subprocess.run(
        [sys.executable, "-m", "console", *args, "--dsn", db.dsn],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def stuck(conn: psycopg.Connection[Any], n: int) -> None:
    conn.execute(
        "INSERT INTO orders (state, created_at, updated_at, total_amount_cents)"
        " SELECT 'pending', now() - interval '2 hours', now() - interval '2 hours', 100 * g"
        " FROM generate_series(1, %s) AS g",
        (n,),
    )


def states(db: TestDatabase) -> dict[str, int]:
    with db.connect() as conn:
        rows = conn.execute("SELECT state, count(*) FROM orders GROUP BY state").fetchall()
    return {state: n for state, n in rows}


def preview(db: TestDatabase, state_home: Path) -> dict[str, Any]:
    out = cli(db, state_home, *BASE)
    assert out.returncode == 2, out.stdout + out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("store", ["state database", "local file"])
def test_token_25_changes_the_25_previewed_and_leaves_3_newcomers(
    db: TestDatabase, state_home: Path, store: str
) -> None:
    if store == "state database":
        init_state(db.dsn)
    with db.connect() as conn:
        stuck(conn, 25)
    document = preview(db, state_home)
    assert document["preview"]["count"] == 25
    plan_id = document["plan_id"]
    if store == "local file":
        path = Path(document["saved_in"])
        assert path == state_home / "incident-console" / "plans" / f"{plan_id}.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    else:
        assert document["saved_in"] == "state database"
    with db.connect() as conn:  # the fault is still firing: 3 more get stuck
        stuck(conn, 3)
    out = cli(db, state_home, *BASE, "--allow-write", *REASON, "--confirm", "25")
    assert out.returncode == 0, out.stdout + out.stderr
    result = json.loads(out.stdout)["result"]
    assert json.loads(out.stdout)["plan_id"] == plan_id  # the saved plan, not a new preview
    assert (result["status"], result["applied"]) == ("applied", 25)
    assert result["skipped_no_longer_matching"] == 0
    assert result["new_matches_not_touched"] == 3
    assert states(db) == {"pending_payment": 25, "pending": 3}
    human = cli(db, state_home, *BASE[:-1], "--allow-write", *REASON, "--confirm", "25")
    assert human.returncode == 0, human.stderr  # the same plan again: nothing left to do
    assert "25 previewed rows were already fixed" in human.stdout
    assert "3 more match now: preview again" in human.stdout


def test_previewed_rows_fixed_meanwhile_are_left_alone_and_counted(
    db: TestDatabase, state_home: Path
) -> None:
    with db.connect() as conn:
        stuck(conn, 10)
    document = preview(db, state_home)
    fixed = document["preview"]["keys"][:3]
    with db.connect() as conn:  # the application fixes three of them itself
        conn.execute(
            "UPDATE orders SET state = 'cancelled', updated_at = now() WHERE id = ANY(%s)",
            ([int(k) for k in fixed],),
        )
    out = cli(db, state_home, *BASE[:-1], "--allow-write", *REASON, "--confirm", "10")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "7 rows changed" in out.stdout
    assert "3 previewed rows were already fixed" in out.stdout
    assert states(db) == {"pending_payment": 7, "cancelled": 3}


def test_exact_keeps_the_all_or_nothing_rule(db: TestDatabase, state_home: Path) -> None:
    with db.connect() as conn:
        stuck(conn, 5)
    preview(db, state_home)
    with db.connect() as conn:
        stuck(conn, 1)
    out = cli(db, state_home, *BASE, "--allow-write", *REASON, "--confirm", "5", "--exact")
    assert out.returncode == 1
    result = json.loads(out.stdout)["result"]
    assert result["status"] == "changed_since_preview" and result["applied"] == 0
    assert (result["exact"], result["new_matches_not_touched"]) == (True, 1)
    assert "1 new" in result["message"] and "nothing was changed" in result["message"]
    assert states(db) == {"pending": 6}


def test_a_write_without_a_reason_is_refused_in_one_line(
    db: TestDatabase, state_home: Path
) -> None:
    with db.connect() as conn:
        stuck(conn, 2)
    preview(db, state_home)
    out = cli(db, state_home, *BASE[:-1], "--allow-write", "--confirm", "2")
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    assert "needs a reason" in out.stderr and "--reason TEXT" in out.stderr
    assert states(db) == {"pending": 2}


def test_unknown_and_expired_plans_are_refused_in_one_line(
    db: TestDatabase, state_home: Path
) -> None:
    init_state(db.dsn)
    with db.connect() as conn:
        stuck(conn, 2)
    none_yet = cli(db, state_home, *BASE[:-1], "--allow-write", *REASON, "--confirm", "2")
    assert none_yet.returncode == 1 and "no saved plan of issue_state_transitions" in (
        none_yet.stderr
    )
    assert "preview first" in none_yet.stderr
    plan_id = preview(db, state_home)["plan_id"]
    unknown = "00000000-0000-4000-8000-000000000000"
    out = cli(
        db, state_home, *BASE[:-1], "--allow-write", *REASON, "--confirm", "2", "--plan", unknown
    )
    assert out.returncode == 1 and f"no saved plan {unknown}" in out.stderr
    with db.connect() as conn:  # the plan's time ran out
        conn.execute(
            "UPDATE incident_console.saved_plans SET plan = jsonb_set(plan, '{expires_at}',"
            " to_jsonb(now() - interval '1 minute')) WHERE plan_id = %s",
            (plan_id,),
        )
    out = cli(db, state_home, *BASE[:-1], "--allow-write", *REASON, "--confirm", "2")
    assert out.returncode == 1 and f"plan {plan_id} expired at" in out.stderr
    assert "preview again" in out.stderr and "Traceback" not in out.stderr
    assert states(db) == {"pending": 2}
