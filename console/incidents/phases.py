"""The guide's phase clock: where an incident should be, counted from when it was opened.

Best Practices / Response gives four phases: Immediate Response (0-5 min),
Investigation (5-30 min), Resolution (30 min-2 h), Post-Incident (2-24 h). The clock only
says where the guide expects the team to be; an operator records the phase they are
actually in on the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Phase:
    id: str
    title: str
    starts: timedelta
    ends: timedelta
    tasks: tuple[str, ...]


PHASES: tuple[Phase, ...] = (
    Phase(
        "immediate",
        "Immediate Response",
        timedelta(0),
        timedelta(minutes=5),
        (
            "Assess severity and impact",
            "Notify relevant team members",
            "Implement temporary fixes if needed",
        ),
    ),
    Phase(
        "investigation",
        "Investigation",
        timedelta(minutes=5),
        timedelta(minutes=30),
        ("Analyze logs and metrics", "Identify root cause", "Document findings"),
    ),
    Phase(
        "resolution",
        "Resolution",
        timedelta(minutes=30),
        timedelta(hours=2),
        (
            "Implement permanent fix",
            "Test solution thoroughly",
            "Deploy to production",
            "Monitor for issues",
        ),
    ),
    Phase(
        "post_incident",
        "Post-Incident",
        timedelta(hours=2),
        timedelta(hours=24),
        (
            "Document lessons learned",
            "Update procedures",
            "Improve monitoring",
            "Conduct team review",
        ),
    ),
)
PHASES_BY_ID = {p.id: p for p in PHASES}


@dataclass(frozen=True)
class PhaseClock:
    """Where the guide says we should be, `elapsed` after opening."""

    phase: Phase
    elapsed: timedelta
    remaining: timedelta  # until the phase's end (negative once past 24 h)

    @property
    def overdue(self) -> bool:
        return self.remaining < timedelta(0)

    def describe(self) -> str:
        minutes = int(self.elapsed.total_seconds() // 60)
        if self.overdue:
            return f"{self.phase.title} — {minutes} min since opening, past the guide's 24 h"
        left = int(self.remaining.total_seconds() // 60)
        return f"{self.phase.title} — {minutes} min in, {left} min left in this phase"


def phase_at(opened_at: datetime, now: datetime | None = None) -> PhaseClock:
    """The guide's phase for an incident opened at `opened_at`."""
    now = now or datetime.now(UTC)
    elapsed = max(now - opened_at, timedelta(0))
    phase = next((p for p in PHASES if elapsed < p.ends), PHASES[-1])
    return PhaseClock(phase=phase, elapsed=elapsed, remaining=phase.ends - elapsed)
