"""The receiver's knobs: the guide's Appendix B plus the service's own limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from console.core.config import Secret, Settings


@dataclass(frozen=True)
class ReceiverConfig:
    """The guide's Appendix B knobs plus the service's own limits."""

    secrets: tuple[str, ...]
    tolerance_seconds: int = 300
    max_event_age_seconds: int = 3_600
    rate_limit_window_ms: int = 60_000
    rate_limit_max_events: int = 100
    pool_min_size: int = 1
    pool_max_size: int = 6
    pool_timeout_seconds: float = 2.0
    statement_timeout_ms: int = 5_000
    max_in_flight: int = 200
    stale_seconds: float = 120.0  # health: an unprocessed event older than this = down
    duplicate_race_seconds: float = 0.2  # the check-to-insert gap the race slips through
    log_path: Path | None = None
    application_name: str = "webhook-receiver"
    connect_timeout_seconds: float = 10.0
    seed: int | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, secrets: Sequence[str | Secret] = (), **overrides: Any
    ) -> ReceiverConfig:
        configured = [s.reveal() for s in settings.webhook_secrets()]
        given = [s if isinstance(s, str) else s.reveal() for s in secrets]
        config = cls(
            secrets=tuple(given or configured),
            tolerance_seconds=settings.webhook_tolerance_seconds,
            max_event_age_seconds=settings.max_event_age_seconds,
            rate_limit_window_ms=settings.rate_limit_window_ms,
            rate_limit_max_events=settings.rate_limit_max_events,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
        return replace(config, **overrides)
