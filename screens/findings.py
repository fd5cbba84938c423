"""What the screens know of a finding: the fields they show, and the one they raise.

Triage (`console.triage`) produces the real findings; the dashboard depends only on
`FindingLike` (the plain ShownFinding that triage's Finding extends), so it runs before
triage loads. At the bottom of `screens/`: panels, views and controllers all read findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias

from console.recording.finding import ShownFinding

# The fields of a finding the dashboard shows: triage's Finding is a ShownFinding measured
# by a detector; a replay reads ShownFindings back, the dashboard raises its own as one.
FindingLike: TypeAlias = ShownFinding


def unreachable_finding(error: str) -> ShownFinding:
    """The guide's P0 'database connection failure', raised when polling cannot connect."""
    return ShownFinding(
        id="db_connection_failure",
        severity="P0",
        title="Database connection failure",
        value="unreachable",
        threshold="reachable",
        runbook="db_connection_failure",
        evidence=(error,),
    )


def sort_findings(findings: Iterable[FindingLike]) -> list[FindingLike]:
    """Most severe first, then by id, so the order is stable between polls."""
    rank = {"P0": 0, "P1": 1, "P2": 2}
    return sorted(findings, key=lambda f: (rank.get(f.severity, 9), f.id))
