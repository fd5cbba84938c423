"""The app's side of the checklists: opening runbooks, running steps, the incident record.

A mixin of `IncidentApp`, kept apart so app.py stays about polling and the dashboard. Steps
run with a deadline on the operator's connection (`Operations`); timeline records go
through a thread worker, since the incident store is synchronous.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import work

from console.core.db import DatabaseError
from screens.controllers.polling import describe_failure
from screens.controllers.source import FindingLike
from screens.views.checklist_index import ChecklistScreen

if TYPE_CHECKING:
    from screens.app import IncidentApp
    from screens.controllers.incident_desk import IncidentDesk

    _Base = IncidentApp
else:
    _Base = object


class ChecklistActions(_Base):
    def incident_clock(self, now: datetime) -> str:
        """The open incident's phase for the status bar, empty when none is open."""
        incident = self.desk.incident
        if incident is None:
            return ""
        clock = incident.clock(now)
        minutes = int(clock.elapsed.total_seconds() // 60)
        return f"{incident.severity} INCIDENT {clock.phase.title} +{minutes}m"

    def current_findings(self) -> list[FindingLike]:
        """The findings of the last poll, most severe first."""
        return list(self.state.shown_findings())

    def selected_finding(self) -> FindingLike | None:
        """The finding under the Findings panel's cursor, else the most severe one."""
        findings = self.current_findings()
        key = self.dashboard.selected_finding_id()
        chosen = next((f for f in findings if f.id == key), None)
        return chosen or (findings[0] if findings else None)

    def action_checklists(self) -> None:
        if not isinstance(self._top(), ChecklistScreen):
            self.push_screen(ChecklistScreen())

    def action_timeline(self) -> None:
        from screens.views.timeline_screen import TimelineScreen

        if not isinstance(self._top(), TimelineScreen):
            self.push_screen(TimelineScreen())

    def action_evidence(self) -> None:
        """The selected finding's evidence (what Enter showed before it opened runbooks)."""
        key = self.dashboard.selected_finding_id()
        if key and self._rendered_ctx is not None:
            from screens.controllers.drill_open import open_drilldown

            open_drilldown(self, "finding", key, self._rendered_ctx)

    def open_runbook(self, runbook_id: str) -> None:
        from screens.views.runbook_screen import RunbookScreen

        runbook = self.checklists.get(runbook_id)
        if runbook is None:
            problem = self.checklists.error or f"no runbook named {runbook_id}"
            self.notify(problem, severity="error")
            return
        self.push_screen(RunbookScreen(runbook))

    def open_runbook_for_finding(self, finding_id: str) -> None:
        runbook = self.checklists.for_finding(finding_id)
        if runbook is None:
            self.notify(
                self.checklists.error or f"no runbook for {finding_id}; e shows its evidence",
                severity="warning",
            )
            return
        self.open_runbook(runbook.id)

    def catalogue(self) -> dict[str, Any]:
        from console.queries import catalogue

        return catalogue()

    async def run_step(self, step: Any, confirmed: frozenset[str] = frozenset()) -> Any:
        """Run a runbook step on the operator's connection, within `step_timeout`."""
        from console.checks.registry import default_registry
        from console.runbooks.run import StepContext, StepResult, run_step

        def context(conn: Any) -> StepContext:
            return StepContext(
                settings=self.settings,
                conn=conn,
                checks=default_registry(),
                catalogue=self.catalogue(),
                run_commands=True,
                confirmed=confirmed,
            )

        def failed(message: str) -> StepResult:
            return StepResult(step.id, step.kind, "error", message, error=message)

        try:
            if step.kind in ("command", "log") or self.ops.dsn is None:
                # No database needed (or none configured: a query step says it was skipped).
                pending = run_step(step, context(None))
            else:
                pending = self.ops.run_step(step, context)
            return await asyncio.wait_for(pending, self.step_timeout)
        except TimeoutError:
            await self.ops.close()  # the cancelled query's connection is not trusted again
            return failed(f"no answer within {self.step_timeout:g} s (cancelled)")
        except DatabaseError as exc:
            return failed(str(exc))

    @work(thread=True, exit_on_error=False, group="incident", description="record on timeline")
    def record(self, call: Callable[[IncidentDesk], Any]) -> None:
        """Record on the open incident (a no-op when none is open), off the UI loop."""
        try:
            call(self.desk)
        except Exception as exc:
            message = f"timeline: {describe_failure(exc)[1]}"
            self.call_from_thread(self.notify, message, severity="warning")
        self.call_from_thread(self.render_status)
