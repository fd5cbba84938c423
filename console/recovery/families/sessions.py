"""Session signals: cancel a backend's query or terminate the backend, one pid at a time.

The same two actions serve a runbook step and the dashboard's backend screen
(console.recovery.backends adds the dashboard's own refusals).
"""

from __future__ import annotations

from console.recovery.model import ActionSpec, make_spec
from console.recovery.params import PID

_GUARD = (
    "Refuses the console's own session, and signals only if the pid still belongs to the "
    "previewed session (same backend_start)."
)


def _signal_spec(action_id: str, title: str, effect: str) -> ActionSpec:
    return make_spec(
        id=action_id,
        title=title,
        description=f"{effect} {_GUARD}",
        preview=f"recovery/{action_id}_preview",
        apply=f"recovery/{action_id}",
        verify=f"recovery/{action_id}_preview",
        key="pid",
        batch_size=1,
        param_types={"pid": PID},
        kind="backend",
        carry=("backend_start",),
        findings=("db_connection_failure", "performance_degradation"),
    )


SPECS: tuple[ActionSpec, ...] = (
    _signal_spec(
        "cancel_backend",
        "Cancel a backend's query",
        "Cancels the current query of one session (pg_cancel_backend); the session stays "
        "connected.",
    ),
    _signal_spec(
        "terminate_backend",
        "Terminate a backend",
        "Ends one session (pg_terminate_backend): its transaction rolls back and its locks "
        "are released.",
    ),
)
