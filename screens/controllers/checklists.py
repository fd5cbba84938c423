"""The checklists' controller: opens the index and the runbooks, and runs their steps.

An object the app composes (it holds the app only to push screens and notify). It is the
host of the checklist index and of every runbook screen: they read the runbooks, each
step's progress and the console's mode from it, and run steps and previews through it.
Steps run with a deadline on the operator's connection (`Operations`); the training's
observer may run them instead (`Observation`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any

from console.core.db import DatabaseError
from screens.controllers.app_part import AppPart
from screens.controllers.drill_open import DrillDowns
from screens.controllers.observer import Observation
from screens.controllers.ops import Operations
from screens.controllers.recovery_controller import RecoveryController
from screens.views.checklist_index import ChecklistScreen
from screens.views.checklist_state import Checklists, StepState

# A StepResult detail: the step was not run here (an observer, or another console runs it).
NOT_RUN_HERE = "not_run_here"

if TYPE_CHECKING:
    from console.recovery.actions import Plan
    from console.runbooks.model import ActionStep, AnyStep
    from console.runbooks.run import StepResult


@dataclass(eq=False)
class ChecklistController(AppPart):
    """Opens checklist screens and runs their steps; the host the screens are given."""

    checklists: Checklists
    _: KW_ONLY
    ops: Operations
    drilldowns: DrillDowns
    actions: RecoveryController
    observation: Observation

    # --- opening screens -------------------------------------------------------------

    def open_index(self) -> None:
        if not isinstance(self.presenter.top(), ChecklistScreen):
            self.app.push_screen(ChecklistScreen(self))

    def open_runbook(self, runbook_id: str) -> None:
        from screens.views.runbook_screen import RunbookScreen

        runbook = self.checklists.get(runbook_id)
        if runbook is None:
            problem = self.checklists.error or f"no runbook named {runbook_id}"
            self.app.notify(problem, severity="error")
            return
        self.observation.runbook_opened(runbook_id)
        self.app.push_screen(RunbookScreen(runbook, self))

    def open_finding(self, finding_id: str) -> None:
        """Enter on a finding: its runbook (the finding counts as looked at either way)."""
        self.observation.finding_viewed(finding_id)
        runbook = self.checklists.for_finding(finding_id)
        if runbook is None:
            self.app.notify(
                self.checklists.error or f"no runbook for {finding_id}; e shows its evidence",
                severity="warning",
            )
            return
        self.open_runbook(runbook.id)

    def show_evidence(self) -> None:
        """The selected finding's evidence (what Enter showed before it opened runbooks)."""
        key = self.presenter.dashboard.selected_finding_id()
        rendered = self.presenter.rendered
        if key and rendered is not None:
            self.observation.finding_viewed(key)
            self.drilldowns.open("finding", key, rendered)

    # --- what the screens read (ChecklistHost, RunbookHost) ----------------------------

    def state(self, runbook_id: str, step_id: str) -> StepState:
        return self.checklists.state(runbook_id, step_id)

    def catalogue(self) -> dict[str, Any]:
        from console.queries import catalogue

        return catalogue()

    def plan(self, step: ActionStep, params: Mapping[str, Any]) -> Plan:
        return self.actions.plan(step, params)

    # --- running a step --------------------------------------------------------------

    async def run_step(
        self,
        runbook_id: str,
        step: AnyStep,
        confirmed: frozenset[str] = frozenset(),
        inputs: Mapping[str, str] | None = None,
    ) -> StepResult:
        """Run a runbook step (the observer's way, when it takes it) within `step_timeout`;
        `inputs`: what the operator pasted for a check step (used once, never kept)."""
        observed = await self.observation.run_step(runbook_id, step, confirmed)
        if observed is not None:
            return observed
        live = self.actions.incidents.live_if_started()
        if live is None:
            return await self._run_here(step, confirmed, inputs)
        # Shared: observers run nothing, and a step another console is running is theirs.
        held = await asyncio.to_thread(live.before_step, runbook_id, step.id)
        if held:
            from console.runbooks.run import StepResult

            return StepResult(
                step.id, step.kind, "skipped", held, ran=False, details={NOT_RUN_HERE: True}
            )
        try:
            return await self._run_here(step, confirmed, inputs)
        finally:
            await asyncio.to_thread(live.after_step, runbook_id, step.id)

    async def _run_here(
        self, step: AnyStep, confirmed: frozenset[str], inputs: Mapping[str, str] | None = None
    ) -> StepResult:
        """On the operator's connection, within `step_timeout`."""
        from console.runbooks.checks import step_checks
        from console.runbooks.run import StepContext, StepResult, run_step

        def context(conn: Any) -> StepContext:
            return StepContext(
                settings=self.options.settings,
                conn=conn,
                checks=step_checks(),
                catalogue=self.catalogue(),
                run_commands=True,
                confirmed=confirmed,
                inputs={step.id: dict(inputs)} if inputs else {},
            )

        def failed(message: str) -> StepResult:
            return StepResult(step.id, step.kind, "error", message, error=message)

        try:
            if step.kind in ("command", "log") or self.ops.dsn is None:
                # No database needed (or none configured: a query step says it was skipped).
                pending = run_step(step, context(None))
            else:
                pending = self.ops.run_step(step, context)
            return await asyncio.wait_for(pending, self.options.step_timeout)
        except TimeoutError:
            await self.ops.close()  # the cancelled query's connection is not trusted again
            return failed(f"no answer within {self.options.step_timeout:g} s (cancelled)")
        except DatabaseError as exc:
            return failed(str(exc))
