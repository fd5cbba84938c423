"""Session signals: cancel a backend's query or terminate the backend, one pid at a time.

The same two actions serve a runbook step and the dashboard's backend screen
(console.recovery.backends adds the dashboard's own refusals). Both share one preview and
one write (sql/recovery/signal_backend*.sql); the write's signal is the action's own
(`fixed`), so the audit's action id says which signal was sent.
"""

from __future__ import annotations

from console.recovery.model import ActionSpec, make_spec
from console.recovery.params import PID

SIGNALS = ("cancel", "terminate")

_GUARD = (
    "Refuses the console's own session, and signals only if the pid still belongs to the "
    "previewed session (same backend_start)."
)


def _signal_spec(signal: str, title: str, effect: str) -> ActionSpec:
    if signal not in SIGNALS:
        raise ValueError(f"unknown backend signal {signal!r}: one of {', '.join(SIGNALS)}")
    return make_spec(
        id=f"{signal}_backend",
        title=title,
        description=f"{effect} {_GUARD}",
        preview="recovery/signal_backend_preview",
        apply="recovery/signal_backend",
        verify="recovery/signal_backend_preview",
        key="pid",
        batch_size=1,
        param_types={"pid": PID},
        kind="backend",
        carry=("backend_start",),
        fixed={"signal": signal},
        findings=("db_connection_failure", "performance_degradation"),
    )


SPECS: tuple[ActionSpec, ...] = (
    _signal_spec(
        "cancel",
        "Cancel a backend's query",
        "Cancels the current query of one session (pg_cancel_backend); the session stays "
        "connected.",
    ),
    _signal_spec(
        "terminate",
        "Terminate a backend",
        "Ends one session (pg_terminate_backend): its transaction rolls back and its locks "
        "are released.",
    ),
)
