"""The checklist screens through Textual's Pilot, on the real embedded PostgreSQL.

The dashboard is fed a hand-built Snapshot (StaticSource) whose findings light the index;
runbook steps, previews and applies run against the test database, and what the
operator would notice — a verdict, rows, a changed table, a timeline line, a file — is
checked there.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.checklist_samples import (
    action_step,
    cell_text,
    checklist_app,
    open_action,
    open_runbook,
    order_states,
    reset_previewed,
    row_keys,
    seed_stuck_orders,
    states,
    stuck_orders_app,
    wait_for,
    widget_text,
)
from support.dashboard_samples import running, screen_text, status_text
from textual import events
from textual.command import CommandList, CommandPalette
from textual.widgets import Button, DataTable, Input

from console.core.config import Settings
from console.core.db import SessionLimits
from console.core.state import init_state
from screens.app import IncidentApp
from screens.dialogs.action_confirm import ActionConfirmScreen
from screens.dialogs.confirm import ConfirmScreen
from screens.dialogs.prompt import PromptScreen
from screens.views.checklist_index import ChecklistScreen
from screens.views.runbook_screen import RunbookScreen
from screens.views.timeline_screen import TimelineScreen
from tests.conftest import TestDatabase

# --- the index ------------------------------------------------------------------------


async def test_index_lights_the_firing_items_and_enter_opens_the_runbook(tmp_path: Path) -> None:
    app = checklist_app(None, tmp_path)
    async with running(app) as pilot:
        await pilot.press("c")
        assert isinstance(app.screen, ChecklistScreen)
        table = app.screen.query_one(DataTable)
        keys = row_keys(table)
        # The guide's Quick Reference: four items in each of P0, P1, P2, in its order.
        p1 = keys[keys.index("#P1 High: response within 1 hour") + 1 :][:4]
        assert p1 == ["high_error_rate", "processing_delay", "signature_failures",
                      "idempotency_conflicts"]  # fmt: skip
        assert cell_text(table, "high_error_rate", 0) == "● FIRING P1"
        assert cell_text(table, "rate_limiting", 0) == "● FIRING P2"
        assert cell_text(table, "issue_state_transitions", 0) == "● FIRING P1"  # stuck_orders
        assert cell_text(table, "processing_down", 0) == "○ quiet"
        assert "6 lit by the last poll's findings" in screen_text(app)
        for group in ("Common issues", "Advanced", "Recovery", "Reference"):
            assert any(k.startswith(f"#{group}") for k in keys), group
        table.move_cursor(row=keys.index("high_error_rate"))
        await pilot.press("enter")
        assert isinstance(app.screen, RunbookScreen)
        assert app.screen.runbook.id == "high_error_rate"
        assert "Over 5 % of the last 5 minutes" in screen_text(app)  # the runbook's summary
        await pilot.press("escape", "escape")
        assert app.screen is app.dashboard


async def test_enter_on_a_finding_opens_its_runbook(tmp_path: Path) -> None:
    app = checklist_app(None, tmp_path)
    async with running(app) as pilot:
        await pilot.press("1", "enter")
        assert isinstance(app.screen, RunbookScreen)
        assert app.screen.runbook.id == "high_error_rate"


# --- steps ----------------------------------------------------------------------------


def seed_errors(db: TestDatabase) -> None:
    with db.connect() as conn:
        conn.execute(
            "INSERT INTO webhook_events (event_id, event_type, created_at, processed_at,"
            " error_message) SELECT 'evt_' || g, 'payment_intent.succeeded',"
            " now() - interval '1 minute', CASE WHEN g > 3 THEN now() END,"
            " CASE WHEN g <= 3 THEN 'Invalid signature' END FROM generate_series(1, 10) AS g"
        )


@pytest.fixture
def errors_app(db: TestDatabase, tmp_path: Path) -> IncidentApp:
    """The app on a database where 3 of the last minute's 10 events failed."""
    seed_errors(db)
    return checklist_app(db.dsn, tmp_path)


