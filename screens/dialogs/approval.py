"""The two-person rule's decision: the request with the preview the requester saw.

The approver sees what the requester saw (the action, why it needs a second person, the
reason given, the row count and the sample) and approves by typing the row count, as the
requester did to apply; refusing needs no token (it writes nothing). Esc decides nothing.
Returns "approve", "refuse" or None.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Static

from screens.formatting import cell


class ApprovalScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    #approval-box { height: auto; }
    #approval-sample { height: auto; max-height: 8; }
    #approval-box Input { width: 1fr; margin: 1 0 0 0; }
    #approval-buttons { height: auto; }
    #approval-buttons Button { margin: 0 1 0 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Cancel")]

    def __init__(self, approval: Any) -> None:
        super().__init__()
        self.approval = approval
        self.token = str(approval.row_count)

    def compose(self) -> ComposeResult:
        a = self.approval
        with VerticalScroll(id="approval-box", classes="dialog") as box:
            box.border_title = "Two-person rule"
            yield Static(
                Text(f"{a.requested_by} asks to run {a.action_id} on {a.row_count:,} rows", "bold")
            )
            yield Static(f"Why a second person: {a.why}")
            if a.reason:
                yield Static(f"Their reason: {a.reason}")
            sample: DataTable[str] = DataTable(id="approval-sample", cursor_type="none")
            if a.sample:
                columns = tuple(a.sample[0].keys())
                sample.add_columns(*columns)
                for row in a.sample:
                    sample.add_row(*(cell(row.get(c), 40) for c in columns))
            sample.display = bool(a.sample)
            yield sample
            if a.row_count > len(a.sample):
                yield Static(f"(first {len(a.sample)} of {a.row_count:,} rows shown)")
            yield Static(Text(f"Type {self.token} to approve; Refuse needs no token.", "bold"))
            yield Input(placeholder="type here", max_length=32, id="approval-input")
            with Horizontal(id="approval-buttons"):
                yield Button("Approve", id="approval-approve", variant="error", disabled=True)
                yield Button("Refuse", id="approval-refuse")
                yield Button("Cancel (Esc)", id="approval-cancel")
            yield Static("", id="approval-feedback")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#approval-approve", Button).disabled = event.value.strip() != self.token

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() == self.token:
            self.dismiss("approve")
            return
        said = "nothing typed" if not event.value.strip() else "that does not match"
        self.query_one("#approval-feedback", Static).update(
            f"{said}: type {self.token} to approve, Refuse to refuse, Esc to decide later"
        )
        event.input.value = ""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "approval-approve":
            if self.query_one(Input).value.strip() == self.token:
                self.dismiss("approve")
        elif event.button.id == "approval-refuse":
            self.dismiss("refuse")
        else:
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
