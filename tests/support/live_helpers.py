"""Helpers for the live-sharing tests: consoles as real processes, one per person.

`Person` runs `incident-console incident ...` as that user (their own $USER and state
dir); `FollowerProcess` runs `incident follow --json` and timestamps every line the moment
it arrives, so tests measure latency the way a bridge would see it.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.02) -> Any:
    """Poll `condition` until it is truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def environment(dsn: str, user: str, state_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": dsn,
            "USER": user,
            "LOGNAME": user,
            "XDG_STATE_HOME": str(state_dir),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("INCIDENT_CONSOLE_STATE_DSN", None)
    env["INCIDENT_CONSOLE_CONFIG"] = os.devnull  # never the user's own config
    return env


@dataclass
class Person:
    """Someone at their own terminal: `person.run("note", "text")`."""

    name: str
    dsn: str
    home: Path

    @property
    def state_dir(self) -> Path:
        return self.home / self.name

    def env(self) -> dict[str, str]:
        return environment(self.dsn, self.name, self.state_dir)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.console("incident", *args, check=check)

    def console(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Any `incident-console` command as this person."""
        proc = subprocess.run(
            [sys.executable, "-m", "console", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        if check:
            assert proc.returncode == 0, f"{' '.join(args)}: {proc.stderr}"
        return proc

    def json(self, *args: str) -> dict[str, Any]:
        proc = self.run(*args, "--json")
        return json.loads(proc.stdout)


@dataclass
class Line:
    arrived: float  # time.time() when the line was read
    entry: dict[str, Any]

    @property
    def latency(self) -> float:
        return self.arrived - datetime.fromisoformat(self.entry["at"]).timestamp()


@dataclass
class FollowerProcess:
    """`incident follow --json` as `person`, read on a thread."""

    person: Person
    extra: tuple[str, ...] = ()
    lines: list[Line] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    proc: subprocess.Popen[str] | None = None

    def start(self) -> FollowerProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "console", "incident", "follow", "--json", *self.extra],
            env=self.person.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        threading.Thread(target=self._read_out, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()
        return self

    def _read_out(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append(Line(time.time(), json.loads(raw)))

    def _read_err(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.status.append(raw.rstrip("\n"))

    def said(self, words: str, after: int = 0) -> bool:
        return any(words in s for s in self.status[after:])

    def wait_following(self, timeout: float = 30) -> None:
        wait_for(lambda: self.said("following"), timeout, f"{self.person.name}'s follower to start")

    def texts(self, kind: str = "note") -> list[str]:
        return [line.entry["text"] for line in self.lines if line.entry["kind"] == kind]

    def ids(self) -> list[str]:
        return [line.entry["id"] for line in self.lines]

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(15)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latency_summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values) * 1000, 1),
        "p95_ms": round(percentile(values, 0.95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }
