"""Typed confirmation for cancel/terminate: the operator types the pid, nothing else acts.

There is no default button. Enter on an empty or wrong value only says what to type;
Escape, or leaving the dialog open past its expiry, answers no. A caller that previews
while the dialog is open (the backend screen's plan) shows it with `show_preview`.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from screens.keys import CANCEL


class ConfirmScreen(ModalScreen[bool]):
    """Returns True only when the typed text equals `token`."""

    BINDINGS: ClassVar[list[BindingType]] = [CANCEL]

    def __init__(self, question: str, token: str, *, expires_after: float = 60.0) -> None:
        super().__init__()
        self.question = question
        self.token = token
        self.expires_after = expires_after

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog") as box:
            box.border_title = "Confirm"
            yield Static(self.question, id="confirm-question")
            yield Input(
                placeholder=f"type {self.token}", max_length=32, id="confirm-input", compact=True
            )
            yield Static("", id="confirm-feedback")
            yield Static(f"Type {self.token} and press Enter to confirm; Esc cancels.")

    def show_preview(self, text: str) -> None:
        """What the preview found, under the question; ignored once the dialog is gone."""
        if not self.is_attached:
            return
        shown = self.query("#confirm-preview")
        if shown:
            shown.first(Static).update(text)
            return
        box = self.query_one("#confirm-box")
        box.mount(Static(text, id="confirm-preview"), after="#confirm-question")

    def on_mount(self) -> None:
        self.set_timer(self.expires_after, self._expire)
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() == self.token:
            self.dismiss(True)
            return
        said = "nothing typed" if not event.value.strip() else "that does not match"
        feedback = self.query_one("#confirm-feedback", Static)
        feedback.update(f"{said}: type {self.token} to confirm, or Esc to cancel")
        feedback.display = True
        event.input.value = ""

    def action_cancel(self) -> None:
        self.dismiss(False)

    def _expire(self) -> None:
        if self.is_attached and self.app.screen is self:
            self.app.notify("Confirmation expired: nothing was done.", severity="warning")
            self.dismiss(False)
