"""`incident-console serve` publishes the read-only dashboard over real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from support.cli import run_console

from console.sim.embedded import free_port
from screens.serve import served_command


def test_served_command_is_read_only_and_keeps_the_dsn_off_the_command_line() -> None:
    command = served_command("/etc/ic.toml")
    assert "--allow-write" not in command
    assert "postgresql://" not in command
    assert command.endswith("-m console --config /etc/ic.toml")


def test_serve_answers_a_browser(db) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "serve", "--dsn", db.dsn, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "DATABASE_URL": ""},
    )
    try:
        deadline = time.monotonic() + 30
        page = ""
        while time.monotonic() < deadline and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                    assert reply.status == 200
                    page = reply.read().decode()
            except OSError:
                time.sleep(0.3)
        assert "incident-console (read-only)" in page
        assert db.dsn not in page  # the DSN is not published to the browser
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)


def test_serve_without_a_database_is_one_clear_line() -> None:
    proc = run_console("serve", env={"DATABASE_URL": ""}, timeout=30)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "no database configured" in proc.stderr
