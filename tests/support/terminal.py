"""Drivers for the real-terminal tests: the console in a pseudo-terminal (raw bytes, signals,
exit codes) or inside tmux (the screen as a user sees it). Every wait is for a condition,
with a deadline; none sleeps for a fixed time.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import textwrap
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
# CSI sequences (colours, cursor moves, modes) and the few two-byte escapes Textual writes.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def child_script(body: str, **values: object) -> str:
    """A `python -c` program that imports this checkout and tests/support, then `body`
    (dedented, formatted with `values` as Python literals)."""
    literals = {key: repr(str(v) if isinstance(v, Path) else v) for key, v in values.items()}
    header = f"import sys\nsys.path[:0] = [{str(ROOT)!r}, {str(TESTS)!r}]\n"
    return header + textwrap.dedent(body).format(**literals)


class PtyApp:
    """A child Python program on its own pseudo-terminal; everything it writes is kept in
    `output` (bytes, escapes included) for the test to look at."""

    def __init__(self, script: str, *, rows: int = 40, columns: int = 120, **env: str) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, "TERM": "xterm-256color", "TEXTUAL": "", **env},
            start_new_session=True,
        )
        os.close(slave)
        self.output = b""
        self._open = True

    def _read(self, wait: float) -> bool:
        """Read what is there within `wait` s; False once the terminal is closed (EIO)."""
        if not self._open:
            return False
        ready, _, _ = select.select([self.master], [], [], wait)
        if ready:
            try:
                self.output += os.read(self.master, 65536)
            except OSError:
                self._open = False
        return self._open

    def mark(self) -> int:
        """Where the output stands now: pass it as `since` to wait for what comes next."""
        self._read(0)
        return len(self.output)

    def send(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def text(self, since: int = 0) -> str:
        """The output from `since` on, escapes removed: the words as drawn, in draw order."""
        return _ESCAPES.sub(b"", self.output[since:]).decode("utf-8", "replace")

    def read_until(self, needle: bytes, timeout: float = 15.0, since: int = 0) -> bool:
        """Wait until the raw output (from `since`) holds `needle`."""
        deadline = time.monotonic() + timeout
        while needle not in self.output[since:] and time.monotonic() < deadline:
            if not self._read(0.1):
                break
        return needle in self.output[since:]

    def wait_for_text(self, pattern: str, timeout: float = 15.0, since: int = 0) -> bool:
        """Wait until the drawn words (from `since`) match the regular expression `pattern`."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.text(since)) and time.monotonic() < deadline:
            if not self._read(0.1):
                break
        return re.search(pattern, self.text(since)) is not None

    def wait_exit(self, timeout: float = 10.0) -> int | None:
        """Wait for the exit while draining the terminal: a full pty buffer would block the
        app's last writes (the terminal restore) and look like a hang."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            if not self._read(0.1):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=0.1)
        return self.proc.poll()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


class Tmux:
    """A private tmux server (its own socket) running one window: the rendered screen."""

    def __init__(self, window: str = "main") -> None:
        self.socket = f"ic-test-{uuid.uuid4().hex[:8]}"
        self.window = window

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        ).stdout

    def start(self, command: str, *, columns: int = 120, rows: int = 40) -> None:
        self.run(
            "new-session", "-d", "-s", self.window, "-x", str(columns), "-y", str(rows), command
        )

    def send_keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.window, *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.window)

    def wait_for(self, pattern: str, seconds: float) -> str:
        """The screen once it matches `pattern`; fails with the last screen otherwise."""
        deadline = time.monotonic() + seconds
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if re.search(pattern, screen):
                return screen
            time.sleep(0.5)  # the poll interval of this wait, not a wait of its own
        raise AssertionError(f"{pattern!r} never appeared; the screen was:\n{screen}")

    def kill(self) -> None:
        self.run("kill-server")


def processes_with_environment(entry: str) -> list[str]:
    """Command lines of running processes whose environment holds `entry` (`KEY=value`):
    the processes one test started, not another run's that share its command line."""
    wanted = entry.encode()
    found: list[str] = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            status = (proc / "status").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if wanted in environ and "State:\tZ" not in status:
            found.append(cmdline)
    return found


def processes_mentioning(text: str) -> list[str]:
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


def wait_until_gone(text: str, seconds: float = 15.0) -> list[str]:
    """Wait for every process mentioning `text` to end; returns those still running."""
    deadline = time.monotonic() + seconds
    while (left := processes_mentioning(text)) and time.monotonic() < deadline:
        time.sleep(0.5)  # poll interval
    return left
