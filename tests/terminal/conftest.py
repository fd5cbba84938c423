"""Fixtures for the real-terminal tests: started programs are always stopped at teardown."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest
from support.terminal import PtyApp, Tmux


@pytest.fixture
def pty_app() -> Iterator[Callable[..., PtyApp]]:
    """`start(script, rows=, columns=, **env)` runs a PtyApp; each one is killed (if still
    running) and closed after the test."""
    started: list[PtyApp] = []

    def start(script: str, *, rows: int = 40, columns: int = 120, **env: str) -> PtyApp:
        started.append(PtyApp(script, rows=rows, columns=columns, **env))
        return started[-1]

    yield start
    for app in started:
        app.close()


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    """A private tmux server, killed after the test."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    server = Tmux()
    yield server
    server.kill()
