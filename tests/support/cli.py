"""`python -m console …` run the way a user runs it, for the tests of the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_console(
    *args: str,
    env: Mapping[str, str] | None = None,
    state_home: Path | None = None,
    timeout: float = 60.0,
    cwd: Path = ROOT,
) -> subprocess.CompletedProcess[str]:
    """The console's exit code and output. No DATABASE_URL from this shell and never the
    user's own config file; `state_home` (XDG_STATE_HOME) keeps history and audit files
    out of the user's home; `env` is applied last."""
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["INCIDENT_CONSOLE_CONFIG"] = os.devnull
    if state_home is not None:
        environment["XDG_STATE_HOME"] = str(state_home)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        cwd=cwd,
    )
