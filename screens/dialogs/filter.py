"""The `/` prompt: show only event types containing some text (empty clears)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from screens.keys import CANCEL


class FilterScreen(ModalScreen[str | None]):
    """Returns the new filter text, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [CANCEL]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="filter-box", classes="dialog") as box:
            box.border_title = "Filter by event type"
            yield Static("Part of an event type, e.g. payment_intent. Empty shows all.")
            yield Input(value=self.current, placeholder="event type", max_length=200)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.replace("\x00", "").strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
