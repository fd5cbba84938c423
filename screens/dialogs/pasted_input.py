"""The values a check step needs pasted (a failed delivery's `Stripe-Signature` header and
raw body, guide Issue 1), asked for on the runbook screen instead of skipping the step.

Paste-safe: the body is a text area, so a pasted multi-line JSON body keeps its bytes and
its newlines never submit the dialog; the dialog is sent by its button (or Ctrl+S), and
Esc cancels. Never echoed: a one-line value (the header) is shown as bullets, and what
the dialog says about it is only its shape (a timestamp, how many signatures); a value
that looks like a secret (`whsec_…`, an API key) is refused by name and never shown.
Nothing pasted is kept: the values go to the one run of the step and are dropped.
"""

from __future__ import annotations

import re
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, TextArea

from console.runbooks.model import CheckStep
from screens.keys import CANCEL

MULTILINE = frozenset({"payload", "body"})
LABELS = {
    "header": "Stripe-Signature header (shown as bullets)",
    "payload": "Raw request body, exactly as received (paste it whole)",
}
SECRET = re.compile(r"\b(whsec_|sk_live_|sk_test_|rk_live_|rk_test_)\w+")


def pasted_inputs(step: CheckStep) -> tuple[str, ...]:
    """The values `step`'s check needs pasted (none for most checks)."""
    from console.runbooks.checks import step_checks

    spec = step_checks().get(step.check)
    return spec.inputs if spec is not None else ()


def shape_of_header(header: str) -> str:
    """What a pasted Stripe-Signature header holds, without any of its values."""
    if not header.strip():
        return "nothing pasted yet"
    if SECRET.search(header):
        return "that is a secret or an API key, not a Stripe-Signature header: paste the header"
    parts = [p.split("=", 1)[0].strip() for p in header.split(",") if "=" in p]
    stamps, signatures = parts.count("t"), parts.count("v1")
    if not stamps or not signatures:
        return "not a Stripe-Signature header: it has the form t=…,v1=…"
    return f"a header with a timestamp and {signatures} v1 signature(s)"


class PastedInputScreen(ModalScreen[dict[str, str] | None]):
    """Returns the pasted values by input name, or None when cancelled."""

    DEFAULT_CSS = """
    PastedInputScreen TextArea { height: 8; }
    PastedInputScreen .pasted-label { margin: 1 0 0 0; text-style: bold; }
    PastedInputScreen .pasted-shape { color: $text-muted; }
    PastedInputScreen #pasted-submit { margin: 1 0 0 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        CANCEL,
        Binding("ctrl+s", "submit", "Verify"),
    ]

    def __init__(self, title: str, inputs: tuple[str, ...]) -> None:
        super().__init__()
        self.title_text = title
        self.inputs = inputs

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog prompt pasted") as box:
            box.border_title = f"{self.title_text} (Ctrl+S verifies, Esc cancels)"
            yield Static("Pasted values are only checked here, never stored, logged or echoed.")
            for name in self.inputs:
                yield Static(LABELS.get(name, name), classes="pasted-label")
                if name in MULTILINE:
                    yield TextArea(id=f"in-{name}", soft_wrap=True, show_line_numbers=False)
                else:
                    yield Input(id=f"in-{name}", password=True)
                    yield Static("", id=f"shape-{name}", classes="pasted-shape")
            yield Button("Verify", id="pasted-submit", variant="primary")
            yield Static("", id="pasted-feedback")

    def on_mount(self) -> None:
        first = self.query("Input, TextArea").first()
        first.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("in-")
        if name == "header":
            self.query_one(f"#shape-{name}", Static).update(shape_of_header(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()  # Enter in a one-line field moves on; it never sends the dialog

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in self.inputs:
            widget = self.query_one(f"#in-{name}")
            out[name] = widget.text if isinstance(widget, TextArea) else widget.value.strip()
        return out

    def action_submit(self) -> None:
        values = self.values()
        feedback = self.query_one("#pasted-feedback", Static)
        missing = [name for name, value in values.items() if not value.strip()]
        if missing:
            feedback.update(f"Nothing pasted for: {', '.join(missing)}. Paste it, or Esc.")
            return
        if "header" in values and SECRET.search(values["header"]):
            feedback.update(shape_of_header(values["header"]))
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
