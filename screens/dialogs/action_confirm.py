"""The confirm dialog of a recovery action: what will change, a typed token, then apply.

No default button writes: the Apply button stays disabled until the typed text equals
the plan's token, and Enter on anything else (nothing, a wrong number, a pasted line)
only says what to type. An expired preview disables both and asks for a fresh one. In a
read-only console the dialog explains how to get a writer instead of asking. Apply runs
in a thread worker through the dialog's `ActionHost`; its progress and outcome come back
as messages to the dialog (a newer progress replaces one not shown yet, the outcome is
never dropped). `console.recovery.actions.apply` re-checks token and expiry and never
commits after an exception. Closing the app (SIGTERM, SSH drop) while the dialog waits
simply never applies.

The typed token confirms the previewed rows as an upper bound (rows already fixed are
left alone, rows matching only since are never touched; both counted in the result);
the "exact" checkbox, shown for row actions, keeps the all-or-nothing rule.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, DataTable, Input, ProgressBar, Static

from console.core.db import DatabaseError
from screens.formatting import cell

if TYPE_CHECKING:
    from console.recovery.actions import ActionResult, Plan, ProgressCallback
    from console.recovery.actions import Progress as ApplyProgress


class ActionHost(Protocol):
    """Where the dialog's apply goes: the console's mode, and the recovery path."""

    @property
    def allow_write(self) -> bool: ...
    @property
    def read_only_help(self) -> str: ...

    def apply(
        self, plan: Plan, typed: str, on_progress: ProgressCallback, *, exact: bool = False
    ) -> ActionResult:
        """Apply the previewed plan (blocking: from a thread worker); raises a
        DatabaseError, with nothing written, when refused."""
        ...


def result_text(result: Any) -> Text:
    """The ActionResult as the operator needs it: outcome, rows, batches, audit."""
    lines = [
        f"{result.status.upper().replace('_', ' ')}: {result.message}",
        f"previewed {result.previewed}, changed {result.changed}",
    ]
    if getattr(result, "skipped_no_longer_matching", 0):
        lines.append(f"{result.skipped_no_longer_matching} previewed rows were already fixed")
    if getattr(result, "new_matches_not_touched", 0):
        lines.append(f"{result.new_matches_not_touched} more match now: preview again")
    if result.committed_batches:
        lines.append(f"committed batches: {', '.join(map(str, result.committed_batches))}")
    if result.rolled_back_batches:
        lines.append(f"rolled back batches: {', '.join(map(str, result.rolled_back_batches))}")
    for holder in result.blocking:
        lines.append(f"blocked by {holder.describe()}")
    for problem in result.audit_problems:
        lines.append(f"audit: {problem}")
    style = "bold green" if result.status in ("applied", "nothing_to_do") else "bold red"
    return Text("\n".join(lines), style=style)


# Ticked: any row changed since the preview and nothing is applied (the old rule).
EXACT_LABEL = "exact: all or nothing"


class ActionConfirmScreen(ModalScreen[Any]):
    """Returns the ActionResult when something was applied, else None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Cancel")]

    @dataclass
    class Progress(Message):
        """A batch of the apply went by (from the apply thread)."""

        progress: ApplyProgress

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ActionConfirmScreen.Progress)

    @dataclass
    class Finished(Message):
        """The apply ended: its result, or why nothing was changed."""

        result: ActionResult | None = None
        refused: str = ""

    def __init__(self, plan: Any, host: ActionHost) -> None:
        super().__init__()
        self.plan = plan
        self.host = host
        self.result: Any = None
        self.applying = False

    @property
    def exact(self) -> bool:
        """The all-or-nothing rule, when the operator ticked it."""
        return any(box.value for box in self.query("#action-exact").results(Checkbox))

    @property
    def can_apply(self) -> bool:
        return self.host.allow_write and not (self.plan.blocked or self.plan.expired())

    def compose(self) -> ComposeResult:
        plan = self.plan
        with VerticalScroll(id="action-box", classes="dialog") as box:
            box.border_title = f"Confirm: {plan.spec.title}"
            yield Static(Text(plan.describe(), style="bold"), id="action-what")
            yield Static(plan.spec.description, id="action-why")
            sample: DataTable[str] = DataTable(id="action-sample", cursor_type="none")
            if plan.sample:
                columns = tuple(plan.sample[0].keys())
                sample.add_columns(*columns)
                for row in plan.sample:
                    sample.add_row(*(cell(row[c], 40) for c in columns))
            sample.display = bool(plan.sample)
            yield sample
            if plan.count > len(plan.sample):
                yield Static(f"(first {len(plan.sample)} of {plan.count} rows shown)")
            if not self.host.allow_write:
                yield Static(Text(self.host.read_only_help, style="bold"), id="action-prompt")
            else:
                yield Static(Text(plan.token_prompt(), style="bold"), id="action-prompt")
                yield Input(placeholder="type here", max_length=64, id="action-input")
            with Horizontal(id="action-buttons"):
                yield Button("Apply", id="action-apply", variant="error", disabled=True)
                yield Button("Cancel (Esc)", id="action-cancel")
                if self.host.allow_write and plan.spec.kind == "rows" and not plan.blocked:
                    yield Checkbox(EXACT_LABEL, id="action-exact")
            yield Static("", id="action-feedback")
            progress = ProgressBar(total=max(1, plan.count), id="action-progress")
            progress.display = False
            yield progress
            yield Static("", id="action-result")

    def on_mount(self) -> None:
        if self.host.allow_write and not self.plan.blocked:
            self.query_one(Input).focus()
            self.set_interval(0.5, self._check_expiry)
        else:
            self.query_one("#action-cancel", Button).focus()
            if self.host.allow_write:
                self._disable()
        if self.plan.blocked:
            self._say("This action cannot run: " + self.plan.blocked)

    def _say(self, text: str) -> None:
        self.query_one("#action-feedback", Static).update(Text(text, style="bold"))

    def _disable(self) -> None:
        for widget in self.query(Input):
            widget.disabled = True
        for box in self.query("#action-exact").results(Checkbox):
            box.disabled = True
        self.query_one("#action-apply", Button).disabled = True

    def _check_expiry(self) -> None:
        if self.applying or self.result is not None or not self.plan.expired():
            return
        self._disable()
        self._say(
            f"The preview expired at {self.plan.expires_at:%H:%M:%S} UTC: nothing was changed. "
            "Esc, then p to preview again."
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        matches = event.value.strip() == self.plan.token
        self.query_one("#action-apply", Button).disabled = not (matches and self.can_apply)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._try_apply(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "action-cancel":
            self.action_close()
        elif event.button.id == "action-apply":
            self._try_apply(self.query_one(Input).value)

    def _try_apply(self, typed: str) -> None:
        if self.applying or self.result is not None:
            return
        if self.plan.expired():
            self._check_expiry()
            return
        if not self.can_apply:
            return
        if typed.strip() != self.plan.token:
            said = "nothing typed" if not typed.strip() else "that does not match"
            self._say(f"{said}: {self.plan.token_prompt()}; nothing was changed.")
            self.query_one(Input).value = ""
            return
        self.applying = True
        self._disable()
        self._say("applying…")
        self.query_one("#action-progress", ProgressBar).display = True
        self.apply(typed.strip())

    @work(thread=True, exclusive=True, exit_on_error=False, group="apply", description="apply")
    def apply(self, typed: str) -> None:
        try:
            result = self.host.apply(
                self.plan, typed, lambda p: self._tell(self.Progress(p)), exact=self.exact
            )
        except DatabaseError as exc:  # raised only before anything was written
            self._tell(self.Finished(refused=f"Refused, nothing was changed: {exc}"))
            return
        except Exception as exc:  # a bug or a lost connection mid-apply
            self._tell(
                self.Finished(
                    refused=f"Stopped by an error ({type(exc).__name__}: {exc}). No batch "
                    "commits after an error; check the rows and the audit log before trying "
                    "again."
                )
            )
            return
        self._tell(self.Finished(result=result))

    def _tell(self, message: Message) -> None:
        """Back to the UI thread; if the app is already gone there is no one to tell."""
        with contextlib.suppress(RuntimeError):
            self.post_message(message)

    def on_action_confirm_screen_progress(self, message: Progress) -> None:
        self._progress(message.progress)

    def on_action_confirm_screen_finished(self, message: Finished) -> None:
        if message.result is None:
            self._refused(message.refused)
        else:
            self._done(message.result)

    def _progress(self, progress: Any) -> None:
        bar = self.query_one("#action-progress", ProgressBar)
        bar.update(total=max(1, progress.rows_total), progress=progress.rows_done)
        self._say(f"batch {progress.batch} of {progress.batches}: {progress.phase}")

    def _refused(self, message: str) -> None:
        """Nothing was written: the same preview may be tried again (the lock was held
        elsewhere, a second person's approval came meanwhile) by typing the token again."""
        self.applying = False
        self._say(message)
        if self.can_apply:
            for box in self.query("#action-exact").results(Checkbox):
                box.disabled = False
            for widget in self.query(Input):
                widget.value = ""
                widget.disabled = False
                widget.focus()

    def _done(self, result: Any) -> None:
        self.applying = False
        self.result = result
        self._say("Done. Esc closes.")
        self.query_one("#action-result", Static).update(result_text(result))
        self.query_one("#action-cancel", Button).label = "Close (Esc)"
        self.query_one("#action-cancel", Button).focus()

    def action_close(self) -> None:
        if self.applying:
            self._say("Applying: wait for the outcome (it stops at the first error).")
            return
        self.dismiss(self.result)
