"""The demo in a real terminal (tmux): data on screen, a clean quit, nothing left behind."""

from __future__ import annotations

import sys
from pathlib import Path

from support.terminal import ROOT, Tmux, processes_with_environment, wait_until_gone


def test_demo_shows_live_panels_and_quits_cleanly(tmux: Tmux, tmp_path: Path) -> None:
    demo_tmp = tmp_path / "demo-tmp"
    demo_tmp.mkdir()
    env = f"PYTHONPATH={ROOT} TERM=xterm-256color TMPDIR={demo_tmp}"
    command = f"env {env} {sys.executable} -m console demo --seed 3; echo DEMO-EXITED:$?; sleep 60"
    tmux.start(command, columns=120, rows=40)
    try:
        screen = tmux.wait_for(r"Throughput", 60)
        # live data: the throughput panel counts the last hour's events
        screen = tmux.wait_for(r"\d[\d,]* in 1h", 30)
        for title in ("Findings", "Errors", "Latency", "Backlog", "Stuck orders", "connections"):
            assert title in screen, f"panel {title!r} missing:\n{screen}"
        assert "READ-ONLY" in screen and "demo" in screen
        tmux.send_keys("q")
        screen = tmux.wait_for(r"DEMO-EXITED:\d+", 30)
        assert "DEMO-EXITED:0" in screen
        assert "Traceback" not in screen
    finally:
        tmux.kill()
    # the demo's server lived under its TMPDIR: no process and no data may remain there
    assert wait_until_gone(str(demo_tmp)) == [], "the demo left a postgres running"
    assert not any(demo_tmp.glob("ic-pg-*")), "the demo left its data directory behind"
    # the demo itself (its environment carries this test's TMPDIR) has exited too
    assert processes_with_environment(f"TMPDIR={demo_tmp}") == []
