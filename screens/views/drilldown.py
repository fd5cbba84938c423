"""Drill-down screens: the rows behind a panel row, loaded in a worker, Esc to go back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from console.core.db import DatabaseError
from screens.failures import describe_failure
from screens.keys import CLOSE

Loader = Callable[[], Awaitable[Sequence[Sequence[str]]]]


def when(moment: datetime | None) -> str:
    return moment.strftime("%m-%d %H:%M:%S") if moment else "—"


def drill_dialog(
    title: str, status: str, columns: Sequence[str], status_id: str, table_id: str
) -> ComposeResult:
    """The drill dialogs' one frame: a titled box, a status line over a row table."""
    with Vertical(classes="dialog drill") as box:
        box.border_title = title
        yield Static(status, id=status_id)
        table: DataTable[str] = DataTable(cursor_type="row", id=table_id)
        table.add_columns(*columns)
        yield table


class LoadingDialog(ModalScreen[None]):
    """A drill dialog (see `drill_dialog`) that loads in a worker once mounted: what it
    loaded fills the table, or the status line says, in one line, why it could not."""

    BINDINGS: ClassVar[list[BindingType]] = [CLOSE]
    STATUS_ID: ClassVar[str]  # the status line's id, as given to drill_dialog
    load: Callable[[], Awaitable[Any]]

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.fetch()

    @work(exclusive=True, exit_on_error=False, group="drilldown", description="drill-down")
    async def fetch(self) -> None:
        status = self.query_one(f"#{self.STATUS_ID}", Static)
        try:
            loaded = await self.load()
        except Exception as exc:  # shown here, where it happened; the app stays up
            status.update(Text(f"! {self.failure(exc)}"))
            return
        table: DataTable[str] = self.query_one(DataTable)
        table.clear()
        self.show(loaded, status, table)

    def failure(self, exc: Exception) -> str:
        """The status line for a load that raised."""
        if isinstance(exc, DatabaseError):
            return str(exc)
        return describe_failure(exc)[1]  # a bug

    def show(self, loaded: Any, status: Static, table: DataTable[str]) -> None:
        raise NotImplementedError


class RowsScreen(LoadingDialog):
    """A table of rows fetched once on open (events of an error, orders of a state)."""

    STATUS_ID = "drill-status"

    def __init__(
        self, title: str, columns: Sequence[str], load: Loader, *, limit: int | None = None
    ) -> None:
        super().__init__()
        self.limit = limit
        self.title_text = title
        self.columns = tuple(columns)
        self.load = load

    def compose(self) -> ComposeResult:
        title = f"{self.title_text} (Esc to close)"
        yield from drill_dialog(title, "loading…", self.columns, self.STATUS_ID, "drill-table")

    def show(self, loaded: Any, status: Static, table: DataTable[str]) -> None:
        rows: Sequence[Sequence[str]] = loaded
        for row in rows:
            table.add_row(*row)
        if not rows:
            status.update("no rows match now")
        elif self.limit is not None and len(rows) >= self.limit:
            status.update(f"{len(rows)} rows (only the first {self.limit} are shown)")
        else:
            status.update(f"{len(rows)} rows")


class TextScreen(ModalScreen[None]):
    """Read-only details (a finding and its evidence)."""

    BINDINGS: ClassVar[list[BindingType]] = [CLOSE]

    def __init__(self, title: str, body: Text | str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog drill", id="text-body") as box:
            box.border_title = f"{self.title_text} (Esc to close)"
            yield Static(self.body)

    def on_mount(self) -> None:
        self.query_one("#text-body").focus()
