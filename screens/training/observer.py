"""How the production dashboard's moves reach the training session.

- `SessionObserver` is the app's observer: a finding opened, a runbook opened, a step
  run are recorded on the session; the session runs the steps itself, so a runbook's
  service commands (`webhook_restart`, `chrony_enable`, ...) act on the simulation.
- `SessionRecovery` stands in for the app's Recovery: previews are the production ones,
  but an apply goes through `TrainingSession.apply_action`, which records it and judges
  its harm from the preview's rows.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from console.core.db import DatabaseError
from console.runbooks.run import StepResult
from console.training.services import SERVICE_COMMANDS, CommandOutcome
from console.training.session import TrainingError, TrainingSession
from screens.controllers.recovery import Recovery

SIMULATED = "(simulation)"


def simulated_commands() -> dict[str, tuple[str, ...]]:
    """What the confirm dialog and step detail show as a command's argv in training."""
    return {name: (SIMULATED, name) for name in SERVICE_COMMANDS}


def command_result(step: Any, outcome: CommandOutcome) -> StepResult:
    """A service command's outcome as the runbook screen shows any step's result."""
    rows = tuple({"line": line} for line in outcome.lines)
    last = outcome.lines[-1] if outcome.lines else outcome.command
    return StepResult(
        step_id=step.id,
        kind=step.kind,
        status="ok" if outcome.ok else "fail",
        verdict=f"{SIMULATED} {last}",
        rows=rows,
        columns=("line",),
        row_count=len(rows),
        details={"command": outcome.command, "faults_off": list(outcome.faults_off)},
    )


class SessionObserver:
    """The IncidentApp observer of a training run. Until the clock starts (`active`),
    nothing is recorded and no step runs: the command palette reaches runbooks from the
    briefing too."""

    def __init__(self, session: TrainingSession) -> None:
        self.session = session
        self.active = False
        self._pending: set[asyncio.Task[None]] = set()

    def finding_viewed(self, finding_id: str) -> None:
        """Recorded at once when the judge sees it lit too; else after one more judging
        poll — the dashboard's poll may have seen it first, and it was lit on screen."""
        if not self.active:
            return
        if finding_id in {f.id for f in self.session.findings}:
            self.session.view_finding(finding_id)
            return
        task = asyncio.create_task(self._judge_then_view(finding_id))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _judge_then_view(self, finding_id: str) -> None:
        with contextlib.suppress(Exception):  # a failed poll: record it as the judge saw it
            await self.session.judge()
        self.session.view_finding(finding_id)

    def runbook_opened(self, runbook_id: str) -> None:
        if not self.active:
            return
        with contextlib.suppress(TrainingError):  # a runbook it does not know: not counted
            self.session.open_runbook(runbook_id)

    async def run_step(self, runbook_id: str, step: Any, confirmed: frozenset[str]) -> Any:
        if not self.active:
            said = "the scenario has not started: Enter on the briefing starts it"
            return StepResult(step.id, step.kind, "skipped", said, ran=False)
        try:
            result = await self.session.run_step(runbook_id, step.id)
        except TrainingError as exc:
            return StepResult(step.id, step.kind, "error", str(exc), error=str(exc))
        if isinstance(result, CommandOutcome):
            return command_result(step, result)
        return result


class SessionRecovery(Recovery):
    """Recovery whose apply is the session's (called from the confirm dialog's thread)."""

    def __init__(
        self, observer: SessionObserver, loop: asyncio.AbstractEventLoop, **kwargs: Any
    ) -> None:
        super().__init__(observer.session.dsn, True, **kwargs)
        self.observer = observer
        self.loop = loop

    def apply(self, plan: Any, typed: str, **_: Any) -> Any:
        if not self.observer.active:
            raise DatabaseError("the scenario is not running: nothing was changed")
        applying = self.observer.session.apply_action(plan, typed)
        return asyncio.run_coroutine_threadsafe(applying, self.loop).result()
