"""What a check may use: settings, an optional read-only connection, pasted inputs."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from console.checks.result import CheckResult
from console.core.config import Settings


@dataclass(frozen=True)
class CheckContext:
    """Handed to every check. `inputs` holds what the operator pasted (never logged).

    `allow_live` must be set explicitly before a check may send anything to an endpoint
    that looks like live mode (RELIABILITY 5).
    """

    settings: Settings
    conn: Any = None  # psycopg.AsyncConnection, read-only; None when there is no database
    inputs: Mapping[str, str] = field(default_factory=dict)
    allow_live: bool = False
    http_timeout: float = 5.0
    clock: Callable[[], float] = time.time


CheckFn = Callable[..., Awaitable[CheckResult]]
