"""Preview and apply of recovery actions for the screens, over short-lived connections.

`console.recovery.actions` is synchronous (psycopg), so these run in thread workers, never on the
UI loop. Each call opens its own connection and closes it: a preview is read-only
whatever the console's mode; an apply opens a writer only when the console was started
with `--allow-write`, and `actions.apply` re-checks the typed token, the plan's expiry
and the session's write mode itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.core.audit import AuditLog, current_operator
from console.core.config import Settings
from console.core.db import ReadOnlyError, SessionLimits, connect_sync
from console.recovery import actions, router
from console.runbooks.model import ActionStep, fill_error_patterns

READ_ONLY_HELP = (
    "This console is read-only: recovery actions need a session that can write. "
    "Quit (q) and start it again with --allow-write to apply this preview."
)


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

    def who(self) -> str:
        return self.operator or current_operator()

    def plan(self, step: ActionStep, settings: Settings, params: Mapping[str, Any] = ()) -> Any:
        """Preview a runbook's action step (with operator-chosen `params`, e.g. a pid)."""
        given = {**fill_error_patterns(step.params, settings.error_patterns), **dict(params)}
        with connect_sync(self.dsn, limits=self.limits, role="preview") as conn:
            return router.plan(
                conn, step.action, given, settings=settings, ttl_seconds=self.ttl_seconds
            )

    def apply(
        self,
        plan: Any,
        typed: str,
        *,
        on_progress: Callable[[actions.Progress], None] | None = None,
        incident_id: uuid.UUID | None = None,
    ) -> actions.ActionResult:
        """Apply a previewed plan; raises a DatabaseError (nothing written) when refused."""
        if not self.allow_write:
            raise ReadOnlyError(READ_ONLY_HELP)
        audit = AuditLog(state_dsn=self.state_dsn or self.dsn, local_dir=self.local_dir)
        try:
            with connect_sync(
                self.dsn, allow_write=True, limits=self.limits, role="action"
            ) as conn:
                return router.apply(
                    conn,
                    plan,
                    typed,
                    on_progress=on_progress,
                    audit=audit,
                    operator=self.who(),
                    incident_id=incident_id,
                )
        finally:
            audit.close()
