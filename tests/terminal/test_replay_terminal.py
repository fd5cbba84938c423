"""Record and replay in a real terminal (tmux): `demo --record FILE` writes what the
dashboard showed until `q`; `replay FILE` shows it again, keys answer, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.terminal import ROOT, Tmux


def test_a_recorded_demo_replays_in_the_terminal(tmux: Tmux, tmp_path: Path) -> None:
    record = tmp_path / "demo.icrec.gz"
    env = f"PYTHONPATH={ROOT} TERM=xterm-256color XDG_STATE_HOME={tmp_path / 'state'}"
    run = f"env {env} {sys.executable} -m console"
    tmux.start(
        f"{run} demo --seed 3 --record {record}; echo DEMO-EXITED:$?; sleep 60",
        columns=160,
        rows=48,
    )
    tmux.wait_for(r"\d[\d,]* in 1h", 90)  # live data on screen: polls are being recorded
    tmux.send_keys("q")
    assert "DEMO-EXITED:0" in tmux.wait_for(r"DEMO-EXITED:\d+", 30)
    summary = subprocess.run(
        [sys.executable, "-m", "console", "replay", str(record), "--headless", "--json"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert summary.returncode == 0, summary.stderr
    document = json.loads(summary.stdout)
    assert document["complete"] and document["snapshots"] >= 1
    assert document["source"]["kind"] == "demo"

    before = record.read_bytes()
    replay = Tmux("replay")  # a terminal of its own
    try:
        replay.start(
            f"{run} replay {record}; echo REPLAY-EXITED:$?; sleep 60", columns=160, rows=48
        )
        screen = replay.wait_for(r"REPLAY demo\.icrec\.gz", 30)
        screen = replay.wait_for(r"\d[\d,]* in 1h", 30)  # the recorded panels
        assert "READ-ONLY" in screen
        replay.send_keys("p")
        replay.wait_for("⏸", 10)
        replay.send_keys("q")
        screen = replay.wait_for(r"REPLAY-EXITED:\d+", 30)
        assert "REPLAY-EXITED:0" in screen and "Traceback" not in screen
    finally:
        replay.kill()
    assert record.read_bytes() == before  # a replay writes nothing
    assert not (tmp_path / "state" / "incident-console" / "recordings").exists()
