"""Where one console's own state lives: the state database, the local folder, the limits.

The incident store, the shared incident and the screens' incident desk all need the same
four things; they take this one frozen value instead of repeating four keywords, so a new
one (another limit, another folder) is added in one place and handed down unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from console.core.config import Settings
from console.core.db import SessionLimits
from console.core.state import default_state_dir


@dataclass(frozen=True)
class StatePlace:
    """`dsn` None: no state database (the local fallback only)."""

    dsn: str | None
    settings: Settings | None = None
    local_dir: Path | None = None  # None: the default state directory
    limits: SessionLimits | None = None  # None: the default limits

    @property
    def folder(self) -> Path:
        return self.local_dir or default_state_dir()

    @property
    def session_limits(self) -> SessionLimits:
        return self.limits or SessionLimits()
