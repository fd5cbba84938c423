"""Every local file the console writes is private on a shared host, and doctor says when
one is not (RELIABILITY 31): the audit log, its lock, the incident fallback cache and the
training history are 0600 in 0700 folders whatever the umask; a file left readable by
others is warned about with the `chmod` that fixes it; a secret in one is a failure."""

from __future__ import annotations

import json
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.recording_samples import sample_incident

from console.core.config import load_settings
from console.doctor import run_doctor
from console.doctor.local_files import check_local_files
from console.incidents.offline import IncidentCache
from console.recovery.audit import AuditLog
from console.training.history import history_path, record_run
from console.training.scoring import Score

WEBHOOK_SECRET = "whsec_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SCORE = Score(
    resolved=True,
    time_to_diagnose=3.0,
    time_to_resolve=9.0,
    hints_used=0,
    harmful=(),
    points=100,
    grade="A",
    deductions=(),
    grade_reason="resolved, no hint, no harm",
)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _audit(state: Path) -> None:
    AuditLog(state_dsn=None, local_dir=state).write(
        run_id=uuid.uuid4(), phase="intent", action_id="reset_failed_events", operator="ana"
    )


def test_audit_cache_and_history_are_private_whatever_the_umask(
    tmp_path: Path, open_umask: None
) -> None:
    state = tmp_path / "state" / "incident-console"
    _audit(state)
    incident = sample_incident("webhooks failing")
    IncidentCache(state).remember(incident)
    record_run(history_path(state), scenario_id="s", faults=[], final=SCORE, autopilot=True)
    written = sorted(p.name for p in state.iterdir())
    assert written == [
        "audit.jsonl",
        "audit.jsonl.lock",
        "current-incident.json",
        "training.jsonl",
        "training.jsonl.lock",
    ]
    for path in state.iterdir():
        assert _mode(path) == 0o600, path
    assert _mode(state) == 0o700
    assert _mode(state.parent) == 0o700  # created by the console: its own as well


def test_an_audit_log_left_readable_by_an_older_version_is_made_private(
    tmp_path: Path, open_umask: None
) -> None:
    state = tmp_path / "incident-console"
    state.mkdir(mode=0o755)
    old = state / "audit.jsonl"
    old.write_text('{"phase": "intent"}\n')
    old.chmod(0o644)
    _audit(state)
    assert _mode(old) == 0o600 and _mode(state) == 0o700
    assert [json.loads(line)["phase"] for line in old.read_text().splitlines()] == [
        "intent",
        "intent",
    ]


def test_doctor_warns_on_a_file_others_can_read_and_gives_the_fix(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    state = tmp_path / "incident-console"
    _audit(state)
    settings = load_settings(environ={}, config_file=None)
    assert run_doctor(settings).by_name("local_files").status == "ok"
    (state / "audit.jsonl").chmod(0o644)  # a copy from backup, say
    check = run_doctor(settings).by_name("local_files")
    assert check.status == "warn"
    assert f"{state / 'audit.jsonl'} (0644)" in check.detail
    assert check.fix == f"chmod -R go-rwx {state}"


def test_doctor_fails_when_a_local_file_holds_a_configured_secret(
    tmp_path: Path, open_umask: None
) -> None:
    state = tmp_path / "incident-console"
    _audit(state)
    settings = load_settings(
        environ={
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "DATABASE_URL": "postgresql://orders:s3cr3t-Pa55@db.internal/orders",
        },
        config_file=None,
    )
    assert check_local_files(settings, state).status == "ok"
    notes = state / "postmortems" / "incident.md"
    notes.parent.mkdir(mode=0o700)
    notes.write_text("we rotated s3cr3t-Pa55 after the incident\n")
    notes.chmod(0o600)
    check = check_local_files(settings, state)
    assert check.status == "fail" and str(notes) in check.detail
    assert "s3cr3t" not in check.detail  # the report never repeats the secret
    assert "rotate" in check.fix
