"""The compat matrix: the headless commands against every target a real user may have.

Rows (tests/compat/conftest.py TARGETS): PostgreSQL 14, 15, 16 and 18 direct; PgBouncer
in transaction mode (with and without `ignore_startup_parameters = options`) and in
session mode; a pg_monitor role, a role without it, a recovery role; and the schema from
the wild (ENUM state, text ids, naive timestamps at America/New_York, RLS). Columns:
`doctor`, `check`, `run` of every runbook (read-only), and one recovery action applied.

The commands run in-process through `console.cli.main`, exactly as typed, with a
throwaway HOME (so the audit log and any user config stay out of the way).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
from compat.harness import Target, console
from support.sim_helpers import query

from console.runbooks.loader import load_runbooks

READ_ONLY_ROLES = ("role-pg_monitor", "role-unprivileged")


def test_doctor_proves_read_only_and_names_the_pooler(target, monkeypatch, capsys) -> None:
    code, out, err = console(target, monkeypatch, capsys, "doctor", "--json")
    document = json.loads(out)
    checks = {c["name"]: c for c in document["checks"]}
    assert code in (0, 2), err
    assert checks["read_only"]["status"] == "ok", checks["read_only"]
    assert "refused" in checks["read_only"]["detail"]
    assert checks["timeouts"]["status"] == "ok", checks["timeouts"]
    failed = {n: c["detail"] for n, c in checks.items() if c["status"] == "fail"}
    assert not failed
    pooler = checks["pooler"]["detail"]
    if target.pooled:
        mode = "session" if target.id == "pgbouncer-session" else "transaction"
        assert "PgBouncer 1." in pooler and f"{mode} pooling" in pooler, pooler
    else:
        assert pooler.startswith("direct connection"), pooler
    if target.id.endswith("ignore-options"):  # the DSN's own options=, dropped by the pooler
        options = checks["startup_options"]
        assert options["status"] == "warn" and "search_path=public" in options["detail"]
    if target.id == "schema-wild":
        assert checks["row_level_security"]["status"] == "warn"
        assert checks["order_state"]["status"] == "ok"
        assert "America/New_York" in checks["timestamps"]["detail"]


def test_check_prints_findings_and_every_panel_reads(target, monkeypatch, capsys) -> None:
    # another role's session (the superuser's): counted whatever the console's role may see
    with psycopg.connect(target.admin_dsn, application_name="compat-app"):
        code, out, err = console(target, monkeypatch, capsys, "check", "--json")
    assert code in (0, 2), err
    document = json.loads(out)
    assert isinstance(document["findings"], list)
    assert document["panel_errors"] == {}
    assert document["metrics"]["connections"]["total"] >= 1


def test_every_runbook_runs_read_only(target, monkeypatch, capsys) -> None:
    broken: dict[str, list[Any]] = {}
    for runbook in load_runbooks():
        code, out, err = console(target, monkeypatch, capsys, "run", runbook, "--json")
        document = json.loads(out)
        errors = [(s["step_id"], s.get("verdict")) for s in document.get("steps", [])
                  if s["status"] == "error"]  # fmt: skip
        if code not in (0, 2) or errors:
            broken[runbook] = errors or [document.get("error", err)]
    assert not broken


def _failed_event(target: Target) -> dict[str, Any]:
    rows = query(
        target.admin_dsn,
        "SELECT error_message, retry_count FROM webhook_events"
        " WHERE event_id = 'evt_compat_failed'",
    )
    assert rows
    return rows[0]


def _audit(target: Target) -> list[dict[str, Any]]:
    path = Path(target.env["XDG_STATE_HOME"]) / "incident-console" / "audit.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_one_recovery_action_applies_with_its_lock_and_audit(target, monkeypatch, capsys) -> None:
    base = ("run", "recovery_data", "--apply", "reset_failed")
    code, out, err = console(target, monkeypatch, capsys, *base, "--json")  # the saved plan
    assert code == 2, (out, err)
    argv = (*base, "--allow-write", "--reason", "compat matrix", "--confirm", "1")
    code, out, err = console(target, monkeypatch, capsys, *argv, "--json")
    if target.id in READ_ONLY_ROLES:  # refused by the server: one clear line, nothing written
        assert code == 1 and "Traceback" not in err
        result = json.loads(out)["result"]
        assert (result["status"], result["error_kind"]) == ("rolled_back", "privilege")
        assert "permission denied for table webhook_events" in result["message"]
        assert "nothing was written" in result["message"]
        assert _failed_event(target) == {"error_message": "order not found", "retry_count": 0}
        return
    assert code == 0, (out, err)
    result = json.loads(out)["result"]
    assert result["status"] == "applied", result
    assert _failed_event(target) == {"error_message": None, "retry_count": 1}
    action = "reset_failed_events"
    phases = [r["phase"] for r in _audit(target) if r["action_id"] == action]
    assert phases == ["intent", "outcome"]
    if target.id == "role-recovery":  # the state schema's audit log, through the GRANTs
        assert result["audit_problems"] == []
        with psycopg.connect(target.admin_dsn) as conn:
            rows = conn.execute(
                "SELECT phase FROM incident_console.audit_log WHERE action_id = %s ORDER BY id",
                [action],
            ).fetchall()
            # the saved plan went to the state database too, not to the local fallback
            plans = conn.execute("SELECT count(*) FROM incident_console.saved_plans").fetchone()
        assert [r[0] for r in rows] == ["intent", "outcome"]
        assert plans == (1,)
        assert not (Path(target.env["XDG_STATE_HOME"]) / "incident-console" / "plans").exists()