async def test_a_query_step_runs_and_shows_its_verdict_and_rows(errors_app: IncidentApp) -> None:
    app = errors_app
    async with running(app) as pilot:
        screen = await open_runbook(pilot, "high_error_rate", "rate")
        assert isinstance(screen, RunbookScreen)
        assert "diagnostics/error_rate" in screen_text(app)  # the SQL is shown before running
        await pilot.press("r")
        state = app.checklists.state("high_error_rate", "rate")
        await wait_for(pilot, lambda: state.status not in ("pending", "running"))
        assert state.status == "fail"
        assert "More than 5 %" in state.verdict
        steps = screen.query_one("#rb-steps", DataTable)
        assert cell_text(steps, "rate", 1) == "FAIL"
        rows = screen.query_one("#rb-rows", DataTable)
        assert rows.display and rows.row_count >= 1
        assert "error_percent" in [str(c.label) for c in rows.columns.values()]
        assert "FAIL More than 5 %" in screen_text(app)


async def test_a_manual_step_is_ticked_and_takes_a_note(incident_app: IncidentApp) -> None:
    app = incident_app
    async with running(app) as pilot:
        app.desk.open("Notifications failing", "P2")
        screen = await open_runbook(pilot, "notification_failures")
        manual = next(s for s in screen.runbook.steps if s.kind == "manual")
        screen.select(manual.id)
        await pilot.press("space")
        steps = screen.query_one("#rb-steps", DataTable)
        assert cell_text(steps, manual.id, 1) == "DONE"
        await pilot.press("n")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"provider outage; it's 'fine' -- $$", "enter")
        assert app.screen is screen
        assert "Note: provider outage; it's 'fine' -- $$" in screen_text(app)
        await pilot.press("space")  # untick
        assert cell_text(steps, manual.id, 1) == "pending"
        await wait_for(pilot, lambda: len(app.desk.timeline()) >= 4)
        texts = [e.text for e in app.desk.timeline()]
        assert any(f"notification_failures/{manual.id}: done" in t for t in texts)
        assert any("note: provider outage; it's 'fine' -- $$" in t for t in texts)


# --- actions: preview, confirm, apply ---------------------------------------------------


async def test_enter_spam_wrong_and_pasted_tokens_never_write(
    db: TestDatabase, tmp_path: Path
) -> None:
    async with reset_previewed(db, tmp_path, 3, allow_write=True) as (app, pilot, dialog):
        assert dialog.plan.count == 3 and dialog.plan.token == "3"
        shown = screen_text(app)
        assert "3 rows will change" in shown and "type 3 (the number of rows" in shown
        assert "Corrected from the guide" in shown  # why the guide's SQL was changed
        apply_button = dialog.query_one("#action-apply", Button)
        assert apply_button.disabled
        await pilot.press("enter", "enter", "enter", "enter", "enter")
        await pilot.press(*"33", "enter", *"4", "enter", *"-3", "enter")
        dialog.query_one(Input).post_message(events.Paste("3; DELETE FROM orders"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ActionConfirmScreen) and dialog.result is None
        assert apply_button.disabled
        assert "nothing was changed" in screen_text(app)
        assert order_states(db) == {"pending": 4}


async def test_the_right_token_applies_exactly_the_previewed_rows(
    any_db: TestDatabase, tmp_path: Path
) -> None:
    db = any_db  # bigint and uuid ids
    init_state(db.dsn)
    app = stuck_orders_app(db, tmp_path, 3, allow_write=True)
    async with running(app) as pilot:
        app.desk.open("Orders stuck", "P1")
        dialog = await open_action(pilot)
        await pilot.press("3")
        assert not dialog.query_one("#action-apply", Button).disabled
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.result is not None)
        assert dialog.result.status == "applied"
        assert dialog.result.changed == dialog.plan.count == 3
        assert "APPLIED" in screen_text(app) and "committed batches: 1" in screen_text(app)
        assert order_states(db) == {"pending_payment": 3, "pending": 1}
        await pilot.press("escape")
        runbook = app.screen
        assert isinstance(runbook, RunbookScreen)
        assert app.checklists.state(runbook.runbook.id, action_step(runbook)).status == "ok"
        await wait_for(pilot, lambda: any(e.kind == "action_applied" for e in app.desk.timeline()))
        kinds = [e.kind for e in app.desk.timeline()]
        assert "action_planned" in kinds
        applied = next(e for e in app.desk.timeline() if e.kind == "action_applied")
        assert applied.data["changed"] == 3 and applied.data["previewed"] == 3


