"""The incident timeline (`t`): open an incident, follow the guide's phase clock, add notes,
see the escalation matrix, and write the postmortem draft (`w`).

Every store call is a thread worker (the store is synchronous and may wait on the state
database). A missing `incident_console` schema is explained — "run incident-console
init" — and, in a console started with `--allow-write`, `i` creates it. The desk and
what else the screen reads come from its `TimelineHost`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from console.incidents.escalation import escalation_level
from console.incidents.model import Incident, TimelineEntry
from screens.dialogs.approval import ApprovalScreen
from screens.dialogs.confirm import ConfirmScreen
from screens.dialogs.prompt import PromptScreen
from screens.failures import describe_error
from screens.findings import FindingLike
from screens.keys import HELP, NOTE, back
from screens.messages import LiveUpdated, StatusWanted
from screens.options import DashboardOptions
from screens.views.timeline_live import entry_row, people_text
from screens.widgets.status_bar import StatusBar

SEVERITY_PREFIXES = ("P0", "P1", "P2")


class Desk(Protocol):
    """The incident desk as this screen uses it (blocking calls: from thread workers)."""

    @property
    def incident(self) -> Incident | None: ...
    @property
    def problem(self) -> str: ...

    def resume(self) -> Incident | None: ...
    def schema_ready(self) -> bool: ...
    def create_schema(self) -> None: ...
    def open(self, title: str, severity: str, finding: Any = None) -> Incident: ...
    def note(self, text: str) -> TimelineEntry | None: ...
    def timeline(self) -> list[TimelineEntry]: ...
    def write_postmortem(self, now: datetime) -> Path: ...
    def refresh_incident(self) -> Incident | None: ...
    @property
    def shared(self) -> Any: ...  # console.incidents.session.SharedIncident


class TimelineHost(Protocol):
    """What the timeline reads besides the desk: the options (mode, settings), clock, findings."""

    @property
    def desk(self) -> Desk: ...
    @property
    def options(self) -> DashboardOptions: ...

    def now(self) -> datetime: ...
    def current_findings(self) -> Sequence[FindingLike]: ...
    def selected_finding(self) -> FindingLike | None: ...
    def live_view(self) -> Any: ...  # the shared view (IncidentView), None when unshared


def title_and_severity(text: str, default: str = "P1") -> tuple[str, str]:
    """'P0 checkout down' -> ('checkout down', 'P0'); no prefix keeps the default."""
    head, _, rest = text.strip().partition(" ")
    if head.upper() in SEVERITY_PREFIXES and rest.strip():
        return rest.strip(), head.upper()
    return text.strip(), default


def escalation_table(desk: Desk, now: Any, matrix: dict[str, tuple[str, ...]]) -> Table:
    incident = desk.incident
    table = Table(title="Escalation matrix", title_justify="left", expand=True, show_edge=False)
    table.add_column("Issue type", no_wrap=True)
    for level in (1, 2, 3):
        table.add_column(f"Level {level}")
    current = incident.issue_type if incident else None
    level_now = escalation_level(incident.clock(now)) if incident else 0
    for issue, people in matrix.items():
        marker = "▶ " if issue == current else "  "
        cells = [
            f"[{who}]" if issue == current and i == level_now else who
            for i, who in enumerate(people[:3], start=1)
        ]
        table.add_row(marker + issue, *cells, style="bold" if issue == current else "")
    return table


def resume_if_needed(desk: Desk) -> None:
    """Pick up the incident another session (or an earlier run) left open."""
    if desk.incident is None:
        desk.resume()
    else:
        desk.schema_ready()


class TimelineScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        back("t"),
        Binding("o", "open_incident", "Open incident"),
        Binding("f", "open_from_finding", "Open from finding"),
        NOTE,
        Binding("w", "write_report", "Write postmortem"),
        Binding("l", "lead", "Lead"),
        Binding("a", "approve", "Approve"),
        Binding("i", "init_schema", "Create schema", show=False),
        Binding("r", "reload", "Reload", show=False),
        HELP,
    ]

    def __init__(self, host: TimelineHost) -> None:
        super().__init__()
        self.host = host
        self._shown: set[str] = set()  # entry ids in the table: a live entry comes once

    @property
    def desk(self) -> Desk:
        return self.host.desk

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="tl-head")
        yield Static("", id="tl-live")
        table: DataTable[str] = DataTable(id="tl-entries", cursor_type="row")
        table.add_columns("Time", "+min", "Who", "Kind", "What")
        yield table
        yield Static("", id="tl-escalation")
        yield Static("", id="tl-report")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    # --- loading and showing ---------------------------------------------------------

    def action_reload(self) -> None:
        self._call(resume_if_needed)

    # Not exclusive: a reload (on resume) must not cancel the "open" queued just before it.
    @work(thread=True, exit_on_error=False, group="timeline", description="timeline")
    def _call(self, call: Callable[[Desk], Any], after: str = "") -> None:
        """Run a desk call off the UI loop, then show the timeline (or what went wrong)."""
        try:
            call(self.desk)
            entries = self.desk.timeline()
            problem = ""
        except Exception as exc:  # shown in place; the screen stays usable
            entries, problem = self._safe_timeline(), describe_error(exc)
        self.app.call_from_thread(self.show, entries, problem or self.desk.problem, after)

    def _safe_timeline(self) -> list[TimelineEntry]:
        try:
            return self.desk.timeline()
        except Exception:
            return []

    def show(self, entries: Sequence[TimelineEntry], problem: str = "", after: str = "") -> None:
        if not self.is_attached:
            return
        host = self.host
        now = host.now()
        incident = self.desk.incident
        head = self.query_one("#tl-head", Static)
        if incident is None:
            lines = ["No incident open. o opens one by hand; f opens one from the top finding."]
        else:
            clock = incident.clock(now)
            lines = [
                f"{incident.severity} {incident.title} — commander {incident.commander}, "
                f"opened {incident.opened_at:%H:%M:%S} UTC by {incident.opened_by}",
                f"Phase: {clock.describe()}",
                "Tasks: " + "; ".join(clock.phase.tasks),
            ]
        text = Text("\n".join(lines))
        if problem:
            writable = host.options.allow_write
            hint = " — or press i to create it now" if writable and "init" in problem else ""
            text.append(f"\n! {problem}{hint}", style="bold")
        head.update(text)
        table = self.query_one(DataTable)
        table.clear()
        self._shown = {str(e.id) for e in entries}
        for entry in entries:
            offset = int((entry.at - incident.opened_at).total_seconds() // 60) if incident else 0
            table.add_row(
                f"{entry.at:%H:%M:%S}",
                f"+{offset}",
                entry.author,
                entry.kind,
                entry.text,
                key=str(entry.id),
            )
        if entries:
            table.move_cursor(row=len(entries) - 1, animate=False)
        matrix = dict(host.options.settings.escalation)
        self.query_one("#tl-escalation", Static).update(escalation_table(self.desk, now, matrix))
        if after:
            self.query_one("#tl-report", Static).update(Text(after, style="bold"))
        self.show_people()
        self.post_message(StatusWanted())

    # --- the shared incident, live ---------------------------------------------------

    def show_people(self) -> None:
        view = self.host.live_view()
        box = self.query_one("#tl-live", Static)
        box.update(people_text(view, self.desk.shared.who) if view is not None else "")
        box.display = view is not None

    def on_live_updated(self, message: LiveUpdated) -> None:
        """An entry from any console, within a second; or the people, roles, approvals."""
        if not self.is_attached:
            return
        entry = message.entry
        if entry is None:
            self.show_people()
            return
        if entry.kind in ("commander", "closed", "opened"):
            self.action_reload()  # the head (commander, state) changes too
        if str(entry.id) in self._shown:
            return
        self._shown.add(str(entry.id))
        table = self.query_one(DataTable)
        following = table.row_count == 0 or table.cursor_row >= table.row_count - 1
        incident = self.desk.incident
        table.add_row(
            *entry_row(entry, incident.opened_at if incident else None), key=str(entry.id)
        )
        if following:
            table.move_cursor(row=table.row_count - 1, animate=False)

    def action_lead(self) -> None:
        view = self.host.live_view()
        if view is None:
            self.notify("Not a shared incident: nothing to hand over.", severity="warning")
            return
        me = self.desk.shared.who
        if view.role == "commander":

            def hand(name: str | None) -> None:
                if name and name.strip():
                    self._call(lambda desk: (desk.shared.lead(name), desk.refresh_incident()))

            self.app.push_screen(
                PromptScreen("Hand the lead over", "Their user name (as in incident show)."), hand
            )
            return

        def take(yes: bool | None) -> None:
            if yes:
                self._call(lambda desk: (desk.shared.lead(None), desk.refresh_incident()))

        question = f"Take the lead from {view.commander}? It goes on the timeline."
        self.app.push_screen(ConfirmScreen(question, me), take)

    def action_approve(self) -> None:
        view = self.host.live_view()
        waiting = [a for a in view.approvals if a.waiting] if view is not None else []
        if not waiting:
            self.notify("No approval request is waiting.", severity="warning")
            return
        request = min(waiting, key=lambda a: a.requested_at)

        def decided(answer: str | None) -> None:
            if answer in ("approve", "refuse"):
                approve = answer == "approve"
                self._call(lambda desk: desk.shared.decide(request.id, approve=approve))

        self.app.push_screen(ApprovalScreen(request), decided)

    # --- keys ------------------------------------------------------------------------

    def action_open_incident(self) -> None:
        findings = self.host.current_findings()
        top = findings[0] if findings else None
        default = top.severity if top is not None else "P1"

        def opened(text: str | None) -> None:
            if text:
                title, severity = title_and_severity(text, default)
                self._call(lambda desk: desk.open(title, severity))

        self.app.push_screen(
            PromptScreen(
                "Open an incident",
                f"A title; start with P0, P1 or P2 to set the severity (else {default}).",
                value=top.title if top is not None else "",
                max_length=500,
            ),
            opened,
        )

    def action_open_from_finding(self) -> None:
        finding = self.host.selected_finding()
        if finding is None:
            self.notify("No finding is firing: o opens an incident by hand.", severity="warning")
            return
        self._call(lambda desk: desk.open(finding.title, finding.severity, finding))

    def action_note(self) -> None:
        if self.desk.incident is None:
            self.notify("No incident open: o opens one.", severity="warning")
            return

        def save(text: str | None) -> None:
            if text:
                self._call(lambda desk: desk.note(text))

        self.app.push_screen(PromptScreen("Add a note", "What happened, what you did."), save)

    def action_write_report(self) -> None:
        if self.desk.incident is None:
            self.notify("No incident open: nothing to write.", severity="warning")
            return
        now = self.host.now()
        self._write(now)

    @work(thread=True, exclusive=True, exit_on_error=False, group="report", description="report")
    def _write(self, now: Any) -> None:
        try:
            path = self.desk.write_postmortem(now)
            said = f"Postmortem written to {path}"
        except Exception as exc:
            said = f"! postmortem not written: {describe_error(exc)}"
        self.app.call_from_thread(self._reported, said)

    def _reported(self, said: str) -> None:
        if self.is_attached:
            self.query_one("#tl-report", Static).update(Text(said, style="bold"))
        self.notify(said)

    def action_init_schema(self) -> None:
        if not self.host.options.allow_write:
            self.notify("Read-only console: run incident-console init.", severity="warning")
            return
        self._call(lambda desk: desk.create_schema(), "schema incident_console created")
