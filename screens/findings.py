"""What the screens know of a finding: the fields they show, and the one they raise.

Triage (`console.triage`) produces the real findings; the dashboard depends only on the
`FindingLike` protocol, so it runs before triage loads (or exists). At the bottom of
`screens/`: panels, views and controllers all read findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from console.recording.finding import ShownFinding


class FindingLike(Protocol):
    """The fields of a triage Finding the dashboard shows."""

    @property
    def id(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def value(self) -> Any: ...
    @property
    def threshold(self) -> Any: ...
    @property
    def runbook(self) -> str: ...
    @property
    def evidence(self) -> Any: ...


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