async def test_a_read_only_console_explains_and_cannot_apply(
    db: TestDatabase, tmp_path: Path
) -> None:
    async with reset_previewed(db, tmp_path, 2, allow_write=False) as (app, pilot, dialog):
        assert dialog.plan.count == 2  # the preview itself is read-only and works
        shown = " ".join(screen_text(app).split())
        assert "This console is read-only" in shown and "with --allow-write" in shown
        assert not dialog.query(Input)  # nothing to type into
        assert dialog.query_one("#action-apply", Button).disabled
        await pilot.press("2", "enter", "enter")
        assert dialog.result is None
        await pilot.press("escape")
        assert isinstance(app.screen, RunbookScreen)
        assert order_states(db) == {"pending": 3}


async def test_an_expired_preview_needs_a_fresh_one(db: TestDatabase, tmp_path: Path) -> None:
    async with reset_previewed(db, tmp_path, 2, allow_write=True, plan_ttl=0.3) as (
        app,
        pilot,
        dialog,
    ):
        await wait_for(pilot, lambda: "expired" in widget_text(app, "#action-feedback"), timeout=3)
        assert dialog.query_one(Input).disabled
        assert dialog.query_one("#action-apply", Button).disabled
        dialog._try_apply("2")  # even the right token, submitted directly, does nothing
        await pilot.pause(0.2)
        assert dialog.result is None and not dialog.applying
        assert order_states(db) == {"pending": 3}


# --- the incident timeline --------------------------------------------------------------


async def test_timeline_opens_an_incident_records_steps_and_writes_the_postmortem(
    db: TestDatabase, tmp_path: Path
) -> None:
    init_state(db.dsn)
    seed_errors(db)
    app = checklist_app(db.dsn, tmp_path)
    async with running(app) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, TimelineScreen)
        await wait_for(pilot, lambda: "No incident open" in widget_text(app, "#tl-head"))
        await pilot.press("o")
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = ""
        await pilot.press(*"P1 Checkout errors", "enter")
        await wait_for(pilot, lambda: app.desk.incident is not None)
        assert app.desk.incident.severity == "P1"
        await wait_for(pilot, lambda: "Immediate Response" in widget_text(app, "#tl-head"))
        assert "INCIDENT" in status_text_of(app)
        assert "Escalation matrix" in screen_text(app)
        await pilot.press("n")
        await pilot.press(*"rolled back deploy 42", "enter")
        await wait_for(pilot, lambda: "rolled back deploy 42" in entries_text(app))
        await pilot.press("escape")
        await open_runbook(pilot, "high_error_rate", "rate")
        await pilot.press("r")
        state = app.checklists.state("high_error_rate", "rate")
        await wait_for(pilot, lambda: state.status == "fail")
        await pilot.press("t")
        await wait_for(pilot, lambda: "step high_error_rate/rate" in entries_text(app))
        await pilot.press("w")
        reports = tmp_path / "reports"
        await wait_for(pilot, lambda: "Postmortem written" in widget_text(app, "#tl-report"))
        written = next(reports.iterdir())
        assert f"Postmortem written to {written}" in widget_text(app, "#tl-report")
        text = written.read_text()
        assert "# Postmortem: Checkout errors" in text
        assert "step high_error_rate/rate: More than 5 %" in text
        assert "rolled back deploy 42" in text


def entries_text(app) -> str:
    table = app.screen.query_one("#tl-entries", DataTable)
    return "\n".join(" ".join(map(str, table.get_row_at(i))) for i in range(table.row_count))


def status_text_of(app) -> str:
    from screens.widgets.status_bar import StatusBar

    bar = app.screen.query_one(StatusBar)
    return str(bar.render())


