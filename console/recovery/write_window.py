"""Accountable write mode: a write needs a reason and lasts a bounded time.

`--allow-write` alone used to leave a console able to write for as long as it ran, for no
recorded reason. A write window has a typed reason (kept in every audit record written
under it and on the incident's timeline), an end (default 30 minutes), after which the
console is read-only again and says so. Headless, one command is the window: its
`--reason` goes with the write, and a write without one is refused before anything runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from console.core.state import InputError, check_text
from console.recovery.errors import ActionRefused

DEFAULT_MINUTES = 30.0
MAX_MINUTES = 8 * 60.0
MAX_REASON = 500


class ReasonRequired(ActionRefused):
    """A write was asked for without a reason, or with one that cannot be kept."""


def check_reason(reason: str | None, *, how: str = "add --reason TEXT") -> str:
    """The reason as kept, or ReasonRequired: one line saying how to give one."""
    text = (reason or "").strip()
    if not text:
        raise ReasonRequired(
            "a write needs a reason (kept in the audit log and on the timeline)", how
        )
    try:
        return check_text(text, "the reason", max_length=MAX_REASON)
    except InputError as exc:
        raise ReasonRequired(str(exc), how) from None


def check_minutes(minutes: float) -> float:
    if not 0 < minutes <= MAX_MINUTES:
        raise ActionRefused(
            f"a write window lasts more than 0 and at most {MAX_MINUTES:.0f} minutes, "
            f"not {minutes:g}",
            "pass --write-minutes N",
        )
    return minutes


@dataclass
class WriteWindow:
    """One window in which the console may write: who, why, until when."""

    reason: str
    operator: str
    minutes: float = DEFAULT_MINUTES
    opened_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _deadline: float = field(default=0.0, repr=False)
    ended_early: bool = False

    def __post_init__(self) -> None:
        self.reason = check_reason(self.reason)
        check_minutes(self.minutes)
        self._deadline = time.monotonic() + self.minutes * 60

    @property
    def ends_at(self) -> datetime:
        return self.opened_at + timedelta(minutes=self.minutes)

    def remaining(self) -> float:
        """Seconds left (0 once it ended)."""
        if self.ended_early:
            return 0.0
        return max(0.0, self._deadline - time.monotonic())

    def active(self) -> bool:
        return self.remaining() > 0

    def end(self) -> None:
        self.ended_early = True

    def countdown(self) -> str:
        """'WRITE 29:59' as the status bar shows it; '' once it ended."""
        left = int(self.remaining())
        if left <= 0:
            return ""
        return f"{left // 60:d}:{left % 60:02d}"

    def describe(self) -> str:
        return (
            f"write window opened by {self.operator} until {self.ends_at:%H:%M:%S} UTC "
            f"({self.minutes:g} min): {self.reason}"
        )

    def audit_detail(self) -> dict[str, object]:
        return {
            "reason": self.reason,
            "opened_at": self.opened_at,
            "ends_at": self.ends_at,
            "minutes": self.minutes,
        }
