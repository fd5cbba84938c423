"""The shared incident in the terminal UI: another console's notes, steps, presence, lead
changes and the two-person rule show on this one within a second, through Textual's
pilot on the real embedded PostgreSQL. The other console is a SharedIncident in this
process (as `incident` commands use it)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from support.checklist_samples import (
    cell_text,
    open_action,
    open_runbook,
    states,
    stuck_orders_app,
)
from support.dashboard_samples import running, screen_text
from support.pilot import wait_screen, wait_until
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from console.core.state import init_state
from console.core.state_place import StatePlace
from console.incidents.approvals import PreviewedWrite
from console.incidents.model import Incident
from console.incidents.presence import Heartbeat, Identity
from console.incidents.session import SharedIncident
from console.recovery.audit import AuditLog
from screens.app import IncidentApp
from screens.dialogs.approval import ApprovalScreen
from screens.dialogs.confirm import ConfirmScreen
from screens.views.timeline_screen import TimelineScreen
from tests.conftest import TestDatabase


def other_console(db: TestDatabase, tmp_path: Path, who: str) -> SharedIncident:
    audit = AuditLog(db.dsn, local_dir=tmp_path / who)
    identity = Identity(who=who, host="bastion", tty="/dev/pts/7")
    return SharedIncident(StatePlace(db.dsn, local_dir=tmp_path / who), identity, audit=audit)


@pytest.fixture
def bob(db: TestDatabase, tmp_path: Path) -> Iterator[SharedIncident]:
    """Another console on the shared state (its schema created), closed after the test."""
    init_state(db.dsn)
    other = other_console(db, tmp_path, "bob")
    yield other
    other.close()


@asynccontextmanager
async def bob_leading(
    app: IncidentApp, bob: SharedIncident, title: str, severity: str
) -> AsyncIterator[tuple[Pilot, Incident]]:
    """bob's incident opened, then this console running: (pilot, the incident)."""
    incident, _ = bob.open(title, severity)
    async with running(app) as pilot:
        yield pilot, incident


