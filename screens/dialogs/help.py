"""The `?` screen: every key, and the guide's Appendix A table of HTTP error codes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# The guide's "Appendix A: Error Code Reference", verbatim.
HTTP_CODES: tuple[tuple[str, str, str, str], ...] = (
    ("400", "Bad Request", "Invalid signature, malformed request",
     "Wrong webhook secret, clock skew"),
    ("401", "Unauthorized", "Missing or invalid authentication",
     "Missing API keys, expired tokens"),
    ("403", "Forbidden", "Access denied", "IP restrictions, rate limits"),
    ("422", "Unprocessable Entity", "Invalid state transition",
     "Business logic errors, race conditions"),
    ("429", "Too Many Requests", "Rate limit exceeded", "High webhook volume, retry storms"),
    ("500", "Internal Server Error", "System error", "Database issues, code bugs"),
    ("502", "Bad Gateway", "Upstream service error", "External API failures"),
    ("503", "Service Unavailable", "System overload", "High load, maintenance mode"),
)  # fmt: skip


def binding_keys(
    bindings: Iterable[BindingType], key_display: Callable[[Binding], str]
) -> list[tuple[str, str]]:
    """(key, what it does) for every described binding: a screen's own keys, then the app's."""
    return [
        (key_display(b), b.description)
        for b in bindings
        if isinstance(b, Binding) and b.description
    ]


def keys_table(keys: Sequence[tuple[str, str]]) -> Table:
    table = Table(title="Keys", title_justify="left", expand=True, show_edge=False)
    table.add_column("Key", no_wrap=True, style="bold")
    table.add_column("Does")
    for key, description in keys:
        table.add_row(key, description)
    return table


def http_codes_table() -> Table:
    table = Table(
        title="HTTP codes (guide, Appendix A)", title_justify="left", expand=True, show_edge=False
    )
    for name in ("Code", "Error type", "Description", "Common causes"):
        table.add_column(name, no_wrap=name == "Code")
    for row in HTTP_CODES:
        table.add_row(*row)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = tuple(keys)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body", classes="dialog") as body:
            body.border_title = "Help (Esc closes, arrows scroll)"
            yield Static(keys_table(self.keys))
            yield Static(http_codes_table())

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
