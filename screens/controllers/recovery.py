"""Preview and apply of recovery actions for the screens, over short-lived connections.

`console.recovery.actions` is synchronous (psycopg), so these run in thread workers, never on the
UI loop. Each call opens its own connection and closes it: a preview is read-only
whatever the console's mode; an apply opens a writer only when the console was started
with `--allow-write`, and `actions.apply` re-checks the typed token, the plan's expiry
and the session's write mode itself.

The dashboard's cancel/terminate take the same path (`BackendSignals`): a plan of the
session, the typed pid, then `Recovery.apply` (advisory lock, audit before and after),
and the plan and the result on the open incident's timeline.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from console.core.audit import current_operator
from console.core.config import Settings
from console.core.db import DatabaseError, ReadOnlyError, SessionLimits, connect_sync
from console.recovery import actions, backends, router
from console.recovery.audit import AuditLog
from console.recovery.write_window import WriteMode
from console.runbooks.model import ActionStep, fill_error_patterns

READ_ONLY_HELP = (
    "This console is read-only: recovery actions need a session that can write. "
    "Quit (q) and start it again with --allow-write to apply this preview."
)


NO_WINDOW_HELP = (
    "No write window is open: recovery actions need one. Esc, then W on the dashboard "
    "opens one (it asks why, and ends by itself)."
)


def no_write_help(mode: WriteMode | None) -> str:
    """Why this console cannot write now, and how to get there."""
    return NO_WINDOW_HELP if mode is not None and mode.permitted else READ_ONLY_HELP


@dataclass
class Recovery:
    """Where actions run: the monitored DSN, the audit log's place, who the operator is."""

    dsn: str | None
    allow_write: bool
    state_dsn: str | None = None
    limits: SessionLimits | None = None
    local_dir: Path | None = None
    operator: str = ""
    ttl_seconds: float = actions.DEFAULT_TTL_SECONDS
    # Around every apply: the shared incident's rules (observers refused, the two-person
    # rule), given by the recovery controller; none outside a shared incident.
    guard: Callable[[Any], AbstractContextManager[Any]] | None = None
    # The write window (console.recovery.write_window): when given, a write needs one open,
    # and its reason goes into the audit; without it `allow_write` alone decides (tests).
    mode: WriteMode | None = None

    def writable(self) -> bool:
        return self.mode.writable if self.mode is not None else self.allow_write

    def who(self) -> str:
        return self.operator or current_operator()

    def plan(self, step: ActionStep, settings: Settings, params: Mapping[str, Any] = ()) -> Any:
        """Preview a runbook's action step (with operator-chosen `params`, e.g. a pid)."""
        given = {**fill_error_patterns(step.params, settings.error_patterns), **dict(params)}
        with connect_sync(self.dsn, limits=self.limits, role="preview") as conn:
            return router.plan(
                conn, step.action, given, settings=settings, ttl_seconds=self.ttl_seconds
            )

    def plan_signal(
        self,
        pid: int,
        action: backends.Signal,
        protected: Iterable[int] = (),
        seen_start: datetime | None = None,
    ) -> actions.Plan:
        """Preview the dashboard's cancel/terminate of `pid` (see console.recovery.backends)."""
        with connect_sync(self.dsn, limits=self.limits, role="preview") as conn:
            return backends.plan_signal(
                conn,
                pid,
                action,
                protected_pids=protected,
                seen_start=seen_start,
                ttl_seconds=self.ttl_seconds,
            )

    def apply(
        self,
        plan: Any,
        typed: str,
        *,
        on_progress: Callable[[actions.Progress], None] | None = None,
        incident_id: uuid.UUID | None = None,
        exact: bool = False,
    ) -> actions.ActionResult:
        """Apply a previewed plan; raises a DatabaseError (nothing written) when refused.
        `exact` keeps the all-or-nothing rule (else the preview is an upper bound)."""
        if not self.writable():
            raise ReadOnlyError(no_write_help(self.mode))
        audit = AuditLog(
            state_dsn=self.state_dsn or self.dsn,
            local_dir=self.local_dir,
            limits=self.limits or SessionLimits(),  # the pooler setting, as the action's
        )
        guard = self.guard(plan) if self.guard is not None else nullcontext()
        try:
            with (
                guard,
                connect_sync(self.dsn, allow_write=True, limits=self.limits, role="action") as conn,
            ):
                return router.apply(
                    conn,
                    plan,
                    typed,
                    on_progress=on_progress,
                    audit=audit,
                    operator=self.who(),
                    incident_id=incident_id,
                    exact=exact,
                    reason=self.mode.reason if self.mode is not None else "",
                )
        finally:
            audit.close()


class IncidentRecords(Protocol):
    """What BackendSignals needs of the incident desk (screens.controllers.incident_desk)."""

    @property
    def incident(self) -> Any: ...

    def record_plan(self, plan: Any) -> None: ...

    def record_result(self, result: Any) -> None: ...


@dataclass(frozen=True)
class SignalOutcome:
    """What came of a confirmed signal: the result (None when the plan had nothing to do,
    so nothing was applied) and why the timeline did not take it, if it did not."""

    plan: actions.Plan
    result: actions.ActionResult | None
    timeline_problem: str = ""


@dataclass
class BackendSignals:
    """The dashboard's cancel/terminate as recovery actions (the backend screen's
    SignalPath): `plan`, `record_plan`, then once confirmed `apply`. Call from threads."""

    recovery: Recovery
    desk: IncidentRecords | None = None

    def plan(
        self, pid: int, action: backends.Signal, protected: Iterable[int], seen_start: Any
    ) -> actions.Plan:
        return self.recovery.plan_signal(pid, action, protected, seen_start)

    def record_plan(self, plan: actions.Plan) -> str:
        """Put the preview on the open incident's timeline; returns the problem, if any."""
        return self._record(lambda desk: desk.record_plan(plan))

    def apply(self, plan: actions.Plan, typed: str) -> SignalOutcome:
        """Apply a confirmed signal; raises a DatabaseError (nothing signalled) if refused."""
        if plan.nothing_to_do:
            return SignalOutcome(plan, None)
        incident = self.desk.incident if self.desk is not None else None
        result = self.recovery.apply(plan, typed, incident_id=incident.id if incident else None)
        problem = self._record(lambda desk: desk.record_result(result))
        return SignalOutcome(plan, result, problem)

    def _record(self, call: Callable[[IncidentRecords], None]) -> str:
        if self.desk is None:
            return ""
        try:
            call(self.desk)
        except Exception as exc:  # the signal's outcome matters more than its record
            return str(exc) if isinstance(exc, DatabaseError) else f"{type(exc).__name__}: {exc}"
        return ""


def signals_of(host: object) -> BackendSignals:
    """The BackendSignals of an app offering `recovery` (a Recovery) and `desk` (the
    incident desk), as IncidentApp does; refused when it offers no recovery path."""
    recovery = getattr(host, "recovery", None)
    if not isinstance(recovery, Recovery):
        raise DatabaseError("this console has no recovery path: nothing was done")
    return BackendSignals(recovery, getattr(host, "desk", None))
