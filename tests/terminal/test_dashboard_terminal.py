"""The dashboard in a real pseudo-terminal: first frame, a key, and SIGTERM/SIGHUP.

An SSH drop sends SIGHUP; the console must leave cleanly (alternate screen left, cursor
back, exit code 128+signal) instead of dying with the terminal in raw mode.
"""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest
from support.terminal import PtyApp, child_script

CHILD = child_script(
    """
    from support.dashboard_samples import P1_FINDINGS, make_app, p1_firing
    app = make_app(p1_firing(), findings=P1_FINDINGS, interval=60, handle_signals=True)
    app.run()
    sys.exit(app.return_code or 0)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_leaves_the_terminal_restored(
    pty_app: Callable[..., PtyApp], sig: signal.Signals
) -> None:
    term = pty_app(CHILD, rows=24, columns=80)
    assert term.read_until(b"READ-ONLY"), term.output[-500:]
    term.send(b"?")
    assert term.read_until(b"Refresh less often"), "help did not open"
    mark = len(term.output)
    term.proc.send_signal(sig)
    assert term.wait_exit(timeout=10) == 128 + sig
    term.read_until(b"\x1b[?1049l", timeout=2)
    tail = term.output[mark:]
    assert b"\x1b[?1049l" in tail  # left the alternate screen
    assert b"Traceback" not in term.output


@pytest.mark.parametrize(
    "env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}], ids=["NO_COLOR", "TERM=dumb"]
)
def test_colourless_terminals_still_read_severity_and_mode_as_words(
    pty_app: Callable[..., PtyApp], env: dict[str, str]
) -> None:
    term = pty_app(CHILD, rows=24, columns=80, **env)
    assert term.read_until(b"READ-ONLY"), term.output[-500:]
    assert term.read_until(b"P1 HIGH")  # the severity is a word, not only a colour
