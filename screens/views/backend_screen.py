"""One backend's full query, with cancel and terminate behind a typed confirmation.

Both signals need the console started with `--allow-write`; even then, the operator must
type the pid. The screen re-reads the backend after acting so the outcome is visible.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.core.db import DatabaseError
from console.queries.drilldown import BackendDetail
from console.recovery.backends import Signal
from screens.controllers.ops import Operations
from screens.controllers.polling import describe_failure
from screens.dialogs.confirm import ConfirmScreen
from screens.formatting import duration
from screens.views.drilldown import when

READ_ONLY_NOTE = "read-only: restart with --allow-write to cancel or terminate backends"
QUESTIONS = {
    "cancel": "Cancel the current query of backend {pid}? The session stays connected.",
    "terminate": "Terminate backend {pid}? Its connection closes; an open transaction rolls back.",
}


def describe(detail: BackendDetail) -> Text:
    blocked = ", ".join(str(p) for p in detail.blocked_by) or "nobody"
    wait = f"{detail.wait_event_type}:{detail.wait_event}" if detail.wait_event else "—"
    lines = [
        f"pid {detail.pid}  state {detail.state or '—'}  for {duration(detail.duration_seconds)}",
        f"user {detail.usename or '—'}  app {detail.application_name or '—'}"
        f"  client {detail.client_addr or 'local'}",
        f"backend started {when(detail.backend_start)}  transaction {when(detail.xact_start)}"
        f"  query {when(detail.query_start)}",
        f"waiting on {wait}  blocked by {blocked}",
    ]
    return Text("\n".join(lines))


class BackendScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "signal('cancel')", "Cancel query"),
        Binding("t", "signal('terminate')", "Terminate"),
        Binding("r", "reload", "Reload"),
        Binding("escape,q", "dismiss", "Close"),
    ]

    def __init__(
        self,
        pid: int,
        ops: Operations,
        *,
        protected: Iterable[int] = (),
        confirm_expiry: float = 60.0,
    ) -> None:
        super().__init__()
        self.pid = pid
        self.ops = ops
        self.protected = tuple(protected)
        self.confirm_expiry = confirm_expiry
        self.seen_start: datetime | None = None  # the session the operator is looking at

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog drill") as box:
            box.border_title = f"Backend {self.pid} (Esc to close)"
            yield Static("loading…", id="backend-details")
            with VerticalScroll(id="backend-query"):
                yield Static("", id="backend-query-text")
            yield Static("", id="backend-result")
            hint = "c cancel query · t terminate · r reload · Esc close"
            yield Static(
                hint if self.ops.allow_write else f"r reload · Esc close · {READ_ONLY_NOTE}"
            )

    def on_mount(self) -> None:
        self.query_one("#backend-query").focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.fetch()

    @work(exclusive=True, exit_on_error=False, group="backend", description="backend detail")
    async def fetch(self) -> None:
        details = self.query_one("#backend-details", Static)
        try:
            detail = await self.ops.backend(self.pid)
        except DatabaseError as exc:
            details.update(Text(f"! {exc}"))
            return
        except Exception as exc:  # a bug: shown here, where it happened
            details.update(Text(f"! {describe_failure(exc)[1]}"))
            return
        if detail is None:
            details.update(f"pid {self.pid} is gone: no such backend now")
            self.query_one("#backend-query-text", Static).update("")
            return
        details.update(describe(detail))
        self.seen_start = detail.backend_start
        self.query_one("#backend-query-text", Static).update(Text(detail.query or "(no query)"))

    def action_signal(self, action: Signal) -> None:
        result = self.query_one("#backend-result", Static)
        if not self.ops.allow_write:
            result.update(Text(READ_ONLY_NOTE))
            return
        question = QUESTIONS[action].format(pid=self.pid)

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.send(action)
            else:
                result.update(f"{action}: not confirmed, nothing was done")

        self.app.push_screen(
            ConfirmScreen(question, str(self.pid), expires_after=self.confirm_expiry), confirmed
        )

    @work(exclusive=True, exit_on_error=False, group="backend-signal", description="signal")
    async def send(self, action: Signal) -> None:
        result = self.query_one("#backend-result", Static)
        try:
            acted = await self.ops.signal(self.pid, action, self.protected, self.seen_start)
        except DatabaseError as exc:
            result.update(Text(f"! {action} refused: {exc}"))
            return
        except Exception as exc:  # never retried: the operator decides what next
            result.update(Text(f"! {action} failed: {describe_failure(exc)[1]}"))
            return
        if acted:
            result.update(Text(f"{action}: the server signalled pid {self.pid}", style="bold"))
        else:
            result.update(f"{action}: nothing done: pid {self.pid} is gone or now another session")
        self.fetch()
