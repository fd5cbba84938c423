"""Accountable write mode: a write needs a reason and lasts a bounded time.

`--allow-write` alone used to leave a console able to write for as long as it ran, for no
recorded reason. A write window has a typed reason (kept in every audit record written
under it and on the incident's timeline), an end (default 30 minutes), after which the
console is read-only again and says so. Headless, one command is the window: its
`--reason` goes with the write, and a write without one is refused before anything runs.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from console.core.jsonable import pick
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
    # As console.core.state.check_text, without its import of psycopg: the dashboard
    # builds a WriteMode before its first frame.
    if "\x00" in text:
        raise ReasonRequired("the reason contains a NUL character (\\0); remove it", how)
    if len(text) > MAX_REASON:
        raise ReasonRequired(f"the reason is longer than {MAX_REASON} characters", how)
    return text


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
        """The time left as the status bar shows it: '30m', in the last minute '45 s';
        '' once it ended. Whole minutes, rounded up, so it does not flicker each second."""
        left = self.remaining()
        if left <= 0:
            return ""
        if left < 60:
            return f"{math.ceil(left)} s"
        minutes = math.ceil(left / 60)
        return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"

    def describe(self) -> str:
        return (
            f"write window opened by {self.operator} until {self.ends_at:%H:%M:%S} UTC "
            f"({self.minutes:g} min): {self.reason}"
        )

    def audit_detail(self) -> dict[str, object]:
        return pick(self, "reason", "opened_at", "ends_at", "minutes")


@dataclass
class WriteMode:
    """The console's write permission (`--allow-write`) and its current window, if any.

    `permitted` is the flag the console was started with; `writable` is true only inside
    an open window. A console started read-only never opens one.
    """

    permitted: bool
    operator: str
    minutes: float = DEFAULT_MINUTES
    window: WriteWindow | None = None

    @property
    def writable(self) -> bool:
        return self.permitted and self.window is not None and self.window.active()

    @property
    def reason(self) -> str:
        return self.window.reason if self.writable and self.window else ""

    def open(self, reason: str) -> WriteWindow:
        """A new window (ReasonRequired without a reason; refused on a read-only console)."""
        if not self.permitted:
            raise ActionRefused(
                "this console was started read-only: it opens no write window",
                "quit and start it again with --allow-write",
            )
        self.window = WriteWindow(reason, self.operator, self.minutes)
        return self.window

    def end(self) -> WriteWindow | None:
        """End the open window now; returns it (None when none was open)."""
        window, self.window = self.window, None
        if window is not None:
            window.end()
        return window

    def ran_out(self) -> WriteWindow | None:
        """The window whose time ran out since the last call (then it is closed)."""
        if self.window is not None and not self.window.active():
            window, self.window = self.window, None
            return window
        return None

    def countdown(self) -> str:
        return self.window.countdown() if self.writable and self.window else ""
