"""Drill-downs and cancel/terminate through the dashboard, against the real database.

Panels render from a hand-built Snapshot; Enter then queries the test's own database
(rows the test inserted, a backend the test opened) through the app's operator
connection, exactly as in production.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import psycopg
import pytest
from support.dashboard_samples import TAKEN, healthy, make_app, running, session, settle
from textual import events
from textual.widgets import DataTable, Input, Static

from console.core.state import init_state
from console.metrics.snapshot import Connections, ErrorGroup, StuckOrders
from screens.dialogs.confirm import ConfirmScreen
from screens.views.backend_screen import BackendScreen
from screens.views.drilldown import RowsScreen


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


def static_text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def alive(conn: psycopg.Connection) -> bool:
    try:
        return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


async def drill_rows(pilot, *keys: str) -> DataTable:
    """Press `keys` (a panel's number, enter) and wait for the drill-down's rows."""
    app = pilot.app
    await pilot.press(*keys)
    assert isinstance(app.screen, RowsScreen)
    await wait_until(pilot, lambda: "rows" in static_text(app, "#drill-status"))
    return app.screen.query_one(DataTable)


async def test_enter_on_an_error_lists_its_events_from_the_database(any_db) -> None:
    with any_db.connect() as setup:
        setup.execute(
            """
            INSERT INTO webhook_events (event_id, event_type, created_at, error_message)
            SELECT 'evt_' || i, 'payment_intent.succeeded', now() - i * interval '1 min',
                   'Invalid state transition: paid -> pending'
            FROM generate_series(1, 3) AS i
            """
        )
        setup.execute(
            "INSERT INTO webhook_events (event_id, event_type, error_message) "
            "VALUES ('evt_other', 'charge.refunded', 'Rate limit exceeded')"
        )
    snapshot = healthy(
        errors=(ErrorGroup("Invalid state transition", "%Invalid state transition%", 3, 3, TAKEN),)
    )
    app = make_app(snapshot, dsn=any_db.dsn)
    async with running(app, size=(120, 30)) as pilot:
        table = await drill_rows(pilot, "3", "enter")
        event_ids = [table.get_row_at(i)[1] for i in range(table.row_count)]
        assert event_ids == ["evt_1", "evt_2", "evt_3"]
        assert static_text(app, "#drill-status") == "3 rows"
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_enter_on_a_stuck_state_lists_its_orders(any_db) -> None:
    with any_db.connect() as setup:
        setup.execute(
            """
            INSERT INTO orders (state, updated_at, total_amount_cents, stripe_payment_intent_id)
            VALUES ('pending_payment', now() - interval '3 hours', 1250, 'pi_old'),
                   ('pending_payment', now() - interval '2 minutes', 990, 'pi_fresh'),
                   ('pending', now() - interval '5 hours', 500, 'pi_pending')
            """
        )
    snapshot = healthy(stuck_orders=StuckOrders(by_state={"pending_payment": 2, "pending": 1}))
    app = make_app(snapshot, dsn=any_db.dsn)
    async with running(app, size=(120, 30)) as pilot:
        table = await drill_rows(pilot, "6", "enter")
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [(r[1], r[5]) for r in rows] == [("pending_payment", "pi_old")]  # not the fresh one
        table = await drill_rows(pilot, "escape", "down", "enter")
        assert table.get_row_at(0)[5] == "pi_pending"


async def test_drilldown_with_database_down_says_so_and_stays_usable() -> None:
    snapshot = healthy()
    app = make_app(snapshot, dsn="postgresql://nobody@127.0.0.1:1/none")
    async with running(app, size=(120, 30)) as pilot:
        await pilot.press("3", "enter")
        await wait_until(pilot, lambda: "!" in static_text(app, "#drill-status"))
        assert "cannot reach the database" in static_text(app, "#drill-status")
        await pilot.press("escape")
        assert app.screen is app.dashboard


@pytest.fixture(autouse=True)
def throwaway_state_dir(tmp_path, monkeypatch):
    """Every signal is audited: its local JSONL copy lands here, not in the real HOME."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))


@pytest.fixture
def victim(db):
    conn = db.connect()
    conn.execute("SELECT 'victim-marker' AS note")
    yield conn
    conn.close()


def snapshot_with(victim: psycopg.Connection):
    pid = victim.info.backend_pid
    target = session(pid, "idle", "SELECT 'victim-marker' AS note", 900.0)
    other = session(77, "idle", "SELECT 1", 1.0)
    return healthy(
        connections=Connections(
            total=2, max_connections=100, by_state={"idle": 2}, sessions=(target, other)
        )
    )


async def open_backend(pilot, app) -> None:
    await settle(pilot)
    await pilot.press("7", "enter")
    assert isinstance(app.screen, BackendScreen)
    await wait_until(pilot, lambda: "victim-marker" in static_text(app, "#backend-query-text"))


async def test_terminate_needs_the_typed_pid_and_enter_alone_never_acts(db, victim) -> None:
    pid = victim.info.backend_pid
    app = make_app(snapshot_with(victim), dsn=db.dsn, allow_write=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_backend(pilot, app)
        assert f"pid {pid}" in static_text(app, "#backend-details")
        await pilot.press("t")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter", "enter", "enter")  # Enter spam
        assert isinstance(app.screen, ConfirmScreen)
        assert "nothing typed" in static_text(app, "#confirm-feedback")
        await pilot.press("1", "enter")  # a wrong pid
        assert "does not match" in static_text(app, "#confirm-feedback")
        app.screen.query_one(Input).post_message(events.Paste(f"{pid}; SELECT 1"))
        await pilot.pause()
        await pilot.press("enter")  # a paste with more than the pid
        assert isinstance(app.screen, ConfirmScreen)
        assert alive(victim)
        await pilot.press(*str(pid), "enter")
        assert isinstance(app.screen, BackendScreen)
        await wait_until(pilot, lambda: "signalled" in static_text(app, "#backend-result"))
        await wait_until(pilot, lambda: not alive(victim))
        await wait_until(pilot, lambda: "is gone" in static_text(app, "#backend-details"))


async def test_cancel_keeps_the_session_and_escape_or_expiry_do_nothing(db, victim) -> None:
    pid = victim.info.backend_pid
    app = make_app(snapshot_with(victim), dsn=db.dsn, allow_write=True, confirm_expiry=0.3)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_backend(pilot, app)
        expiry = app.screen.confirm_expiry  # the app's 0.3 s, for the expiry below
        # long enough to see the dialog: a busy machine can take 0.3 s to press a key
        app.screen.confirm_expiry = 60.0
        await pilot.press("t")
        # escape must reach the confirmation, not the backend screen beneath it
        await wait_until(pilot, lambda: not isinstance(app.screen, BackendScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, BackendScreen))
        assert "not confirmed" in static_text(app, "#backend-result")
        app.screen.confirm_expiry = expiry
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, BackendScreen))  # expired
        assert "not confirmed" in static_text(app, "#backend-result")
        assert alive(victim)
        app.screen.confirm_expiry = 60.0
        await pilot.press("c", *str(pid), "enter")
        await wait_until(pilot, lambda: "cancel: the server" in static_text(app, "#backend-result"))
        assert alive(victim)


