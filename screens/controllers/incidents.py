"""The incident's controller: the desk, the timeline screen, and records off the UI loop.

An object the app composes. The `IncidentDesk` (the synchronous store) is built on first
use, after the first frame is painted; every record the screens ask for (`StepRecorded`,
`PlanPreviewed`, `ActionApplied`) goes through a thread worker, so a slow state database
never holds up a key. It is also the host of the timeline screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from screens.controllers.app_part import AppPart
from screens.failures import describe_failure
from screens.findings import FindingLike
from screens.views.checklist_state import Checklists

if TYPE_CHECKING:
    from screens.controllers.incident_desk import IncidentDesk
    from screens.controllers.live import LiveLink


@dataclass(eq=False)
class IncidentController(AppPart):
    """One console's incident desk, its timeline screen, and its records."""

    _: KW_ONLY
    # console.recording.background.LiveRecording: told of the incident and its entries
    recording: Any = None
    checklists: Checklists = field(default_factory=Checklists)

    def __post_init__(self) -> None:
        self._desk: IncidentDesk | None = None
        self._live: LiveLink | None = None
        self.presenter.people = self.people

    @property
    def desk(self) -> IncidentDesk:
        if self._desk is None:
            from screens.controllers.incident_desk import IncidentDesk

            self._desk = IncidentDesk(self.options, recording=self.recording)
        return self._desk

    @property
    def state_dsn(self) -> str | None:
        return self.options.state_database

    @property
    def live(self) -> LiveLink:
        """The shared incident's feed and rules; built with the desk, started once the
        desk found a state schema with the live tables."""
        if self._live is None:
            from screens.controllers.live import LiveLink

            self._live = LiveLink(
                self.app,
                lambda: self.desk,
                self.checklists,
                self.presenter.top,
                self.presenter.render_status,
            )
        return self._live

    def live_if_started(self) -> LiveLink | None:
        """The live link when this console shares an open incident, else None."""
        live = self._live
        return live if live is not None and live.active() else None

    def people(self) -> str:
        """The status bar's 'you: operator · 3 on · 1 approval waiting' ('' unshared)."""
        return self._live.summary() if self._live is not None else ""

    def incident_clock(self, now: datetime) -> str:
        """The open incident's phase for the status bar, empty when none is open."""
        if self._desk is not None and self._desk.live_ready:
            live = self.live
            live.start()  # once; the desk found the live tables
            live.tick()
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

    def record_step(
        self, runbook_id: str, step_id: str, verdict: str, rows: int | None, status: str = ""
    ) -> None:
        self.record(lambda desk: desk.record_step(runbook_id, step_id, verdict, rows, status))

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
        return self.options.clock()

    def selected_finding(self) -> FindingLike | None:
        return self.presenter.selected_finding()

    def live_view(self) -> Any:
        """The shared view (people, roles, claims, approvals); None when unshared."""
        live = self.live_if_started()
        return live.view if live is not None else None

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
        self.desk.close()
