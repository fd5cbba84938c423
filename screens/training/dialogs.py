"""Two small dialogs of training: a hint (already taken and paid for when shown) and
"finish now?" (finishing is final, so it asks; Esc keeps the clock running)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class HintScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,h", "dismiss", "Close")]

    def __init__(self, number: int, total: int, cost: int, hint: str) -> None:
        super().__init__()
        self.number, self.total, self.cost, self.hint = number, total, cost, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="hint-box") as box:
            box.border_title = f"Hint {self.number} of {self.total} (-{self.cost} points)"
            yield Static(Text(self.hint, style="bold"), id="hint-text")
            yield Static("Enter or Esc closes; the clock is still running.")


class FinishScreen(ModalScreen[bool]):
    """Returns True to finish and score now."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,y,f", "finish", "Finish"),
        Binding("escape,n", "keep_going", "Keep going"),
    ]

    def __init__(self, resolved: bool) -> None:
        super().__init__()
        self.resolved = resolved

    def compose(self) -> ComposeResult:
        if self.resolved:
            said = "The scenario is resolved. Finish and see the debrief?"
        else:
            said = "Not resolved yet: finishing now scores an F. Finish anyway?"
        with Vertical(classes="dialog", id="finish-box") as box:
            box.border_title = "Finish the scenario"
            yield Static(Text(said, style="bold"), id="finish-question")
            yield Static("Enter finishes; Esc keeps going.")

    def action_finish(self) -> None:
        self.dismiss(True)

    def action_keep_going(self) -> None:
        self.dismiss(False)
