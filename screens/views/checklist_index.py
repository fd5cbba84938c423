"""The checklist index (`c`): the guide's Quick Reference P0/P1/P2, then every other runbook.

An item is lit — `● FIRING` and red, so it reads the same without colour — when a finding
of the last poll concerns it. Enter opens the runbook (an `OpenRunbook` message). The
index follows the polls while it is open (its controller calls `show_findings`); what it
reads comes from the `ChecklistHost` it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from screens.findings import FindingLike
from screens.formatting import shorten
from screens.keys import HELP, TIMELINE, back
from screens.messages import LiveUpdated, OpenRunbook, StatusWanted
from screens.views.checklist_state import Checklists
from screens.widgets.status_bar import StatusBar

FIRING_STYLE = {"P0": "bold reverse red", "P1": "bold red", "P2": "bold yellow"}


def firing_cell(finding: Any) -> Text:
    if finding is None:
        return Text("○ quiet", style="dim")
    return Text(f"● FIRING {finding.severity}", style=FIRING_STYLE.get(finding.severity, "bold"))


class ChecklistHost(Protocol):
    """What the index reads: the runbooks and their progress, and the last poll's findings."""

    @property
    def checklists(self) -> Checklists: ...

    def current_findings(self) -> Sequence[FindingLike]: ...


class ChecklistScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        back("c", "Dashboard"),
        TIMELINE,
        HELP,
    ]

    def __init__(self, host: ChecklistHost) -> None:
        super().__init__()
        self.host = host

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="index-head")
        table: DataTable[Text | str] = DataTable(cursor_type="row", id="index-table")
        table.add_columns("State", "Steps", "Checklist item")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.show_findings(self.host.current_findings())
        self.query_one(DataTable).focus()

    def show_findings(self, findings: Sequence[Any]) -> None:
        checklists = self.host.checklists
        groups = checklists.groups(findings)
        lit = sum(1 for _, items in groups for item in items if item.firing is not None)
        head = self.query_one("#index-head", Static)
        if checklists.error:
            head.update(Text(f"! {checklists.error}", style="bold"))
        else:
            said = f"{lit} lit by the last poll's findings" if lit else "nothing firing"
            head.update(f"Checklists: {said}. Enter opens, Esc goes back.")
        table = self.query_one(DataTable)
        current = None
        if table.row_count:
            current = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        table.clear()
        # State and Steps take about 24 cells; the label gets the rest, cut at a word.
        width = max(20, (self.size.width or 80) - 26)
        keys: list[str] = []
        for heading, items in groups:
            key = f"#{heading}"
            table.add_row("", "", Text(heading, style="bold underline"), key=key)
            keys.append(key)
            for item in items:
                done = checklists.done_count(item.runbook)
                steps = f"{done}/{len(item.runbook.steps)}"
                label = shorten(item.label, width)
                table.add_row(firing_cell(item.firing), steps, label, key=item.runbook.id)
                keys.append(item.runbook.id)
        if current in keys:
            table.move_cursor(row=keys.index(current), animate=False)
        elif len(keys) > 1:
            table.move_cursor(row=1, animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        if key and not key.startswith("#"):
            self.post_message(OpenRunbook(key))

    def on_resize(self) -> None:
        self.show_findings(self.host.current_findings())

    def on_screen_resume(self) -> None:
        self.show_findings(self.host.current_findings())
        self.post_message(StatusWanted())

    def on_live_updated(self, message: LiveUpdated) -> None:
        """A step run on another console counts in the Steps column at once."""
        self.show_findings(self.host.current_findings())
