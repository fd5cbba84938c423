"""Who to involve: the guide's escalation matrix, by issue type and by the phase clock.

The matrix (settings `[escalation]`, the guide's by default) has four issue types; a
finding maps to one of them, anything else is a code issue.
"""

from __future__ import annotations

from collections.abc import Sequence

from console.core.config import GUIDE_ESCALATION, Settings
from console.incidents.phases import PhaseClock

ISSUE_TYPE_BY_FINDING: dict[str, str] = {
    "security_anomaly": "security",
    "signature_failures": "security",
    "event_age_failures": "security",
    "db_connection_failure": "infrastructure",
    "performance_degradation": "infrastructure",
    "processing_down": "infrastructure",
    "payments_not_processing": "business",
    "inconsistent_orders": "business",
    "stuck_orders": "business",
}


def issue_type_for(finding_id: str | None) -> str:
    """The escalation row of a finding: the guide's matrix has four issue types."""
    return ISSUE_TYPE_BY_FINDING.get(finding_id or "", "code")


def escalation_path(issue_type: str, settings: Settings | None = None) -> tuple[str, ...]:
    matrix = settings.escalation if settings else GUIDE_ESCALATION
    return tuple(matrix.get(issue_type) or matrix.get("code") or GUIDE_ESCALATION["code"])


def levels_text(people: Sequence[str]) -> str:
    """`L1 alice, L2 bob`: an escalation path as the manual step and its checklist say it."""
    return ", ".join(f"L{i} {who}" for i, who in enumerate(people, start=1))


def escalation_level(clock: PhaseClock) -> int:
    """Which level to involve now. The guide gives no times; the console's rule is: level 1
    while investigating, level 2 once resolution is under way, level 3 past two hours."""
    return {"immediate": 1, "investigation": 1, "resolution": 2}.get(clock.phase.id, 3)
