"""A recording is safe to share and private on a shared host: no secret and no DSN
password anywhere in it, 0600 files in 0700 folders whatever the umask (RELIABILITY 31)."""

from __future__ import annotations

import os
import stat
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support.recording_samples import START, FakeTime, SampleEntry, SampleFinding, SyntheticSystem

from console.core.config import load_settings
from console.core.private_files import private_dir
from console.metrics.snapshot import Connections
from console.recording.recording import Recording
from console.recording.writer import Recorder

PASSWORD = "s3cr3t-Pa55word"
WEBHOOK_SECRET = "whsec_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
API_KEY = "sk_live_51Habcdefghijklmnopqrstuvwxyz0123"
STATE_PASSWORD = "another pass'word"


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    yield
    os.umask(old)


def _settings():
    return load_settings(
        environ={
            "DATABASE_URL": f"postgresql://orders:{PASSWORD}@db.internal:5432/orders",
            "INCIDENT_CONSOLE_STATE_DSN": f"host=state user=ic password='{STATE_PASSWORD}'",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_SECRET_KEY": API_KEY,
        }
    )


def test_no_secret_and_no_password_is_ever_written(tmp_path: Path) -> None:
    settings = _settings()
    dsn = settings.database_url
    snapshot = SyntheticSystem().poll(START)
    leaky = replace(
        snapshot,
        connection_error=f"could not connect to {dsn}",
        panel_errors={"events": f"timeout on {dsn}"},
        connections=Connections(
            total=1,
            sessions=(
                replace(
                    snapshot.connections.sessions[0],
                    query=f"SELECT verify('{WEBHOOK_SECRET}', '{API_KEY}')",
                ),
            ),
        ),
    )
    path = tmp_path / "r.icrec.gz"
    time = FakeTime()
    with Recorder(
        path, settings=settings, samples=True, clock=time.clock, monotonic=time.monotonic
    ) as recorder:
        recorder.snapshot(leaky, [SampleFinding("security_anomaly", evidence={"key": API_KEY})])
        recorder.poll_failed(f"connection to {dsn} refused")
        recorder.entry(
            SampleEntry("e", START, "note", f"rotated {WEBHOOK_SECRET}", data={"dsn": dsn})
        )
        time.advance(2)
        recorder.snapshot(replace(leaky, taken_at=time.now))
    text = zlib.decompressobj(31).decompress(path.read_bytes()).decode("utf-8")
    for secret in (PASSWORD, WEBHOOK_SECRET, API_KEY, STATE_PASSWORD, "pass'word"):
        assert secret not in text
    assert "whsec_…b1a0" in text  # masked, so the reader can tell which secret it was
    recording = Recording.open(path)
    assert recording.header["settings"]["database"] == (
        "postgresql://orders:***@db.internal:5432/orders"
    )
    assert "stripe_webhook_secret" in recording.header["settings"]["secrets_configured"]
    replayed, _ = recording.snapshot(1)
    assert replayed.connection_error == "could not connect to " + (
        "postgresql://orders:…word@db.internal:5432/orders"
    )


def test_files_are_0600_in_0700_folders_whatever_the_umask(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "new" / "deeper" / "r.icrec.gz"
    with Recorder(path) as recorder:
        recorder.snapshot(SyntheticSystem().poll(START))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


def test_an_existing_folder_is_left_alone_unless_it_is_the_consoles_own(
    tmp_path: Path, open_umask: None
) -> None:
    shared = tmp_path / "work"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    with Recorder(shared / "r.icrec.gz") as recorder:
        recorder.snapshot(SyntheticSystem().poll(START))
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # the operator's own folder
    assert stat.S_IMODE((shared / "r.icrec.gz").stat().st_mode) == 0o600
    private_dir(shared, own=True)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o700
