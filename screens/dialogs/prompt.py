"""A one-line text prompt (a note, an incident's title, a pid): Enter answers, Esc cancels."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from screens.keys import CANCEL


class PromptScreen(ModalScreen[str | None]):
    """Returns the typed text (stripped, never empty), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [CANCEL]

    def __init__(self, title: str, explanation: str, *, value: str = "", max_length: int = 2000):
        super().__init__()
        self.title_text = title
        self.explanation = explanation
        self.value = value
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog prompt") as box:
            box.border_title = f"{self.title_text} (Enter saves, Esc cancels)"
            yield Static(self.explanation)
            yield Input(value=self.value, max_length=self.max_length, id="prompt-input")
            yield Static("", id="prompt-feedback")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.query_one("#prompt-feedback", Static).update("Nothing typed: type it, or Esc.")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
