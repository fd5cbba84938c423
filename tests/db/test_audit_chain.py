"""The audit log is tamper-evident: `incident-console audit verify` through the real CLI.

Records are written the way the console writes them (a real recovery apply, and the
AuditLog's own writes) into both stores; then a row is edited or deleted by hand, as
someone covering their tracks would, and verify must name the first broken record.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from support.actions_kit import FAST, seed_failed_events
from support.runbook_helpers import REPO, whole_catalogue

from console.core.db import connect_sync
from console.core.state import init_state
from console.recovery import actions
from console.recovery.audit import AuditLog
from tests.conftest import TestDatabase


@pytest.fixture(scope="module", autouse=True)
def catalogue() -> None:
    whole_catalogue()


@pytest.fixture
def log(db: TestDatabase, tmp_path: Path) -> AuditLog:
    """Five records in each store: one real apply (intent, outcome) and three more."""
    init_state(db.dsn)
    audit = AuditLog(state_dsn=db.dsn, local_dir=tmp_path / "incident-console")
    with db.connect() as conn:
        seed_failed_events(conn, 3)
    with connect_sync(db.dsn) as reader:
        plan = actions.plan(reader, "reset_failed_events")
    with connect_sync(db.dsn, allow_write=True, limits=FAST) as writer:
        assert actions.apply(writer, plan, plan.token, audit=audit).changed == 3
    for n in range(3):
        audit.write(
            run_id=uuid.uuid4(),
            phase="note",
            action_id="write_window",
            operator="alice",
            detail={"reason": f"step {n}", "ñ": [1, 2.5, None]},
        )
    yield audit
    audit.close()


def verify(db: TestDatabase, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["HOME"] = tempfile.mkdtemp(prefix="ic-home-")
    env["XDG_STATE_HOME"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "console", "audit", "verify", "--dsn", db.dsn, *extra],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def db_ids(db: TestDatabase) -> list[int]:
    with db.connect() as conn:
        rows = conn.execute("SELECT id FROM incident_console.audit_log ORDER BY id").fetchall()
    return [r[0] for r in rows]


def test_an_intact_log_verifies_in_both_stores(
    db: TestDatabase, tmp_path: Path, log: AuditLog
) -> None:
    out = verify(db, tmp_path, "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    stores = json.loads(out.stdout)["stores"]
    assert [(s["intact"], s["records"], s["chained"]) for s in stores] == [(True, 5, 5)] * 2
    human = verify(db, tmp_path)
    assert human.returncode == 0 and human.stdout.count("intact, 5 chained records") == 2


def test_an_edited_database_row_is_named(db: TestDatabase, tmp_path: Path, log: AuditLog) -> None:
    ids = db_ids(db)
    with db.connect() as conn:  # the outcome made to look like less was changed
        conn.execute(
            "UPDATE incident_console.audit_log SET detail = jsonb_set(detail, '{changed}', '0')"
            " WHERE id = %s",
            (ids[1],),
        )
    out = verify(db, tmp_path, "--json")
    assert out.returncode == 1
    broken = json.loads(out.stdout)["stores"][0]["first_broken"]
    assert (broken["record"], broken["position"], broken["phase"]) == (str(ids[1]), 2, "outcome")
    assert "does not match its hash" in broken["why"]
    human = verify(db, tmp_path)
    assert human.returncode == 1 and f"BROKEN at record {ids[1]} (outcome of" in human.stderr


def test_a_deleted_database_row_is_named_by_the_record_after_it(
    db: TestDatabase, tmp_path: Path, log: AuditLog
) -> None:
    ids = db_ids(db)
    with db.connect() as conn:
        conn.execute("DELETE FROM incident_console.audit_log WHERE id = %s", (ids[2],))
    out = verify(db, tmp_path, "--json")
    assert out.returncode == 1
    broken = json.loads(out.stdout)["stores"][0]["first_broken"]
    assert broken["record"] == str(ids[3]) and "was deleted" in broken["why"]


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_an_edited_or_deleted_local_line_is_named(
    db: TestDatabase, tmp_path: Path, log: AuditLog
) -> None:
    path = log.local_path
    original = _lines(path)
    edited = [dict(r) for r in original]
    edited[3]["operator"] = "mallory"
    _write(path, edited)
    out = verify(db, tmp_path, "--json")
    assert out.returncode == 1
    stores = json.loads(out.stdout)["stores"]
    assert stores[0]["intact"] is True  # the database's copy still holds
    assert stores[1]["first_broken"]["record"] == "line 4"
    _write(path, original[:1] + original[2:])  # the outcome of the apply removed
    out = verify(db, tmp_path, "--local")  # the local file alone, as on a laptop
    assert out.returncode == 1
    assert "BROKEN at record line 2 (note of write_window" in out.stderr
    assert "was deleted" in out.stderr and "state database" not in out.stdout + out.stderr


def test_records_older_than_the_chain_are_accepted_only_before_it(
    db: TestDatabase, tmp_path: Path, log: AuditLog
) -> None:
    path = log.local_path
    records = _lines(path)
    legacy = {k: v for k, v in records[0].items() if k not in ("hash", "prev_hash")}
    _write(path, [legacy, *records])  # an upgrade: the old records have no hash
    out = verify(db, tmp_path, "--json")
    assert out.returncode == 0, out.stdout
    assert json.loads(out.stdout)["stores"][1]["chained"] == 5
    _write(path, [*records[:2], legacy, *records[2:]])  # a hash stripped mid-chain
    assert verify(db, tmp_path).returncode == 1