async def test_missing_schema_says_run_init_and_a_writer_can_create_it(
    db: TestDatabase, tmp_path: Path
) -> None:
    app = checklist_app(db.dsn, tmp_path, allow_write=True)
    async with running(app) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: "run incident-console init" in widget_text(app, "#tl-head"))
        assert "press i to create it" in widget_text(app, "#tl-head")
        await pilot.press("o", *"P2 test", "enter")
        await wait_for(pilot, lambda: "run incident-console init" in widget_text(app, "#tl-head"))
        assert app.desk.incident is None  # nothing opened in a hidden local file
        await pilot.press("i")
        await wait_for(pilot, lambda: "incident_console created" in widget_text(app, "#tl-report"))
        await pilot.press("o")
        app.screen.query_one(Input).value = "P2 test"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.desk.incident is not None)


async def test_status_bar_does_not_show_an_incident_when_none_is_open(tmp_path: Path) -> None:
    app = checklist_app(None, tmp_path)
    async with running(app):
        assert "INCIDENT" not in status_text(app)


# --- commands and the palette -----------------------------------------------------------


async def test_a_state_changing_command_runs_only_after_its_confirmation(tmp_path: Path) -> None:
    settings = Settings(service_commands={"webhook_stop": ("echo", "webhook stopped")})
    app = checklist_app(None, tmp_path, settings=settings)
    async with running(app) as pilot:
        screen = await open_runbook(pilot, "recovery_complete_system", "stop_processing")
        state = app.checklists.state("recovery_complete_system", "stop_processing")
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter", "enter", "escape")  # Enter spam, then no
        await pilot.pause(0.2)
        assert app.screen is screen and state.status == "pending" and state.result is None
        await pilot.press("enter")  # Enter on the step asks again
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press(*"stop_processing", "enter")
        await wait_for(pilot, lambda: state.status not in ("pending", "running"))
        assert state.status == "ok" and "echo webhook stopped exited 0" in state.verdict
        assert state.result.rows == ({"line": "webhook stopped"},)


async def test_the_command_palette_opens_the_checklists_and_a_runbook(tmp_path: Path) -> None:
    app = checklist_app(None, tmp_path)
    async with running(app) as pilot:
        for command, expected in (
            ("Checklists", ChecklistScreen),
            ("Runbook: Issue 3", RunbookScreen),
        ):
            await pilot.press("ctrl+p")
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*command)
            commands = app.screen.query_one(CommandList)
            await wait_for(pilot, lambda c=commands: c.option_count > 0)
            await pilot.press("enter")
            await wait_for(pilot, lambda e=expected: isinstance(app.screen, e))
        assert app.screen.runbook.id == "issue_idempotency"


async def test_a_step_that_gets_no_answer_is_cut_off_and_the_next_run_works(
    db: TestDatabase, tmp_path: Path
) -> None:
    limits = SessionLimits(statement_timeout_ms=5_000, lock_timeout_ms=5_000)
    app = checklist_app(db.dsn, tmp_path, step_timeout=0.5, limits=limits)
    holder = db.connect()
    try:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")  # a stuck migration
        async with running(app) as pilot:
            await open_runbook(pilot, "issue_state_transitions", "stuck")
            state = app.checklists.state("issue_state_transitions", "stuck")
            await pilot.press("r")
            await wait_for(pilot, lambda: state.status == "error", timeout=3)
            assert "no answer within 0.5 s" in state.verdict
            await pilot.press("n")  # the UI still answers keys
            assert isinstance(app.screen, PromptScreen)
            await pilot.press("escape")
            holder.execute("ROLLBACK")
            await pilot.press("r")
            await wait_for(pilot, lambda: state.status not in ("error", "running"), timeout=3)
            assert state.status == "ok"
    finally:
        holder.close()


