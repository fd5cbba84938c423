"""One backend's full query, with cancel and terminate behind a typed confirmation.

Both signals need the console started with `--allow-write`; even then, the operator must
type the pid. They are recovery actions, taken through a `SignalPath` (the controllers'
BackendSignals): pressing c or t previews the session while the confirmation is open,
and the typed pid applies that plan under the action's advisory lock, audited before and
after, and puts it on the open incident's timeline. The screen re-reads the backend after
acting so the outcome is visible.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from datetime import datetime
from typing import Any, ClassVar, Protocol

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
from console.recovery.plan import Plan
from console.recovery.results import ActionResult
from screens.dialogs.confirm import ConfirmScreen
from screens.failures import describe_failure
from screens.formatting import duration
from screens.keys import CLOSE
from screens.views.drilldown import when

READ_ONLY_NOTE = "read-only: restart with --allow-write to cancel or terminate backends"
QUESTIONS = {
    "cancel": "Cancel the current query of backend {pid}? The session stays connected.",
    "terminate": "Terminate backend {pid}? Its connection closes; an open transaction rolls back.",
}
# How long a confirmed signal waits for its preview (started when the dialog opened).
PLAN_WAIT_SECONDS = 30.0
NOTHING_DONE = ("nothing_to_do", "changed_since_preview")


class BackendLookup(Protocol):
    """Where the screen reads the backend (the operator's connection, `Operations`)."""

    @property
    def allow_write(self) -> bool: ...

    async def backend(self, pid: int) -> BackendDetail | None: ...


class SignalOutcome(Protocol):
    """What came of a confirmed signal (no result: the plan had nothing to do)."""

    @property
    def plan(self) -> Plan: ...
    @property
    def result(self) -> ActionResult | None: ...
    @property
    def timeline_problem(self) -> str: ...


class SignalPath(Protocol):
    """How a signal is previewed, put on the timeline and applied; blocking calls, made
    from thread workers. Refusals (nothing signalled) raise a DatabaseError."""

    def plan(
        self, pid: int, action: Signal, protected: Iterable[int], seen_start: datetime | None
    ) -> Plan: ...

    def record_plan(self, plan: Plan) -> str:
        """The timeline's problem with the preview, '' when it took it."""
        ...

    def apply(self, plan: Plan, typed: str) -> SignalOutcome: ...


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


def outcome_text(action: Signal, pid: int, outcome: SignalOutcome) -> Text:
    """A confirmed signal's outcome as the operator needs it, with its audit and record."""
    result = outcome.result
    if result is None or result.status in NOTHING_DONE or result.error_kind == "changed":
        lines = [f"{action}: nothing done: pid {pid} is gone or now another session"]
        lines.append(result.message if result is not None else outcome.plan.describe())
        style = ""
    elif result.status == "applied":
        lines, style = [f"{action}: the server signalled pid {pid}"], "bold"
    else:
        lines, style = [f"! {action} failed: {result.message}"], ""
    if result is not None:
        lines += [f"audit: {problem}" for problem in result.audit_problems]
    if outcome.timeline_problem:
        lines.append(f"timeline: {outcome.timeline_problem}")
    return Text("\n".join(lines), style=style)


class BackendScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "signal('cancel')", "Cancel query"),
        Binding("t", "signal('terminate')", "Terminate"),
        Binding("r", "reload", "Reload"),
        CLOSE,
    ]

    def __init__(
        self,
        pid: int,
        ops: BackendLookup,
        *,
        signals: SignalPath,
        protected: Iterable[int] = (),
        confirm_expiry: float = 60.0,
    ) -> None:
        super().__init__()
        self.pid = pid
        self.ops = ops
        self.signals = signals
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
        confirm = ConfirmScreen(question, str(self.pid), expires_after=self.confirm_expiry)
        planned: Future[Plan] = Future()

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.send(action, planned)
            else:
                result.update(f"{action}: not confirmed, nothing was done")

        self.preview(action, planned, confirm)
        self.app.push_screen(confirm, confirmed)

    def _tell(self, callback: Callable[..., Any], *args: Any) -> None:
        """Back to the UI thread; if the app is already gone there is no one to tell."""
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(callback, *args)

    def _show(self, text: Text) -> None:
        if self.is_attached:
            self.query_one("#backend-result", Static).update(text)

    @work(thread=True, exit_on_error=False, group="backend-plan", description="preview signal")
    def preview(self, action: Signal, planned: Future[Plan], confirm: ConfirmScreen) -> None:
        """The plan the typed pid will apply: made while the operator types."""
        try:
            plan = self.signals.plan(self.pid, action, self.protected, self.seen_start)
        except Exception as exc:
            planned.set_exception(exc)
            said = str(exc) if isinstance(exc, DatabaseError) else describe_failure(exc)[1]
            self._tell(confirm.show_preview, f"cannot {action}: {said}")
            return
        problem = self.signals.record_plan(plan)  # first: on the timeline before any outcome
        planned.set_result(plan)
        said = plan.describe() + (f"\n(timeline: {problem})" if problem else "")
        self._tell(confirm.show_preview, said)

    @work(thread=True, exclusive=True, exit_on_error=False, group="backend-signal")
    def send(self, action: Signal, planned: Future[Plan]) -> None:
        try:
            plan = planned.result(timeout=PLAN_WAIT_SECONDS)
            outcome = self.signals.apply(plan, str(self.pid))
        except DatabaseError as exc:  # refused: nothing was signalled
            self._tell(self._show, Text(f"! {action} refused: {exc}"))
            return
        except Exception as exc:  # never retried: the operator decides what next
            self._tell(self._show, Text(f"! {action} failed: {describe_failure(exc)[1]}"))
            return
        self._tell(self._show, outcome_text(action, self.pid, outcome))
        self._tell(self.fetch)
