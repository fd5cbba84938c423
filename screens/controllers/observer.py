"""The hook by which an embedding (training) learns what the operator does in the app.

Production passes no observer and nothing changes. Training passes one that records each
move on its session — a finding looked at, a runbook opened, a step run — and runs the
steps itself, so a runbook's service commands act on the simulation instead of the host.

`ObservedActions` is the app's side: a mixin in front of the checklist actions that tells
the observer, then does what the app always does.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from screens.app import IncidentApp

    _Base = IncidentApp
else:
    _Base = object


class AppObserver(Protocol):
    def finding_viewed(self, finding_id: str) -> None:
        """The operator opened a finding (its runbook or its evidence)."""

    def runbook_opened(self, runbook_id: str) -> None:
        """A runbook screen was opened."""

    async def run_step(self, runbook_id: str, step: Any, confirmed: frozenset[str]) -> Any | None:
        """Run `step` instead of the app and return its StepResult; None lets the app run
        it as in production."""


class ObservedActions(_Base):
    def _finding_viewed(self, finding_id: str) -> None:
        if self.observer is not None:
            self.observer.finding_viewed(finding_id)

    def action_evidence(self) -> None:
        key = self.dashboard.selected_finding_id()
        if key and self._rendered_ctx is not None:
            self._finding_viewed(key)
        super().action_evidence()

    def open_runbook(self, runbook_id: str) -> None:
        if self.observer is not None and self.checklists.get(runbook_id) is not None:
            self.observer.runbook_opened(runbook_id)
        super().open_runbook(runbook_id)

    def _runbook_of(self, step: Any) -> str:
        """The id of the runbook `step` belongs to (steps are shared objects)."""
        for runbook in self.checklists.runbooks().values():
            if any(s is step for s in runbook.steps):
                return runbook.id
        return ""

    async def run_step(self, step: Any, confirmed: frozenset[str] = frozenset()) -> Any:
        """The observer may run the step instead (training: on the simulation)."""
        if self.observer is not None:
            ran = self.observer.run_step(self._runbook_of(step), step, confirmed)
            try:
                result = await asyncio.wait_for(ran, self.step_timeout)
            except TimeoutError:
                from console.runbooks.run import StepResult

                message = f"no answer within {self.step_timeout:g} s (cancelled)"
                return StepResult(step.id, step.kind, "error", message, error=message)
            if result is not None:
                return result
        return await super().run_step(step, confirmed)
