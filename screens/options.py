"""What one dashboard is built with: `IncidentApp` and every controller it composes.

One frozen value passed whole, so an option is a field here and a read where it is used,
not a keyword threaded through the app, the presenter and each controller in turn. The
console, training, replay and the tests each build one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from console.core.config import Settings
from console.core.db import SessionLimits

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DashboardOptions:
    """The dashboard's options; the defaults are a read-only console without a database."""

    environment: str = ""  # the status bar's label: production, training, REPLAY file
    db_host: str = ""
    dsn: str | None = None  # the monitored database; None: nothing to connect to (replay)
    allow_write: bool = False  # --allow-write: write windows may be opened
    interval: float = 2.0
    clock: Clock = utc_now
    poll_timeout: float = 30.0
    max_backoff: float = 30.0
    limits: SessionLimits | None = None
    confirm_expiry: float = 60.0
    handle_signals: bool = False  # SIGTERM / SIGHUP end the app cleanly (a real terminal)
    settings: Settings = field(default_factory=Settings)
    state_dsn: str | None = None
    state_dir: Path | None = None  # local state files (no state database): plans, audit
    report_dir: Path | None = None
    plan_ttl: float | None = None
    step_timeout: float = 30.0
    operator: str = ""  # '' : the OS user (console.core.audit.current_operator)

    @property
    def state_database(self) -> str | None:
        """The console's state database: its own URL, else the monitored database."""
        return self.state_dsn or self.dsn
