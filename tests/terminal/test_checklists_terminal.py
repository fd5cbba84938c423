"""The checklists in a real pseudo-terminal: SIGTERM during a confirm dialog, NO_COLOR.

An SSH drop while the confirm dialog waits — even with the right token already typed —
must leave without writing and without a transaction left open on the server.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

from support.checklist_samples import seed_stuck_orders, states
from support.terminal import PtyApp, child_script

from tests.conftest import TestDatabase

CHILD = """
from pathlib import Path
from support.checklist_samples import checklist_app
app = checklist_app({dsn}, Path({tmp}), allow_write=True, handle_signals=True)
app.call_later(lambda: app.set_timer(0.3, lambda: app.open_runbook("issue_state_transitions")))
app.run()
sys.exit(app.return_code or 0)
"""
DOWN = b"\x1b[B"


def checklists(start: Callable[..., PtyApp], db: TestDatabase, tmp: Path, **env: str) -> PtyApp:
    return start(child_script(CHILD, dsn=db.dsn, tmp=tmp), **env)


def test_sigterm_during_the_confirm_dialog_writes_nothing(
    pty_app: Callable[..., PtyApp], db: TestDatabase, tmp_path: Path
) -> None:
    with db.connect() as conn:
        seed_stuck_orders(conn, 2)
    term = checklists(pty_app, db, tmp_path)
    assert term.read_until(b"State transition errors"), term.output[-800:]
    mark = term.mark()
    term.send(DOWN * 5)  # down to the action step: its detail says what `p` does
    assert term.wait_for_text("previews the rows it would change", since=mark), term.text(mark)
    term.send(b"p")
    assert term.read_until(b"rows previewed"), term.output[-800:]
    mark = term.mark()
    term.send(b"2")  # the right token, typed but never submitted
    assert term.wait_for_text(r"\b2\b", since=mark), term.text(mark)
    term.proc.send_signal(signal.SIGTERM)
    assert term.wait_exit() == 128 + signal.SIGTERM
    assert b"Traceback" not in term.output
    with db.connect() as conn:
        assert states(conn) == {"pending": 3}
        open_tx = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name LIKE 'incident-console%%' AND state LIKE 'idle in%%'"
        ).fetchone()
        assert open_tx == (0,)
    audit = tmp_path / "state" / "audit.jsonl"  # only the write window's opening, if that
    records = (
        [json.loads(line) for line in audit.read_text().splitlines()] if audit.exists() else []
    )
    assert [r["action_id"] for r in records] in ([], ["write_window"])  # no intent recorded


def test_no_color_terminal_reads_lit_items_as_words(
    pty_app: Callable[..., PtyApp], db: TestDatabase, tmp_path: Path
) -> None:
    term = checklists(pty_app, db, tmp_path, NO_COLOR="1")
    assert term.read_until(b"State transition errors"), term.output[-800:]
    mark = term.mark()
    term.send(b"\x1b")  # back to the dashboard
    assert term.wait_for_text("Findings", since=mark), term.text(mark)
    term.send(b"c")
    assert term.read_until(b"FIRING P1"), term.output[-800:]
    assert term.read_until(b"quiet")
