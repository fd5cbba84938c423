"""Incidents, the phase clock, the shared timeline, the JSONL fallback and the postmortem."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from console.cli.init import init_command
from console.core.config import Settings
from console.core.db import connect_sync
from console.core.state import InputError, ensure_schema
from console.core.state_place import StatePlace
from console.incidents.escalation import escalation_level, escalation_path, issue_type_for
from console.incidents.phases import phase_at
from console.incidents.postmortem import postmortem_markdown
from console.incidents.store import IncidentStore
from console.recovery import actions
from console.recovery.audit import AuditLog
from tests.conftest import TestDatabase

DEAD_DSN = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"


@pytest.fixture
def store(db: TestDatabase, tmp_path: Path) -> Any:
    with db.connect() as conn:
        ensure_schema(conn)
    s = IncidentStore(StatePlace(db.dsn, local_dir=tmp_path))
    yield s
    s.close()


def test_init_creates_the_schema_and_is_idempotent(db: TestDatabase, capsys: Any) -> None:
    args = argparse.Namespace(dsn=db.dsn, config=None, json=True, command="init")
    assert init_command(args) == 0
    assert init_command(args) == 0
    assert '"schema": "incident_console"' in capsys.readouterr().out
    with db.connect() as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'incident_console' ORDER BY 1"
        ).fetchall()
    assert tables == [
        ("approvals",),
        ("audit_log",),
        ("incidents",),
        ("members",),
        ("presence",),
        ("saved_plans",),
        ("step_claims",),
        ("timeline",),
    ]


@pytest.mark.parametrize(
    ("minutes", "phase"),
    [
        (0, "immediate"),
        (4.9, "immediate"),
        (5, "investigation"),
        (29, "investigation"),
        (30, "resolution"),
        (119, "resolution"),
        (120, "post_incident"),
        (60 * 30, "post_incident"),
    ],
)
def test_the_guide_phase_clock(minutes: float, phase: str) -> None:
    opened = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    clock = phase_at(opened, opened + timedelta(minutes=minutes))
    assert clock.phase.id == phase
    assert clock.overdue == (minutes >= 24 * 60)


def test_escalation_follows_the_guide_matrix_and_settings_override_it() -> None:
    assert issue_type_for("signature_failures") == "security"
    assert escalation_path("security") == ("Security Auditor", "Security Lead", "CTO")
    custom = Settings(escalation={"security": ("sec-oncall", "CISO")})
    assert escalation_path("security", custom) == ("sec-oncall", "CISO")
    opened = datetime(2026, 1, 1, tzinfo=UTC)
    assert escalation_level(phase_at(opened, opened + timedelta(minutes=10))) == 1
    assert escalation_level(phase_at(opened, opened + timedelta(minutes=45))) == 2
    assert escalation_level(phase_at(opened, opened + timedelta(hours=3))) == 3


def test_a_restarted_console_resumes_the_open_incident_and_operators_share_it(
    db: TestDatabase, store: IncidentStore, tmp_path: Path
) -> None:
    finding = {
        "id": "high_error_rate",
        "severity": "P1",
        "title": "High error rate",
        "value": 12.5,
        "threshold": 5,
    }
    incident = store.open_from_finding(finding, "alice", commander="carol")
    store.note(incident, "alice", "rolled back deploy 42")
    store.close()

    # "restart": brand-new objects, same database; and a second operator elsewhere
    for operator_dir in (tmp_path / "alice2", tmp_path / "bob"):
        other = IncidentStore(StatePlace(db.dsn, local_dir=operator_dir))
        resumed = other.current_incident()
        assert resumed is not None
        assert resumed.id == incident.id
        assert resumed.commander == "carol"
        assert resumed.severity == "P1"
        assert resumed.issue_type == "code"
        other.close()
    bob = IncidentStore(StatePlace(db.dsn, local_dir=tmp_path / "bob"))
    bob.note(resumed, "bob", "customer emails paused")
    resumed = bob.hand_over(resumed, "carol", "dave")
    restarted = IncidentStore(StatePlace(db.dsn, local_dir=tmp_path))
    assert restarted.current_incident() == resumed
    assert resumed.commander == "dave"
    restarted.close()
    kinds = [(e.kind, e.author) for e in bob.timeline(incident)]
    assert kinds == [
        ("opened", "alice"),
        ("finding_fired", "alice"),
        ("note", "alice"),
        ("note", "bob"),
        ("commander", "carol"),
    ]
    closed = bob.close_incident(resumed, "carol", "error rate back under 1 %")
    assert closed.closed_at is not None
    assert bob.current_incident() is None
    bob.close()


def test_injection_strings_in_notes_are_stored_verbatim(
    db: TestDatabase, store: IncidentStore
) -> None:
    incident = store.open_incident("x'); DROP TABLE orders; --", "P2", "carol", "alice")
    hostile = [
        "'; DROP SCHEMA incident_console CASCADE; --",
        "$$ ; SELECT pg_sleep(10); $$",
        "%(id)s %s {0} \\x00 ‮ reversed 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    ]
    for text in hostile:
        store.note(incident, "alice", text)
    notes = [e.text for e in store.timeline(incident) if e.kind == "note"]
    assert notes == hostile
    assert store.current_incident().title == "x'); DROP TABLE orders; --"  # type: ignore[union-attr]
    with db.connect() as conn:
        assert conn.execute("SELECT to_regclass('orders') IS NOT NULL").fetchone() == (True,)


def test_a_nul_in_a_note_is_a_clean_error_and_stores_nothing(store: IncidentStore) -> None:
    incident = store.open_incident("db down", "P0", "carol", "alice")
    with pytest.raises(InputError, match="NUL"):
        store.note(incident, "alice", "bad\x00note")
    with pytest.raises(InputError, match="NUL"):
        store.open_incident("t\x00", "P0", "carol", "alice")
    assert [e.kind for e in store.timeline(incident)] == ["opened"]


def test_bad_severity_is_one_clear_line(store: IncidentStore) -> None:
    with pytest.raises(InputError, match="severity must be one of P0, P1, P2"):
        store.open_incident("t", "P9", "carol", "alice")


def test_the_state_database_down_falls_back_to_jsonl_and_syncs_back(
    db: TestDatabase, tmp_path: Path
) -> None:
    offline = IncidentStore(StatePlace(DEAD_DSN, local_dir=tmp_path))
    incident = offline.open_incident("webhooks down", "P0", "carol", "alice")
    offline.note(incident, "alice", "written while the state DB was down")
    assert "state database" in offline.last_problem
    resumed = IncidentStore(StatePlace(DEAD_DSN, local_dir=tmp_path)).current_incident()
    assert resumed is not None and resumed.id == incident.id
    assert [e.kind for e in offline.timeline(incident)] == ["opened", "note"]

    with db.connect() as conn:
        ensure_schema(conn)
    online = IncidentStore(StatePlace(db.dsn, local_dir=tmp_path))
    assert online.current_incident() == resumed  # sync() ran and pushed it
    with db.connect() as conn:
        assert conn.execute("SELECT count(*) FROM incident_console.timeline").fetchone() == (2,)
    # the fallback file was moved aside: a second sync does not duplicate anything
    assert online.sync() == 0
    online.close()


def test_nothing_recordable_anywhere_is_a_clear_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    store = IncidentStore(StatePlace(DEAD_DSN, local_dir=blocked))
    with pytest.raises(Exception, match="cannot record the incident anywhere"):
        store.open_incident("t", "P1", "carol", "alice")


def test_postmortem_holds_the_timeline_actions_metrics_and_the_guide_prompts(
    db: TestDatabase, store: IncidentStore, tmp_path: Path
) -> None:
    with db.connect() as conn:
        conn.execute(
            "INSERT INTO webhook_events (event_id, event_type, error_message, created_at)"
            " SELECT 'evt_' || g, 'charge.succeeded', 'Rate limit exceeded', now()"
            " FROM generate_series(1, 4) g"
        )
    incident = store.open_incident("Error rate | spike", "P1", "carol", "alice")
    store.set_phase(incident, "carol", "investigation")
    store.record_step(
        incident,
        author="alice",
        runbook="p1_high_error_rate",
        step="error_patterns",
        verdict="fail",
        rows=1,
    )
    audit = AuditLog(state_dsn=db.dsn, local_dir=tmp_path / "audit")
    with connect_sync(db.dsn) as reader, connect_sync(db.dsn, allow_write=True) as writer:
        p = actions.plan(reader, "reset_failed_events")
        store.record_plan(incident, "alice", p)
        result = actions.apply(writer, p, p.token, audit=audit)
        store.record_result(incident, "alice", result)
    audit.close()
    store.note(incident, "bob", "upstream rate limit raised to 200/min")
    closed = store.close_incident(incident, "carol", "Rate limiting after a deploy.")
    md = postmortem_markdown(
        closed,
        store.timeline(closed),
        {"error_rate_5m": 12.5, "connections": {"total": 40}},
        {"error_rate_5m": 0.4, "connections": {"total": 12}},
    )
    assert md.startswith("# Postmortem: Error rate | spike")
    assert "Error rate \\| spike" in md  # escaped inside the timeline table
    assert "Rate limiting after a deploy." in md
    assert "phase → Investigation" in md
    assert "step p1_high_error_rate/error_patterns: fail (1 rows)" in md
    assert "| reset_failed_events | applied | 4 | 4 | alice |" in md
    assert "action planned: reset_failed_events, 4 rows previewed" in md
    assert "| error_rate_5m | 12.5 | 0.4 |" in md
    assert "| connections.total | 40 | 12 |" in md
    assert "**bob**: upstream rate limit raised to 200/min" in md
    for prompt in (
        "Document lessons learned",
        "Update procedures",
        "Improve monitoring",
        "Conduct team review",
    ):
        assert f"- [ ] **{prompt}**" in md
    assert "Development Team → Technical Lead → Engineering Manager" in md


def test_the_state_schema_can_be_initialised_twice_at_once(db: TestDatabase) -> None:
    import threading

    errors: list[BaseException] = []

    def init() -> None:
        try:
            with psycopg.connect(db.dsn, autocommit=True) as conn:
                ensure_schema(conn)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=init) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_init_against_an_unreachable_database_is_one_line_and_exit_1(capsys: Any) -> None:
    from console.cli import main

    assert main(["init", "--dsn", DEAD_DSN]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("incident-console: cannot reach the database")
    assert "\n" not in err
