"""The embedded server starts clean and never outlives the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from console.sim.embedded import EmbeddedPostgres, find_binaries

STARTER = """
import sys, time
from console.sim.embedded import EmbeddedPostgres
pg = EmbeddedPostgres()
pg.start()
print(pg.data_dir, pg.server_pid, flush=True)
if sys.argv[1] == "crash":
    import os
    os._exit(3)
time.sleep(60)
"""


def _live_postgres(pid: int) -> bool:
    """True while `pid` is a running (not zombie) process."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def _wait_gone(pid: int, data_dir: Path, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _live_postgres(pid) and not data_dir.exists():
            return
        time.sleep(0.2)
    raise AssertionError(f"postgres {pid} still running or {data_dir} left behind")


def _start_owner(mode: str) -> tuple[subprocess.Popen[str], Path, int]:
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root}
    proc = subprocess.Popen(
        [sys.executable, "-c", STARTER, mode], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    data_dir, pid = proc.stdout.readline().split()
    assert _live_postgres(int(pid))
    return proc, Path(data_dir), int(pid)


def test_server_starts_answers_and_stops_cleanly() -> None:
    with EmbeddedPostgres() as pg:
        pid = pg.server_pid
        data_dir = pg.data_dir
        assert pid is not None and data_dir is not None
        with psycopg.connect(pg.dsn(), autocommit=True) as conn:
            version = conn.execute("SHOW server_version_num").fetchone()[0]
            max_conn = conn.execute("SHOW max_connections").fetchone()[0]
        assert int(version) >= 130000
        assert max_conn == "100"  # the guide's Appendix B value
    assert data_dir is not None
    _wait_gone(pid, data_dir, seconds=5)


@pytest.mark.parametrize("how", ["crash", "sigkill", "sigint", "sigterm", "sighup"])
def test_no_postgres_left_when_the_owner_dies(how: str) -> None:
    proc, data_dir, pid = _start_owner("crash" if how == "crash" else "wait")
    if how != "crash":
        sig = {
            "sigkill": signal.SIGKILL,
            "sigint": signal.SIGINT,
            "sigterm": signal.SIGTERM,
            "sighup": signal.SIGHUP,
        }[how]
        proc.send_signal(sig)
    proc.wait(10)
    _wait_gone(pid, data_dir)


def test_falls_back_to_a_system_postgres_when_asked() -> None:
    try:
        binaries = find_binaries(prefer="system")
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no PostgreSQL on PATH or /usr/lib/postgresql here: {exc}")
    if binaries.source != "system":
        pytest.skip("no system PostgreSQL installed; only the pgserver build is present")
    with EmbeddedPostgres(binaries=binaries) as pg, psycopg.connect(pg.dsn()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
