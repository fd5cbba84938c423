"""One runbook: its steps with their status, the selected step's detail, and running it.

Read-only steps (query/check/log) run in an async worker on the operator's connection,
with a deadline; a `command` that changes state runs only after a typed confirmation;
`manual` steps are ticked with Space and take a note; an `action` is previewed (`p`) in a
thread worker and then goes to the confirm dialog, which alone can apply it. Every
outcome is recorded on the open incident's timeline (a message to the app: the record
outlives this screen). What the screen runs and reads comes from its `RunbookHost`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from console.core.db import DatabaseError
from console.runbooks.model import (
    ActionStep,
    AnyStep,
    CheckStep,
    CommandStep,
    ManualStep,
    Runbook,
)
from screens.dialogs.action_confirm import ActionConfirmScreen, ActionHost
from screens.dialogs.confirm import ConfirmScreen
from screens.dialogs.pasted_input import PastedInputScreen, pasted_inputs
from screens.dialogs.prompt import PromptScreen
from screens.failures import describe_failure
from screens.formatting import cell
from screens.keys import HELP, NOTE, TIMELINE, back
from screens.messages import (
    ActionApplied,
    LiveUpdated,
    PlanPreviewed,
    StatusWanted,
    StepRecorded,
)
from screens.options import DashboardOptions
from screens.views.checklist_state import RUNNABLE_KINDS, StepState
from screens.views.step_detail import about_runbook, outcome, status_text, step_body
from screens.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from console.recovery.actions import Plan
    from console.runbooks.run import StepResult

ABOUT = "__about__"
KindOfStep = TypeVar("KindOfStep", ManualStep, ActionStep)
ACTION_STATUS = {"applied": "ok", "nothing_to_do": "ok", "dry_run": "skipped"}


class RunbookHost(Protocol):
    """What a runbook screen needs: the console's options (mode, settings), each step's progress,
    a way to run a step and to preview an action, and the confirm dialog's host."""

    @property
    def options(self) -> DashboardOptions: ...
    @property
    def actions(self) -> ActionHost: ...

    def state(self, runbook_id: str, step_id: str) -> StepState: ...

    def catalogue(self) -> Mapping[str, Any]: ...

    async def run_step(
        self,
        runbook_id: str,
        step: AnyStep,
        confirmed: frozenset[str],
        inputs: Mapping[str, str] | None = None,
    ) -> StepResult: ...

    def plan(self, step: ActionStep, params: Mapping[str, Any]) -> Plan:
        """Preview an action (blocking: called from a thread worker)."""
        ...


class RunbookScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        back(),
        Binding("r", "run", "Run step"),
        Binding("space", "toggle_done", "Done"),
        NOTE,
        Binding("p", "preview", "Preview"),
        TIMELINE,
        HELP,
    ]

    def __init__(self, runbook: Runbook, host: RunbookHost) -> None:
        super().__init__()
        self.runbook = runbook
        self.host = host
        self.confirmed: set[str] = set()

    def compose(self) -> ComposeResult:
        yield StatusBar()
        rb = self.runbook
        head = f"{rb.priority + ' ' if rb.priority else ''}{rb.title}"
        yield Static(Text(head, style="bold"), id="rb-title")
        table: DataTable[Text | str] = DataTable(cursor_type="row", id="rb-steps")
        table.add_columns("#", "Status", "Kind", "Step")
        yield table
        with VerticalScroll(id="rb-detail"):
            # The outcome and its rows first: at 80x24 they are what the operator ran it for.
            yield Static("", id="rb-outcome")
            rows: DataTable[str] = DataTable(id="rb-rows", cursor_type="row")
            rows.display = False
            yield rows
            yield Static("", id="rb-body")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_steps()
        table = self.query_one("#rb-steps", DataTable)
        table.focus()
        self.show_detail()

    def on_screen_resume(self) -> None:
        self.refresh_steps()
        self.show_detail()
        self.post_message(StatusWanted())

    # --- the step list and the detail ------------------------------------------------

    def state(self, step: AnyStep) -> StepState:
        return self.host.state(self.runbook.id, step.id)

    def refresh_steps(self) -> None:
        table = self.query_one("#rb-steps", DataTable)
        row = table.cursor_row
        table.clear()
        table.add_row("", "", "", Text("About this runbook", style="italic"), key=ABOUT)
        for number, step in enumerate(self.runbook.steps, start=1):
            state = self.state(step)
            table.add_row(
                str(number), status_text(state.status), step.kind, step.title, key=step.id
            )
        table.move_cursor(row=min(max(row, 0), table.row_count - 1), animate=False)

    def selected(self) -> AnyStep | None:
        table = self.query_one("#rb-steps", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if key in (None, ABOUT) else self.runbook.step(str(key))

    def selected_kind(self, kind: type[KindOfStep], refusal: str) -> KindOfStep | None:
        """The selected step when it is a `kind`; else None, and the operator is told
        `refusal` when another kind of step is selected."""
        step = self.selected()
        if isinstance(step, kind):
            return step
        if step is not None:
            self.notify(refusal, severity="warning")
        return None

    def select(self, step_id: str) -> None:
        ids = [s.id for s in self.runbook.steps]
        self.query_one("#rb-steps", DataTable).move_cursor(row=ids.index(step_id) + 1)

    def show_detail(self) -> None:
        host, options = self.host, self.host.options
        step = self.selected()
        body = self.query_one("#rb-body", Static)
        line = self.query_one("#rb-outcome", Static)
        rows = self.query_one("#rb-rows", DataTable)
        if step is None:
            body.update(about_runbook(self.runbook))
            line.update("")
            rows.display = False
            return
        writable = options.allow_write
        body.update(step_body(step, options.settings, host.catalogue(), allow_write=writable))
        state = self.state(step)
        line.update(outcome(step, state, writable))
        self._show_rows(state)

    def _show_rows(self, state: StepState) -> None:
        rows = self.query_one("#rb-rows", DataTable)
        rows.clear(columns=True)
        if state.plan is not None and state.result is None:
            columns = tuple(state.plan.rows[0].keys()) if state.plan.rows else ()
            data = [tuple(r.get(c) for c in columns) for r in state.plan.sample]
        elif state.result is not None and state.result.columns:
            columns = state.result.columns
            data = [tuple(r.get(c) for c in columns) for r in state.result.rows[:200]]
        else:
            rows.display = False
            return
        rows.add_columns(*columns)
        for values in data:
            rows.add_row(*(cell(v, column=c) for c, v in zip(columns, values, strict=False)))
        rows.display = bool(columns)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "rb-steps":
            self.show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "rb-steps":
            return
        event.stop()
        step = self.selected()
        if isinstance(step, ManualStep):
            self.action_toggle_done()
        elif isinstance(step, ActionStep):
            self.action_preview()
        elif step is not None:
            self.action_run()

    # --- running ---------------------------------------------------------------------

    def action_run(self) -> None:
        step = self.selected()
        if step is None:
            return
        if isinstance(step, CommandStep) and step.changes_state and step.id not in self.confirmed:
            self._confirm_command(step)
            return
        if step.kind not in (*RUNNABLE_KINDS, "command"):
            self.notify(
                "Space ticks a manual step" if step.kind == "manual" else "p previews an action",
                severity="warning",
            )
            return
        if isinstance(step, CheckStep) and (needed := pasted_inputs(step)):
            self._ask_inputs(step, needed)
            return
        self.start_step(step)

    def _ask_inputs(self, step: CheckStep, needed: tuple[str, ...]) -> None:
        """A check that needs pasted values asks for them (skipped headless without)."""

        def answered(values: dict[str, str] | None) -> None:
            if values:
                self.start_step(step, values)

        self.app.push_screen(PastedInputScreen(step.title, needed), answered)

    def start_step(self, step: AnyStep, inputs: Mapping[str, str] | None = None) -> None:
        """Run on the app, not this screen: going back mid-run neither cancels the query
        nor loses its result (it still lands in the checklist and on the timeline)."""
        self.app.run_worker(
            self.run_step(step, inputs),
            group="step",
            exit_on_error=False,
            description=f"run step {step.id}",
        )

    def _confirm_command(self, step: CommandStep) -> None:
        argv = self.host.options.settings.service_commands.get(step.command)
        shown = " ".join(argv) if argv else f"{step.command} (not configured)"
        question = f"Run {shown}? It changes the state of the system."

        def answered(yes: bool | None) -> None:
            if yes:
                self.confirmed.add(step.id)
                self.start_step(step)

        self.app.push_screen(
            ConfirmScreen(question, step.id, expires_after=self.host.options.confirm_expiry),
            answered,
        )

    async def run_step(self, step: AnyStep, inputs: Mapping[str, str] | None = None) -> None:
        state = self.state(step)
        state.status, state.result, state.verdict = "running", None, ""
        self._refresh(step)
        confirmed = frozenset(self.confirmed)
        result = await self.host.run_step(self.runbook.id, step, confirmed, inputs)
        state.result, state.status, state.verdict = result, result.status, result.verdict
        self._refresh(step)
        if result.details.get("not_run_here"):  # an observer, or another console's step
            return
        rows = result.row_count if result.columns else None
        self._record(step, result.verdict, rows, result.status)

    def _record(
        self, step: AnyStep, verdict: str, rows: int | None = None, status: str = ""
    ) -> None:
        """To the app, not this screen: it may be closed before the step finishes."""
        self.app.post_message(StepRecorded(self.runbook.id, step.id, verdict, rows, status))

    def on_live_updated(self, message: LiveUpdated) -> None:
        """Another console ran (or started) a step: its state is already in the host's."""
        self._refresh_all()

    def _refresh_all(self) -> None:
        if self.is_attached:
            self.refresh_steps()
            self.show_detail()

    def _refresh(self, step: AnyStep) -> None:
        if not self.is_attached:
            return
        self.refresh_steps()
        if self.selected() is step:
            self.show_detail()

    # --- manual steps and notes ------------------------------------------------------

    def action_toggle_done(self) -> None:
        step = self.selected_kind(ManualStep, "Only manual steps are ticked; r runs this one.")
        if step is None:
            return
        state = self.state(step)
        done = state.status != "done"
        state.status = "done" if done else "pending"
        state.verdict = "done" if done else ""
        self._refresh(step)
        verdict = f"done{': ' + state.note if state.note and done else ''}" if done else "undone"
        self._record(step, verdict, status="done" if done else "pending")

    def action_note(self) -> None:
        step = self.selected()
        if step is None:
            return
        state = self.state(step)

        def save(text: str | None) -> None:
            if text is None:
                return
            if "\x00" in text:
                self.notify("A note cannot contain a NUL character.", severity="error")
                return
            state.note = text
            self._refresh(step)
            self._record(step, f"note: {text}")

        self.app.push_screen(
            PromptScreen(f"Note on {step.title}", "What did you see or do?", value=state.note),
            save,
        )

    # --- actions: preview, then the confirm dialog -----------------------------------

    def action_preview(self) -> None:
        step = self.selected_kind(ActionStep, "p previews recovery actions only.")
        if step is None:
            return
        if self._needs_pid(step):
            self.app.push_screen(
                PromptScreen(f"{step.title}: which pid?", "The pid of the session (see panel 7)."),
                lambda pid: self.preview(step, {"pid": pid}) if pid else None,
            )
            return
        self.preview(step, {})

    @staticmethod
    def _needs_pid(step: ActionStep) -> bool:
        from console.recovery.actions import get_spec

        return get_spec(step.action).kind == "backend" and "pid" not in step.params

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview", description="preview")
    def preview(self, step: ActionStep, params: dict[str, Any]) -> None:
        state = self.state(step)
        self.app.call_from_thread(self._set_verdict, step, "previewing…")
        try:
            plan = self.host.plan(step, params)
        except Exception as exc:  # shown on the step; the screen stays usable
            said = str(exc) if isinstance(exc, DatabaseError) else describe_failure(exc)[1]
            self.app.call_from_thread(self._set_verdict, step, f"preview failed: {said}")
            return
        state.plan, state.result = plan, None
        self.app.post_message(PlanPreviewed(plan))
        self.app.call_from_thread(self._confirm_action, step, plan)

    def _set_verdict(self, step: AnyStep, text: str) -> None:
        self.state(step).verdict = text
        self._refresh(step)

    def _confirm_action(self, step: ActionStep, plan: Any) -> None:
        self._set_verdict(step, f"preview: {plan.describe()}")

        def done(result: Any) -> None:
            if result is None:
                return
            state = self.state(step)
            state.action_result = result
            state.status = ACTION_STATUS.get(result.status, "fail")
            state.verdict = f"{result.status}: {result.message} ({result.changed} changed)"
            self._refresh(step)
            self.app.post_message(ActionApplied(result))

        self.app.push_screen(ActionConfirmScreen(plan, self.host.actions), done)
