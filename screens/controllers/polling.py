"""The poll loop's state, kept pure so its rules (backoff, what to say) are testable.

Polls never overlap: the next one is scheduled only after the previous finished. After a
failure the delay doubles up to a ceiling; the status bar counts it down as
"reconnecting in N s" while the UI keeps answering keys.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from console.core.db import DatabaseError
from console.metrics.snapshot import Snapshot

# Re-exported for the modules that still import it from here (screens.failures owns it).
from screens.failures import describe_failure as describe_failure
from screens.findings import FindingLike, unreachable_finding

INTERVALS: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
UNREACHABLE_KINDS = frozenset({"unreachable", "lost", "no_answer", "unconfigured"})


class NoAnswer(DatabaseError):
    """The poll did not finish within the console's own deadline."""

    kind = "no_answer"


def next_interval(current: float, step: int) -> float:
    """The next refresh interval up (`step`=1) or down (-1) the fixed ladder."""
    below = [i for i, v in enumerate(INTERVALS) if v <= current]
    index = below[-1] if below else 0
    return INTERVALS[max(0, min(len(INTERVALS) - 1, index + step))]


@dataclass
class PollState:
    interval: float = 2.0
    max_backoff: float = 30.0
    snapshot: Snapshot | None = None
    findings: Sequence[FindingLike] = ()
    findings_error: str | None = None
    error: str | None = None
    error_kind: str = ""
    failures: int = 0
    next_attempt_at: datetime | None = None
    polling_since: datetime | None = None
    paused: bool = False
    event_filter: str = ""
    polls: int = field(default=0)

    def backoff(self) -> float:
        """Seconds to wait after the `failures`-th failure in a row."""
        base = max(1.0, self.interval)
        return min(self.max_backoff, base * 2 ** max(0, self.failures - 1))

    def succeeded(
        self, snapshot: Snapshot, findings: Sequence[FindingLike], findings_error: str | None
    ) -> None:
        self.snapshot, self.findings, self.findings_error = snapshot, findings, findings_error
        self.error, self.error_kind, self.failures = None, "", 0
        self.polling_since = None
        self.polls += 1

    def failed(self, kind: str, message: str, now: datetime) -> float:
        """Record a failure; returns the delay before the next attempt."""
        self.error, self.error_kind = message, kind
        self.failures += 1
        self.polling_since = None
        delay = self.backoff()
        self.next_attempt_at = now + timedelta(seconds=delay)
        return delay

    def shown_findings(self) -> Sequence[FindingLike]:
        if self.error and self.error_kind in UNREACHABLE_KINDS:
            return [unreachable_finding(self.error), *self.findings]
        return self.findings

    def connection_text(self, now: datetime) -> str:
        """What the status bar says about the database; empty when all is well."""
        if self.error:
            down = self.error_kind in UNREACHABLE_KINDS
            label, verb = ("DB DOWN", "reconnecting") if down else ("POLL FAILED", "retrying")
            if self.polling_since is not None:
                return f"{label}: {verb}…"
            if self.next_attempt_at is not None:
                left = max(0, math.ceil((self.next_attempt_at - now).total_seconds()))
                return f"{label}: {verb} in {left} s"
            return label
        if self.polling_since is not None:
            waited = (now - self.polling_since).total_seconds()
            if waited >= max(2.0, self.interval):
                return f"waiting for database {math.floor(waited)} s"
        return ""
