"""Least-privilege roles and schemas from the wild, as an operator would notice them.

- A role without pg_monitor still counts every other client session (PostgreSQL 14+
  hides their backend_type, state and query from it), and the hidden query says how to
  see it; doctor says what the role cannot do and prints the GRANTs that fix it.
- Naive timestamps at a non-UTC TimeZone are judged in the server's zone: the order the
  application left 'pending' two hours ago (local time) is stuck, the event it failed an
  hour ago is unprocessed, whatever the offset to UTC.
"""

from __future__ import annotations

import json

import psycopg
import pytest
from compat.harness import Target, console

from console.core.db import connect_sync
from console.queries.runner import run_query_sync


@pytest.mark.parametrize("target", ["role-unprivileged"], indirect=True)
def test_every_client_session_counts_for_a_role_without_pg_monitor(target: Target) -> None:
    with psycopg.connect(target.admin_dsn, application_name="compat-app") as app:
        app_pid = app.info.backend_pid
        with connect_sync(target.dsn) as conn, psycopg.connect(target.admin_dsn) as admin:
            seen = list(run_query_sync(conn, "live/connections"))
            clients = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                " AND pid <> pg_backend_pid()"
            ).fetchone()
    assert clients is not None
    # the superuser counts every client backend but its own, the console every one but its
    # own: the same number when none is dropped for being hidden
    assert len(seen) == clients[0]
    hidden = next(r for r in seen if r["pid"] == app_pid)
    assert hidden["state"] == "hidden" and hidden["application_name"] == "compat-app"
    assert "GRANT pg_read_all_stats TO ic_plain" in hidden["query"]


@pytest.mark.parametrize("target", ["role-unprivileged", "role-pg_monitor"], indirect=True)
def test_doctor_lists_what_the_role_cannot_do_and_the_grants(target, monkeypatch, capsys) -> None:
    code, out, _ = console(target, monkeypatch, capsys, "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    role = checks["role"]
    assert code == 0 and role["status"] == "info"
    assert "cannot:" in role["detail"] and "change webhook_events" in role["detail"]
    assert f"GRANT pg_monitor TO {target.role};" in role["fix"]
    assert f"GRANT UPDATE, DELETE ON public.webhook_events TO {target.role};" in role["fix"]
    if target.role == "ic_plain":
        assert "see other sessions' queries" in role["detail"].split("; can:")[0]
        assert checks["monitoring_role"]["status"] == "warn"
    else:
        assert "see other sessions' queries" in role["detail"].split("; can:")[1]


@pytest.mark.parametrize("target", ["schema-wild"], indirect=True)
def test_naive_timestamps_are_judged_in_the_servers_time_zone(target, monkeypatch, capsys) -> None:
    with psycopg.connect(target.admin_dsn) as admin:
        zone = admin.execute("SHOW timezone").fetchone()
    assert zone == ("America/New_York",)
    code, out, err = console(target, monkeypatch, capsys, "check", "--json")
    metrics = json.loads(out)["metrics"]
    assert code in (0, 2), err
    assert metrics["stuck_orders"] == 1  # 'pending' for two hours, local time
    assert metrics["unprocessed"] == 1  # failed an hour ago
    with connect_sync(target.dsn) as conn:
        params = {"states": ["pending", "pending_payment"], "age": "1 hour"}
        stuck = run_query_sync(conn, "diagnostics/stuck_orders", params)
    assert len(stuck) == 1


def test_the_readmes_grants_are_the_ones_doctor_prints() -> None:
    from pathlib import Path

    from console.doctor.role import grant_statements

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    tables = {n: ("public", n) for n in ("webhook_events", "orders", "payments", "notifications")}
    monitoring = grant_statements(
        "monitoring", "incident_console_ro", "app", tables, state_schema=True
    )
    recovery = grant_statements("recovery", "incident_console_rw", "app", tables, state_schema=True)
    rw_monitoring = grant_statements(
        "monitoring", "incident_console_rw", "app", tables, state_schema=True
    )
    for statement in monitoring + [s for s in recovery if s not in rw_monitoring]:
        assert f"\n{statement}\n" in readme, statement


@pytest.mark.parametrize("target", ["role-recovery"], indirect=True)
def test_a_shared_incident_works_through_the_readmes_grants(target, monkeypatch, capsys) -> None:
    """Open, note, take the lead and show, as the least-privilege role: every entry lands in
    the state database (numbered for followers), none in the local fallback."""
    code, out, err = console(target, monkeypatch, capsys, "incident", "open", "--title", "x")
    assert code == 0, (out, err)
    code, out, err = console(target, monkeypatch, capsys, "incident", "note", "db is slow")
    assert code == 0 and "saved locally" not in out + err, (out, err)
    code, out, err = console(target, monkeypatch, capsys, "incident", "show", "--json")
    assert code == 0, (out, err)
    assert "db is slow" in [e["text"] for e in json.loads(out)["timeline"]]
    with psycopg.connect(target.admin_dsn) as admin:
        row = admin.execute(
            "SELECT seq IS NOT NULL FROM incident_console.timeline WHERE text = 'db is slow'"
        ).fetchone()
    assert row == (True,)