def table_text(screen, selector: str) -> str:
    table = screen.query_one(selector, DataTable)
    return "\n".join(" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count))


async def shared(app, pilot) -> None:
    """Until this console follows the shared incident."""
    await wait_until(pilot, lambda: app.incident_controller.live_if_started() is not None, 10)
    await wait_until(pilot, lambda: app.incident_controller.live_view() is not None, 10)


async def test_a_note_presence_and_the_lead_from_another_console(
    db: TestDatabase, incident_app: IncidentApp, bob: SharedIncident
) -> None:
    app = incident_app
    async with bob_leading(app, bob, "checkout down", "P0") as (pilot, incident):
        await pilot.press("t")
        screen = await wait_screen(pilot, TimelineScreen)
        await shared(app, pilot)
        beat = Heartbeat(StatePlace(db.dsn), bob.identity, interval=0.2).start()
        beat.show(incident.id, "runbook high_error_rate")
        await wait_until(
            pilot,
            lambda: (
                "bob (terminal @ bastion /dev/pts/7, on runbook "
                "high_error_rate)" in str(screen.query_one("#tl-live").render())
            ),
            10,
        )
        assert "You: alice (operator)" in str(screen.query_one("#tl-live").render())
        before = time.monotonic()
        bob.note("rolled back deploy 42", incident)
        await wait_until(
            pilot, lambda: "rolled back deploy 42" in table_text(screen, "#tl-entries"), 1.0
        )
        print(f"\nTUI: the note showed {time.monotonic() - before:.3f} s after it committed")
        assert table_text(screen, "#tl-entries").count("rolled back deploy 42") == 1
        assert "operator · 2 on" in str(screen.query_one("StatusBar").render())  # alice, bob
        await pilot.press("l")
        confirm = await wait_screen(pilot, ConfirmScreen)
        assert "Take the lead from bob?" in screen_text(app)
        await pilot.press(*"alice", "enter")
        await wait_until(pilot, lambda: app.desk.incident.commander == "alice", 5)
        assert confirm is not app.screen
        await wait_until(
            pilot, lambda: "alice took the lead from bob" in table_text(screen, "#tl-entries"), 5
        )
        await wait_until(
            pilot, lambda: "You: alice (commander)" in str(screen.query_one("#tl-live").render()), 5
        )
        beat.stop()


async def test_a_step_run_elsewhere_is_theirs_and_observers_run_nothing(
    incident_app: IncidentApp, bob: SharedIncident
) -> None:
    app = incident_app
    async with bob_leading(app, bob, "errors", "P1") as (pilot, incident):
        await shared(app, pilot)
        screen = await open_runbook(pilot, "high_error_rate")
        assert bob.claim_step(incident, "high_error_rate", "rate").mine
        steps = screen.query_one("#rb-steps", DataTable)
        await wait_until(pilot, lambda: cell_text(steps, "rate", 1) == "RUNNING", 2)
        screen.select("rate")
        await pilot.press("r")
        state = app.checklists.state("high_error_rate", "rate")
        await wait_until(pilot, lambda: "its result will show here" in state.verdict, 5)
        assert "bob is running high_error_rate/rate (on bastion)" in state.verdict
        bob.store.record_step(
            incident, author="bob", runbook="high_error_rate", step="rate",
            verdict="More than 5 % failed", rows=1, status="fail",
        )  # fmt: skip
        bob.release_step(incident, "high_error_rate", "rate")
        await wait_until(pilot, lambda: cell_text(steps, "rate", 1) == "FAIL", 2)
        assert "run by bob" in state.verdict
        mine = [e for e in bob.view(incident).timeline if e.who == "alice"]
        assert mine == []  # alice did not run it, and nothing of hers went on the record
        bob.set_role("alice", "observer")
        await wait_until(pilot, lambda: app.incident_controller.live_view().role == "observer", 5)
        screen.select("patterns")
        await pilot.press("r")
        other = app.checklists.state("high_error_rate", "patterns")
        await wait_until(pilot, lambda: "observers cannot run steps" in other.verdict, 5)


async def test_a_big_write_waits_for_the_commander_then_applies(
    db: TestDatabase, tmp_path: Path, bob: SharedIncident
) -> None:
    app = stuck_orders_app(db, tmp_path, 1001, allow_write=True)
    async with bob_leading(app, bob, "orders stuck", "P1") as (pilot, incident):
        await shared(app, pilot)
        dialog = await open_action(pilot)
        assert dialog.plan.count == 1001
        await pilot.press(*"1001", "enter")
        feedback = "#action-feedback"
        await wait_until(
            pilot,
            lambda: "asked the commander (bob)" in str(dialog.query_one(feedback).render()),
            10,
        )
        with db.connect() as conn:
            assert states(conn) == {"pending": 1002}
        waiting = bob.pending_approval(incident)
        assert waiting is not None and waiting.row_count == 1001 and len(waiting.sample) == 20
        bob.decide(waiting.id, approve=True, note="go")
        assert not dialog.query_one(Input).disabled  # nothing was written: try again
        await pilot.press(*"1001", "enter")
        await wait_until(pilot, lambda: dialog.result is not None, 30)
        assert dialog.result.status == "applied" and dialog.result.changed == 1001
        with db.connect() as conn:
            assert states(conn) == {"pending_payment": 1001, "pending": 1}


async def test_the_commander_decides_a_request_from_the_timeline(
    incident_app: IncidentApp, bob: SharedIncident
) -> None:
    app = incident_app
    async with running(app) as pilot:
        incident = app.desk.open("duplicates", "P1")
        await shared(app, pilot)
        write = PreviewedWrite(
            action_id="delete_duplicate_events", params={"window": "1 hour"},
            row_count=4_321, sample=[{"id": n, "event_id": f"evt_{n}"} for n in range(30)],
            reason="dup storm",
        )  # fmt: skip
        asked = bob.request_approval(
            incident, write, why="4,321 rows, over the two-person threshold of 1,000"
        )
        await pilot.press("t")
        screen = await wait_screen(pilot, TimelineScreen)
        await wait_until(
            pilot, lambda: "Waiting for approval" in str(screen.query_one("#tl-live").render()), 5
        )
        assert "commander · 1 on · 1 approval" in str(screen.query_one("StatusBar").render())
        await pilot.press("a")
        dialog = await wait_screen(pilot, ApprovalScreen)
        shown = screen_text(app)
        assert "bob asks to run delete_duplicate_events on 4,321 rows" in shown
        assert "dup storm" in shown and "evt_0" in shown
        await pilot.press(*"4321", "enter")
        await wait_until(pilot, lambda: dialog is not app.screen, 5)
        await wait_until(
            pilot,
            lambda: (got := bob.view(incident).approvals) and got[0].status == "approved",
            5,
        )
        assert bob.view(incident).approvals[0].decided_by == "alice"
        assert asked.id == bob.view(incident).approvals[0].id
