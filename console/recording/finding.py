"""A finding as the dashboard shows it: the one definition of a finding's fields.

Triage's Finding extends it (measured by a detector); replay reads findings back from a
recording into it; the live dashboard raises its own (the database unreachable) as one.
It needs nothing from triage, so neither the replay nor the dashboard's start loads the
detectors for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ShownFinding:
    """A finding as the dashboard shows it (its FindingLike): read back from a recording,
    or raised by the dashboard itself when there is no Snapshot to triage."""

    id: str
    severity: str
    title: str
    value: Any
    threshold: Any
    runbook: str
    evidence: Any = field(default_factory=dict)
    since: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShownFinding:
        since = data.get("since")
        return cls(
            id=str(data.get("id", "")),
            severity=str(data.get("severity", "")),
            title=str(data.get("title", "")),
            value=data.get("value"),
            threshold=data.get("threshold"),
            runbook=str(data.get("runbook", "")),
            evidence=data.get("evidence") or {},
            since=datetime.fromisoformat(since) if isinstance(since, str) else None,
        )
