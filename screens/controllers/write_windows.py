"""The dashboard's write windows: why, for how long, and read-only again after.

Started with `--allow-write`, the console asks first why it should write (a dialog; Esc
leaves it read-only) and opens a window of `write_window_minutes` (default 30). `W` on
the dashboard ends the open window, or opens a new one the same way. When the time runs
out the console is read-only again and says so. Each window's opening and end go to the
audit log (action `write_window`) and, while an incident is open, to its timeline; every
action applied inside it carries its reason in its audit records. The status bar shows
the time left. The window itself lives in `console.recovery.write_window.WriteMode`,
shared with the recovery path, which refuses a write outside one.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from console.core.db import DatabaseError, SessionLimits
from console.recovery.write_window import WriteWindow
from screens.dialogs.prompt import PromptScreen

if TYPE_CHECKING:
    from textual.app import App

    from screens.controllers.incidents import IncidentController
    from screens.controllers.presenter import DashboardPresenter
    from screens.controllers.recovery_controller import RecoveryController

ASK = (
    "Why does this console need to write? The reason is kept in the audit log and on the "
    "incident's timeline. The window lasts {minutes:g} min, then the console is read-only "
    "again (W ends it sooner). Esc stays read-only."
)


class WriteWindows:
    """Opens, ends and times out the console's write window (see the module docstring)."""

    def __init__(
        self,
        app: App[Any],
        recovery: RecoveryController,
        presenter: DashboardPresenter,
        incidents: IncidentController,
        *,
        reason: str | None = None,
    ) -> None:
        self.app = app
        self.recovery = recovery
        self.mode = recovery.mode
        self.presenter = presenter
        self.incidents = incidents
        self.reason = reason  # given (training, tests): opened without asking
        presenter.allow_write = False
        presenter.write_left = self.mode.countdown

    @classmethod
    def of(cls, app: Any, reason: str | None = None) -> WriteWindows:
        """The write windows of an app built like IncidentApp (its recovery controller,
        presenter and incident controller). Tests and training set `reason` to open the
        first window without asking."""
        return cls(
            app,
            app.recovery_controller,
            app.presenter,
            app.incident_controller,
            reason=reason,
        )

    def start(self) -> None:
        """On mount: with --allow-write, open the first window (asking why)."""
        if not self.mode.permitted:
            return
        self.app.set_interval(1.0, self._tick)
        if self.reason:
            self._open(self.reason, quiet=True)  # given, not typed: the status bar says it
        else:
            self.ask()

    def toggle(self) -> None:
        """`W`: end the open window, or open one."""
        if not self.mode.permitted:
            self.app.notify(
                "This console is read-only: quit and start it with --allow-write to open "
                "write windows.",
                severity="warning",
            )
        elif self.mode.writable:
            self._ended("ended by you")
        else:
            self.ask()

    def ask(self) -> None:
        explanation = ASK.format(minutes=self.mode.minutes)
        prompt = PromptScreen("Open a write window", explanation, max_length=500)
        self.app.push_screen(prompt, self._answered)

    def _answered(self, reason: str | None) -> None:
        if reason is None:
            self.app.notify("No write window: the console stays read-only (W opens one).")
            return
        self._open(reason)

    def _open(self, reason: str, *, quiet: bool = False) -> None:
        try:
            window = self.mode.open(reason)
        except DatabaseError as exc:
            self.app.notify(f"No write window: {exc}", severity="error")
            return
        self._show()
        self._record("opened", window)
        if quiet:
            return
        self.app.notify(
            f"Write window open until {window.ends_at:%H:%M:%S} UTC ({window.minutes:g} "
            f"min): {window.reason}",
            title="WRITE",
            severity="warning",
        )

    def _tick(self) -> None:
        window = self.mode.ran_out()
        if window is not None:
            self._show()
            self._tell_ended(window, f"its {window.minutes:g} min ran out")

    def _ended(self, why: str) -> None:
        window = self.mode.end()
        self._show()
        if window is not None:
            self._tell_ended(window, why)

    def _tell_ended(self, window: WriteWindow, why: str) -> None:
        self.app.notify(
            f"Write window {why}: the console is read-only again (W opens a new one).",
            title="READ-ONLY",
            timeout=30,
        )
        self._record("ended", window, why)

    def _show(self) -> None:
        self.presenter.allow_write = self.mode.writable
        self.presenter.render_status()

    def _record(self, phase: str, window: WriteWindow, why: str = "") -> None:
        """The audit record and the timeline note, off the UI loop."""
        detail = {**window.audit_detail(), **({"why": why} if why else {})}
        text = (
            window.describe()
            if phase == "opened"
            else f"write window of {window.operator} ended ({why}); it was for: {window.reason}"
        )
        self.app.run_worker(
            lambda: self._write(phase, window, detail, text),
            thread=True,
            group="write-window",
            description="recording the write window",
            exit_on_error=False,
        )

    def _write(self, phase: str, window: WriteWindow, detail: dict[str, Any], text: str) -> None:
        from console.recovery.audit import AuditLog

        options = self.recovery.options
        audit = AuditLog(
            state_dsn=options.state_database,
            local_dir=options.state_dir,
            limits=options.limits or SessionLimits(),
        )
        desk = self.incidents.desk
        try:
            audit.write(
                run_id=uuid.uuid4(),
                phase=phase,
                action_id="write_window",
                operator=window.operator,
                incident_id=desk.incident.id if desk.incident is not None else None,
                detail=detail,
            )
        finally:
            audit.close()
        if desk.incident is not None:
            desk.note(text)
