"""The incident's controller: the desk, the timeline screen, and records off the UI loop.

An object the app composes. The `IncidentDesk` (the synchronous store) is built on first
use, after the first frame is painted; every record the screens ask for (`StepRecorded`,
`PlanPreviewed`, `ActionApplied`) goes through a thread worker, so a slow state database
never holds up a key. It is also the host of the timeline screen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from console.core.config import Settings
from console.core.db import SessionLimits
from screens.controllers.presenter import DashboardPresenter
from screens.failures import describe_failure
from screens.findings import FindingLike

if TYPE_CHECKING:
    from screens.controllers.incident_desk import IncidentDesk


class IncidentController:
    """One console's incident desk, its timeline screen, and its records."""

    def __init__(
        self,
        app: App[Any],
        presenter: DashboardPresenter,
        *,
        state_dsn: str | None,
        settings: Settings,
        allow_write: bool,
        clock: Callable[[], datetime],
        local_dir: Path | None = None,
        limits: SessionLimits | None = None,
        operator: str = "",
        report_dir: Path | None = None,
        recording: Any = None,
    ) -> None:
        self.app = app
        # console.recording.background.LiveRecording: told of the incident and its entries
        self.recording = recording
        self.presenter = presenter
        self.state_dsn = state_dsn
        self.settings = settings
        self.allow_write = allow_write
        self.clock = clock
        self.local_dir = local_dir
        self.limits = limits
        self.operator = operator
        self.report_dir = report_dir
        self._desk: IncidentDesk | None = None

    @property
    def desk(self) -> IncidentDesk:
        if self._desk is None:
            from console.core.audit import current_operator
            from screens.controllers.incident_desk import IncidentDesk

            self._desk = IncidentDesk(
                self.state_dsn,
                settings=self.settings,
                local_dir=self.local_dir,
                limits=self.limits,
                operator=self.operator or current_operator(),
                report_dir=self.report_dir,
                recording=self.recording,
            )
        return self._desk

    def incident_clock(self, now: datetime) -> str:
        """The open incident's phase for the status bar, empty when none is open."""
        incident = self.desk.incident
        if incident is None:
            return ""
        clock = incident.clock(now)
        minutes = int(clock.elapsed.total_seconds() // 60)
        return f"{incident.severity} INCIDENT {clock.phase.title} +{minutes}m"

    def open_timeline(self) -> None:
        from screens.views.timeline_screen import TimelineScreen

        if not isinstance(self.presenter.top(), TimelineScreen):
            self.app.push_screen(TimelineScreen(self))

    # --- records (a no-op without an open incident) ----------------------------------

    def resume(self) -> None:
        """Pick up the incident an earlier session left open (when there is a state DB)."""
        if self.state_dsn:
            self.record(lambda desk: desk.resume())

    def record_step(self, runbook_id: str, step_id: str, verdict: str, rows: int | None) -> None:
        self.record(lambda desk: desk.record_step(runbook_id, step_id, verdict, rows))

    def record_plan(self, plan: Any) -> None:
        self.record(lambda desk: desk.record_plan(plan))

    def record_result(self, result: Any) -> None:
        self.record(lambda desk: desk.record_result(result))

    def record(self, call: Callable[[IncidentDesk], Any]) -> None:
        """Run `call` on the desk in a thread worker, off the UI loop."""
        self.app.run_worker(
            partial(self._record, call),
            name="record",
            group="incident",
            description="record on timeline",
            exit_on_error=False,
            thread=True,
        )

    def _record(self, call: Callable[[IncidentDesk], Any]) -> None:
        try:
            call(self.desk)
        except Exception as exc:
            message = f"timeline: {describe_failure(exc)[1]}"
            self.app.call_from_thread(self.app.notify, message, severity="warning")
        self.app.call_from_thread(self.presenter.render_status)

    # --- what the timeline screen reads (TimelineHost) -------------------------------

    def now(self) -> datetime:
        return self.clock()

    def current_findings(self) -> list[FindingLike]:
        return self.presenter.current_findings()

    def selected_finding(self) -> FindingLike | None:
        return self.presenter.selected_finding()

    def close(self) -> None:
        self.desk.close()
