"""The checks before anything is written: signature, event age, rate limit.

In the guide's order: a bad signature (explicit tolerance) or a body that is not an event
is refused first, then an event older than `max_event_age_seconds`, then a delivery over
the in-memory rate limit. A refusal says which error, if any, goes on the event's row.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from console.checks.signature import verify
from console.sim.events import (
    EVENT_TOO_OLD,
    MALFORMED_REQUEST,
    RATE_LIMIT_EXCEEDED,
    EventInfo,
    Outcome,
)
from console.sim.receiver.config import ReceiverConfig


class RateLimiter:
    """The guide's in-memory limiter: at most `limit` accepted deliveries per window."""

    def __init__(self, window_seconds: float, limit: int) -> None:
        self.window = window_seconds
        self.limit = limit
        self._times: deque[float] = deque()

    def allow(self, now: float) -> bool:
        while self._times and self._times[0] <= now - self.window:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return False
        self._times.append(now)
        return True


@dataclass(frozen=True)
class Refusal:
    """The answer to a refused delivery; `record` is the error for the event's row (or None)."""

    outcome: Outcome
    record: str | None = None


class Gate:
    """Signature, age and rate checks of one receiver (the limiter's window is its state)."""

    def __init__(self, config: ReceiverConfig) -> None:
        self.config = config
        self._limiter = self._new_limiter()

    def _new_limiter(self) -> RateLimiter:
        return RateLimiter(
            self.config.rate_limit_window_ms / 1000, self.config.rate_limit_max_events
        )

    def reset_rate_limit(self) -> None:
        """Forget the limiter's window, as restarting a service with an in-memory one does."""
        self._limiter = self._new_limiter()

    def check(
        self, body: bytes, header: str | None, event: EventInfo | None, now: float
    ) -> Refusal | None:
        """None when the delivery may be recorded and processed; else why not."""
        signed = verify(
            body,
            header,
            self.config.secrets,
            tolerance_seconds=self.config.tolerance_seconds,
            now=now,
        )
        if not signed.ok:
            record = signed.message if event is not None else None
            return Refusal(Outcome(400, signed.message, note=signed.detail), record)
        if event is None or event.created is None:
            return Refusal(Outcome(400, MALFORMED_REQUEST))
        age = now - event.created
        if age > self.config.max_event_age_seconds:
            return Refusal(
                Outcome(400, EVENT_TOO_OLD, note=f"created {age:.0f} s ago"), EVENT_TOO_OLD
            )
        if not self._limiter.allow(now):
            return Refusal(Outcome(429, RATE_LIMIT_EXCEEDED), RATE_LIMIT_EXCEEDED)
        return None