async def test_read_only_console_offers_no_cancel_or_terminate(db, victim) -> None:
    app = make_app(snapshot_with(victim), dsn=db.dsn, allow_write=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_backend(pilot, app)
        await pilot.press("t")
        assert isinstance(app.screen, BackendScreen)
        assert "--allow-write" in static_text(app, "#backend-result")
        await pilot.press("c")
        assert isinstance(app.screen, BackendScreen)
    assert alive(victim)


async def test_the_console_refuses_to_terminate_its_own_sessions(db, victim) -> None:
    from console.core.db import application_name

    snap = snapshot_with(victim)
    own = replace(snap.connections.sessions[0], application_name=application_name("poll"))
    snap = replace(snap, connections=replace(snap.connections, sessions=(own,)))
    app = make_app(snap, dsn=db.dsn, allow_write=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_backend(pilot, app)
        await pilot.press("t", *str(victim.info.backend_pid), "enter")
        await wait_until(pilot, lambda: "refused" in static_text(app, "#backend-result"))
        assert "belongs to this console" in static_text(app, "#backend-result")
    assert alive(victim)


# --- the dashboard's signals are recovery actions: audited, locked, on the timeline ---------

DEAD_STATE = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"


def preview_text(app) -> str:
    """The confirm dialog's preview line ('' until the plan arrives)."""
    shown = app.screen.query("#confirm-preview")
    return str(shown.first(Static).render()) if shown else ""


def audit_rows(db, action_id: str) -> list[tuple]:
    with db.connect() as conn:
        return conn.execute(
            "SELECT run_id, phase, operator, incident_id, detail"
            " FROM incident_console.audit_log WHERE action_id = %s ORDER BY id",
            (action_id,),
        ).fetchall()


async def test_a_terminate_from_the_dashboard_is_audited_and_on_the_timeline(
    db, victim, tmp_path
) -> None:
    init_state(db.dsn)
    pid = victim.info.backend_pid
    state_dir = tmp_path / "state"
    app = make_app(
        snapshot_with(victim), dsn=db.dsn, allow_write=True, state_dir=state_dir, operator="alice"
    )
    async with app.run_test(size=(120, 30)) as pilot:
        incident = app.desk.open("Sessions piling up", "P1")
        await open_backend(pilot, app)
        await pilot.press("t")
        # the plan the typed pid will apply is shown while the operator types
        await wait_until(pilot, lambda: f"pid {pid} (" in preview_text(app))
        await pilot.press(*str(pid), "enter")
        await wait_until(pilot, lambda: "signalled" in static_text(app, "#backend-result"))
        await wait_until(pilot, lambda: not alive(victim))
        await wait_until(pilot, lambda: "action_applied" in [e.kind for e in app.desk.timeline()])
        timeline = app.desk.timeline()
    audited = audit_rows(db, "terminate_backend")
    assert [r[1] for r in audited] == ["intent", "outcome"]
    assert {r[2] for r in audited} == {"alice"} and {r[3] for r in audited} == {incident.id}
    assert audited[0][4]["keys"] == [str(pid)]
    assert audited[0][4]["reason"] == "under test"  # the write window's reason
    assert audited[1][4]["status"] == "applied"
    local = [json.loads(line) for line in (state_dir / "audit.jsonl").read_text().splitlines()]
    # The window it was applied in (recorded off the UI loop), then the action's two.
    assert ("write_window", "opened") in [(r["action_id"], r["phase"]) for r in local]
    assert [(r["action_id"], r["phase"]) for r in local if r["action_id"] != "write_window"] == [
        ("terminate_backend", "intent"),
        ("terminate_backend", "outcome"),
    ]
    planned = [e for e in timeline if e.kind == "action_planned"]
    applied = [e for e in timeline if e.kind == "action_applied"]
    assert [e.data["action_id"] for e in planned] == ["terminate_backend"]
    assert [e.data["action_id"] for e in applied] == ["terminate_backend"]
    assert applied[0].data["status"] == "applied"
    assert str(applied[0].data["run_id"]) == str(audited[0][0])  # the record and the entry


async def test_a_second_operator_holding_the_action_lock_blocks_the_dashboard(
    db, victim, tmp_path
) -> None:
    from console.recovery.locks import lock_keys

    pid = victim.info.backend_pid
    other = db.connect()
    other.execute("SELECT pg_advisory_lock(%s, %s)", lock_keys("terminate_backend"))
    app = make_app(snapshot_with(victim), dsn=db.dsn, allow_write=True, state_dir=tmp_path)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await open_backend(pilot, app)
            await pilot.press("t", *str(pid), "enter")
            await wait_until(pilot, lambda: "refused" in static_text(app, "#backend-result"))
            said = static_text(app, "#backend-result")
            assert f"already being run by pid {other.info.backend_pid}" in said
        assert alive(victim)
    finally:
        other.close()


async def test_a_terminate_is_refused_when_the_audit_cannot_be_written(
    db, victim, tmp_path
) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the state directory should be")
    app = make_app(
        snapshot_with(victim),
        dsn=db.dsn,
        allow_write=True,
        state_dsn=DEAD_STATE,
        state_dir=blocked,
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await open_backend(pilot, app)
        await pilot.press("t", *str(victim.info.backend_pid), "enter")
        await wait_until(pilot, lambda: "refused" in static_text(app, "#backend-result"))
        assert "audit log cannot be written" in static_text(app, "#backend-result")
        assert "nothing was changed" in static_text(app, "#backend-result")
    assert alive(victim)  # nothing was signalled
    with db.connect() as conn:  # and the action's lock did not outlive the refusal
        held = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        assert held.fetchone() == (0,)
