"""The demo in a real terminal (tmux): data on screen, a clean quit, nothing left behind."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)"
)


def _processes_mentioning(text: str) -> list[str]:
    """Command lines of running (not zombie) processes that mention `text`."""
    found: list[str] = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            status = (proc / "status").read_text()
        except OSError:
            continue
        if text in cmdline and "State:\tZ" not in status:
            found.append(cmdline)
    return found


class Tmux:
    def __init__(self) -> None:
        self.socket = f"ic-test-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        ).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "demo")

    def wait_for(self, pattern: str, seconds: float) -> str:
        deadline = time.monotonic() + seconds
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if re.search(pattern, screen):
                return screen
            time.sleep(0.5)
        raise AssertionError(f"{pattern!r} never appeared; the screen was:\n{screen}")


def test_demo_shows_live_panels_and_quits_cleanly(tmp_path) -> None:
    tmux = Tmux()
    demo_tmp = tmp_path / "demo-tmp"
    demo_tmp.mkdir()
    root = str(Path(__file__).resolve().parents[2])
    env = f"PYTHONPATH={root} TERM=xterm-256color TMPDIR={demo_tmp}"
    command = f"env {env} {sys.executable} -m console demo --seed 3; echo DEMO-EXITED:$?; sleep 60"
    tmux.run("new-session", "-d", "-s", "demo", "-x", "120", "-y", "40", command)
    try:
        screen = tmux.wait_for(r"Throughput", 60)
        # live data: the throughput panel counts the last hour's events
        screen = tmux.wait_for(r"\d[\d,]* in 1h", 30)
        for title in ("Findings", "Errors", "Latency", "Backlog", "Stuck orders", "connections"):
            assert title in screen, f"panel {title!r} missing:\n{screen}"
        assert "READ-ONLY" in screen and "demo" in screen
        tmux.run("send-keys", "-t", "demo", "q")
        screen = tmux.wait_for(r"DEMO-EXITED:\d+", 30)
        assert "DEMO-EXITED:0" in screen
        assert "Traceback" not in screen
    finally:
        tmux.run("kill-server")
    # the demo's server lived under its TMPDIR: no process and no data may remain there
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _processes_mentioning(str(demo_tmp)):
        time.sleep(0.5)
    assert _processes_mentioning(str(demo_tmp)) == [], "the demo left a postgres running"
    assert not any(demo_tmp.glob("ic-pg-*")), "the demo left its data directory behind"
    assert not _processes_mentioning("console demo --seed 3")