async def test_f_opens_the_incident_from_the_selected_finding(incident_app: IncidentApp) -> None:
    app = incident_app
    async with running(app) as pilot:
        await pilot.press("1", "down", "t")  # the second finding: stuck orders
        await wait_for(pilot, lambda: "No incident open" in widget_text(app, "#tl-head"))
        await pilot.press("f")
        await wait_for(pilot, lambda: "finding fired" in entries_text(app))
        incident = app.desk.incident
        assert incident.finding_id == "stuck_orders" and incident.severity == "P1"
        assert incident.issue_type == "business"
        assert "▶ business" in screen_text(app)  # its row of the escalation matrix
        await pilot.press("escape")
        assert "P1 INCIDENT Immediate" in status_text(app)  # the dashboard's status bar


async def test_going_back_mid_run_keeps_the_step_running_and_records_it(
    errors_app: IncidentApp,
) -> None:
    app = errors_app
    async with running(app) as pilot:
        await open_runbook(pilot, "high_error_rate", "rate")
        state = app.checklists.state("high_error_rate", "rate")
        await pilot.press("r", "escape")
        assert app.screen is app.dashboard
        await wait_for(pilot, lambda: state.status == "fail")
        await pilot.press("c")
        table = app.screen.query_one(DataTable)
        assert cell_text(table, "high_error_rate", 1) == "1/5"  # progress shows on the index


async def test_question_mark_on_a_runbook_lists_its_keys(tmp_path: Path) -> None:
    app = checklist_app(None, tmp_path)
    async with running(app, size=(100, 40)) as pilot:
        await open_runbook(pilot, "notification_failures")
        await pilot.press("question_mark")
        keys = dict(app.screen.keys)
        assert keys["p"] == "Preview" and keys["space"] == "Done" and keys["n"] == "Note"


async def test_with_exact_ticked_rows_changed_since_the_preview_roll_back_and_say_so(
    db: TestDatabase, tmp_path: Path
) -> None:
    async with reset_previewed(db, tmp_path, 3, allow_write=True) as (app, pilot, dialog):
        with db.connect() as conn:  # someone works on one order meanwhile
            conn.execute(
                "UPDATE orders SET updated_at = now() WHERE id = %s", (dialog.plan.keys[0],)
            )
        await pilot.click("#action-exact")
        await wait_for(pilot, lambda: dialog.exact)
        await pilot.click("#action-input")
        await pilot.press("3", "enter")
        await wait_for(pilot, lambda: dialog.result is not None or not dialog.applying)
        assert dialog.result is not None and dialog.result.status == "changed_since_preview"
        assert dialog.result.changed == 0
        assert "CHANGED SINCE PREVIEW" in screen_text(app)
        assert order_states(db) == {"pending": 4}


async def test_the_preview_is_an_upper_bound_fixed_rows_left_alone_new_ones_untouched(
    db: TestDatabase, tmp_path: Path
) -> None:
    async with reset_previewed(db, tmp_path, 3, allow_write=True) as (app, pilot, dialog):
        assert not dialog.exact  # the upper bound is the default
        with db.connect() as conn:  # one order is worked on, another gets stuck meanwhile
            conn.execute(
                "UPDATE orders SET updated_at = now() WHERE id = %s", (dialog.plan.keys[0],)
            )
            seed_stuck_orders(conn, 1)
        await pilot.press("3", "enter")
        await wait_for(pilot, lambda: dialog.result is not None or not dialog.applying)
        assert dialog.result is not None and dialog.result.status == "applied"
        assert dialog.result.changed == 2
        shown = screen_text(app)
        assert "1 previewed rows were already fixed" in shown
        assert "1 more match now: preview again" in shown
        with db.connect() as conn:  # the new stuck order was never touched
            assert states(conn) == {"pending_payment": 2, "pending": 4}


async def test_a_preview_that_cannot_run_says_why_on_the_step(
    empty_db: TestDatabase, tmp_path: Path
) -> None:
    app = checklist_app(empty_db.dsn, tmp_path, allow_write=True)
    async with running(app) as pilot:
        screen = await open_runbook(pilot, "issue_state_transitions")
        step = action_step(screen)
        screen.select(step)
        await pilot.press("p")
        state = app.checklists.state(screen.runbook.id, step)
        await wait_for(pilot, lambda: state.verdict.startswith("preview failed"))
        assert "orders" in state.verdict
        assert app.screen is screen  # no dialog, nothing to confirm
