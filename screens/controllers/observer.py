"""The hook by which an embedding (training) learns what the operator does in the app.

Production passes no observer and nothing changes. Training passes one that records each
move on its session — a finding looked at, a runbook opened, a step run — and runs the
steps itself, so a runbook's service commands act on the simulation instead of the host.

`Observation` is the app's side: an object the checklist controller holds, which tells
the observer (when there is one) before the controller does what it always does.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from console.runbooks.run import StepResult


class AppObserver(Protocol):
    def finding_viewed(self, finding_id: str) -> None:
        """The operator opened a finding (its runbook or its evidence)."""

    def runbook_opened(self, runbook_id: str) -> None:
        """A runbook screen was opened."""

    async def run_step(self, runbook_id: str, step: Any, confirmed: frozenset[str]) -> Any | None:
        """Run `step` instead of the app and return its StepResult; None lets the app run
        it as in production."""


class Observation:
    """Tells `observer` of the operator's moves; with no observer, every call is a no-op."""

    def __init__(self, observer: AppObserver | None, *, step_timeout: float) -> None:
        self.observer = observer
        self.step_timeout = step_timeout

    def finding_viewed(self, finding_id: str) -> None:
        if self.observer is not None:
            self.observer.finding_viewed(finding_id)

    def runbook_opened(self, runbook_id: str) -> None:
        if self.observer is not None:
            self.observer.runbook_opened(runbook_id)

    async def run_step(
        self, runbook_id: str, step: Any, confirmed: frozenset[str]
    ) -> StepResult | None:
        """The observer's result when it ran the step (training: on the simulation), else
        None: the caller runs it as in production."""
        if self.observer is None:
            return None
        ran = self.observer.run_step(runbook_id, step, confirmed)
        try:
            result = await asyncio.wait_for(ran, self.step_timeout)
        except TimeoutError:
            from console.runbooks.run import StepResult

            message = f"no answer within {self.step_timeout:g} s (cancelled)"
            return StepResult(step.id, step.kind, "error", message, error=message)
        return result
