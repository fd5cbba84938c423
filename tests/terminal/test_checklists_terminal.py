"""The checklists in a real pseudo-terminal: SIGTERM during a confirm dialog, NO_COLOR.

An SSH drop while the confirm dialog waits — even with the right token already typed —
must leave without writing and without a transaction left open on the server.
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

from support.checklist_samples import seed_stuck_orders, states

from tests.conftest import TestDatabase

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from pathlib import Path
sys.path[:0] = [{root!r}, {tests!r}]
from support.checklist_samples import checklist_app
app = checklist_app({dsn!r}, Path({tmp!r}), allow_write=True, handle_signals=True)
app.call_later(lambda: app.set_timer(0.3, lambda: app.open_runbook("issue_state_transitions")))
app.run()
sys.exit(app.return_code or 0)
"""


class Terminal:
    def __init__(self, child: str, **env_extra: str) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL": "", **env_extra}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", child],
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

    def wait_exit(self, timeout: float = 10.0) -> int | None:
        """Wait for the exit, reading the terminal meanwhile (a full pty blocks the app)."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.read_until(b"\x00never", timeout=0.1)
        return self.proc.poll()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def child_script(db: TestDatabase, tmp_path: Path) -> str:
    return CHILD.format(root=str(ROOT), tests=str(ROOT / "tests"), dsn=db.dsn, tmp=str(tmp_path))


def test_sigterm_during_the_confirm_dialog_writes_nothing(db: TestDatabase, tmp_path: Path) -> None:
    with db.connect() as conn:
        seed_stuck_orders(conn, 2)
    term = Terminal(child_script(db, tmp_path))
    try:
        assert term.read_until(b"State transition errors"), term.output[-800:]
        os.write(term.master, b"\x1b[B" * 5)  # down to the action step
        time.sleep(0.3)
        os.write(term.master, b"p")
        assert term.read_until(b"rows previewed"), term.output[-800:]
        os.write(term.master, b"2")  # the right token, typed but never submitted
        time.sleep(0.3)
        term.proc.send_signal(signal.SIGTERM)
        assert term.wait_exit() == 128 + signal.SIGTERM
        assert b"Traceback" not in term.output
    finally:
        term.close()
    with db.connect() as conn:
        assert states(conn) == {"pending": 3}
        open_tx = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name LIKE 'incident-console%%' AND state LIKE 'idle in%%'"
        ).fetchone()
        assert open_tx == (0,)
    assert not (tmp_path / "state" / "audit.jsonl").exists()  # no intent was even recorded


def test_no_color_terminal_reads_lit_items_as_words(db: TestDatabase, tmp_path: Path) -> None:
    term = Terminal(child_script(db, tmp_path), NO_COLOR="1")
    try:
        assert term.read_until(b"State transition errors"), term.output[-800:]
        os.write(term.master, b"\x1b")  # back to the dashboard
        time.sleep(0.3)
        os.write(term.master, b"c")
        assert term.read_until(b"FIRING P1"), term.output[-800:]
        assert term.read_until(b"quiet")
    finally:
        term.close()
