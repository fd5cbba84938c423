"""The dashboard in a real pseudo-terminal: first frame, a key, and SIGTERM/SIGHUP.

An SSH drop sends SIGHUP; the console must leave cleanly (alternate screen left, cursor
back, exit code 128+signal) instead of dying with the terminal in raw mode.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHILD = f"""
import sys
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "tests")!r}]
from support.dashboard_samples import P1_FINDINGS, make_app, p1_firing
app = make_app(p1_firing(), findings=P1_FINDINGS, interval=60, handle_signals=True)
app.run()
sys.exit(app.return_code or 0)
"""


class Terminal:
    def __init__(self, **env_extra: str) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL": "", **env_extra}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.output = b""

    def read_until(self, needle: bytes, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while needle not in self.output and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    break
        return needle in self.output

    def wait(self, timeout: float = 10.0) -> int | None:
        """Wait for the exit while draining the terminal: a full pty buffer would block the
        app's last writes (the terminal restore) and look like a hang."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    time.sleep(0.05)
        return self.proc.poll()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_leaves_the_terminal_restored(sig: signal.Signals) -> None:
    term = Terminal()
    try:
        assert term.read_until(b"READ-ONLY"), term.output[-500:]
        os.write(term.master, b"?")
        assert term.read_until(b"Refresh less often"), "help did not open"
        mark = len(term.output)
        term.proc.send_signal(sig)
        assert term.wait(timeout=10) == 128 + sig
        term.read_until(b"\x1b[?1049l", timeout=2)
        tail = term.output[mark:]
        assert b"\x1b[?1049l" in tail  # left the alternate screen
        assert b"Traceback" not in term.output
    finally:
        term.close()


@pytest.mark.parametrize(
    "env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}], ids=["NO_COLOR", "TERM=dumb"]
)
def test_colourless_terminals_still_read_severity_and_mode_as_words(env) -> None:
    term = Terminal(**env)
    try:
        assert term.read_until(b"READ-ONLY"), term.output[-500:]
        assert term.read_until(b"P1 HIGH")  # the severity is a word, not only a colour
    finally:
        term.close()
