"""The screens' side of recovery actions: preview for a runbook step, apply for the dialog.

The host of the action confirm dialog (`ActionHost`). It builds the recovery path
(`screens.controllers.recovery.Recovery`: connections, audit log, `console.recovery`) on
first use, after the first frame is painted, and adds what the dialog should not have to
know: the settings a preview resolves its parameters with, and the open incident an
apply is audited under. Training swaps the path for one that goes through its session.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from screens.controllers.incidents import IncidentController
from screens.options import DashboardOptions

if TYPE_CHECKING:
    from console.recovery.actions import ActionResult, Plan, ProgressCallback
    from console.runbooks.model import ActionStep
    from screens.controllers.recovery import Recovery


@dataclass(eq=False)
class RecoveryController:
    """Previews and applies recovery actions through one lazily built `Recovery`."""

    # options.allow_write (--allow-write) permits write windows; one must be open to write
    # (write_windows.py).
    options: DashboardOptions
    incidents: IncidentController

    def __post_init__(self) -> None:
        from console.core.audit import current_operator
        from console.recovery.write_window import WriteMode

        self.operator = self.options.operator or current_operator()
        minutes = self.options.settings.write_window_minutes
        self.mode = WriteMode(self.options.allow_write, self.operator, minutes)
        self._path: Recovery | None = None

    @property
    def allow_write(self) -> bool:
        """The dialog's question: can this console write right now (a window is open)?"""
        return self.mode.writable

    @property
    def path(self) -> Recovery:
        """Where actions run; built on first use (it loads psycopg and the actions)."""
        if self._path is None:
            from console.recovery.actions import DEFAULT_TTL_SECONDS
            from screens.controllers.recovery import Recovery

            options = self.options
            self._path = Recovery(
                options.dsn,
                self.mode.permitted,
                state_dsn=options.state_database,
                limits=options.limits,
                local_dir=options.state_dir,
                operator=self.operator,
                ttl_seconds=options.plan_ttl or DEFAULT_TTL_SECONDS,
                guard=self.shared_rules,
                mode=self.mode,
            )
        return self._path

    @path.setter
    def path(self, recovery: Recovery) -> None:
        """Training replaces the recovery path with one that goes through its session."""
        self._path = recovery

    @property
    def read_only_help(self) -> str:
        from screens.controllers.recovery import no_write_help

        return no_write_help(self.mode)

    def plan(self, step: ActionStep, params: Mapping[str, Any]) -> Plan:
        """Preview a runbook's action step, with operator-chosen `params` (e.g. a pid)."""
        live = self.incidents.live_if_started()
        if live is not None:
            live.require_runner("preview recovery actions")
        return self.path.plan(step, self.options.settings, params)

    def shared_rules(self, plan: Plan) -> AbstractContextManager[Any]:
        """What an apply runs inside while this console shares an open incident."""
        live = self.incidents.live_if_started()
        return live.guard(plan) if live is not None else nullcontext()

    def apply(
        self, plan: Plan, typed: str, on_progress: ProgressCallback, *, exact: bool = False
    ) -> ActionResult:
        """Apply a previewed plan under the open incident (if any); raises a DatabaseError
        (nothing written) when refused. `exact`: the all-or-nothing rule."""
        incident = self.incidents.desk.incident
        return self.path.apply(
            plan,
            typed,
            on_progress=on_progress,
            incident_id=incident.id if incident else None,
            exact=exact,
        )
