"""A terminal that hangs up while the console quits: the console still exits.

On a hangup the kernel sends SIGHUP *and* SIGCONT. Textual took every SIGCONT for the
end of a Ctrl+Z and restarted its terminal threads, even while the app was quitting; the
new input thread spun on the terminal for ever and the process never exited (a demo
then also kept its embedded PostgreSQL up), or, after the event loop had closed, the
restart died with "RuntimeError: no running event loop" on the user's screen. Here
SIGCONTs keep arriving all through a quit, as from a hangup at that moment: the console
must exit, cleanly, with its own exit code.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from support.live_helpers import wait_for
from support.terminal import PtyApp, child_script

CHILD = child_script(
    """
    from support.dashboard_samples import P1_FINDINGS, make_app, p1_firing
    app = make_app(p1_firing(), findings=P1_FINDINGS, interval=60, handle_signals=True)
    app.run()
    sys.exit(app.return_code or 0)
    """
)


def _keep_continuing(pid: int, stop: threading.Event) -> None:
    """SIGCONT every 5 ms until told to stop or the process is gone."""
    while not stop.wait(0.005):
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            return


def _stopped(pid: int) -> bool:
    """The process is stopped (state T), as a shell's `fg` would find it."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "T"


def test_quit_during_a_hangups_sigcont_still_exits(pty_app: Callable[..., PtyApp]) -> None:
    term = pty_app(CHILD, rows=24, columns=80)
    assert term.read_until(b"READ-ONLY"), term.output[-500:]
    stop = threading.Event()
    sender = threading.Thread(target=_keep_continuing, args=(term.proc.pid, stop), daemon=True)
    sender.start()
    try:
        term.send(b"q")
        code = term.wait_exit(timeout=20)
    finally:
        stop.set()
        sender.join()
    assert code == 0, "the console did not exit: a SIGCONT restarted its terminal threads"
    assert b"Traceback" not in term.output


def test_a_real_suspend_still_resumes(pty_app: Callable[..., PtyApp]) -> None:
    """Ctrl+Z (SIGTSTP) then `fg` (SIGCONT): the console comes back and still answers keys."""
    term = pty_app(CHILD, rows=24, columns=80)
    assert term.read_until(b"READ-ONLY"), term.output[-500:]
    term.proc.send_signal(signal.SIGTSTP)
    assert term.read_until(b"\x1b[?1049l"), "the suspend did not leave the alternate screen"
    wait_for(lambda: _stopped(term.proc.pid), 15, "the console to stop itself after Ctrl+Z")
    mark = len(term.output)
    term.proc.send_signal(signal.SIGCONT)
    assert term.read_until(b"\x1b[?1049h", since=mark), "the resume did not redraw"
    term.send(b"?")
    assert term.read_until(b"Refresh less often", since=mark), "keys are not read after fg"
    term.proc.send_signal(signal.SIGTERM)
    assert term.wait_exit(timeout=20) == 128 + signal.SIGTERM
    assert b"Traceback" not in term.output
