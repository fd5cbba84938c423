"""An incident and its timeline entries, as values, and how they are read back from rows.

Rows come from the state database (datetimes, jsonb as dicts) or from the local JSONL
fallback (ISO strings, JSON text); both read into the same frozen values. Ids are made
on the client (uuid4), so a record written locally and pushed later is the same record.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.core.db import DatabaseError
from console.core.state import INCIDENT_COLUMNS
from console.incidents.phases import PhaseClock, phase_at

SEVERITIES = ("P0", "P1", "P2")


ENTRY_KINDS = (
    "opened",
    "finding_fired",
    "finding_cleared",
    "step",
    "action_planned",
    "action_applied",
    "note",
    "phase",
    "commander",
    "closed",
    # live sharing (console/incidents/session.py): a step claimed, a role set, the
    # two-person rule's requests and decisions
    "step_started",
    "role",
    "approval",
)


class IncidentError(DatabaseError, kind="incident"):
    """No state database, no such incident, or nowhere left to record one."""


@dataclass(frozen=True)
class Incident:
    id: uuid.UUID
    title: str
    severity: str
    commander: str
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    summary: str = ""
    finding_id: str | None = None
    issue_type: str | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def clock(self, now: datetime | None = None) -> PhaseClock:
        return phase_at(self.opened_at, now)

    def columns(self) -> dict[str, Any]:
        """The incident as the `incidents` table's columns."""
        return {c: getattr(self, c) for c in INCIDENT_COLUMNS}

    def to_json(self, clock: PhaseClock | None = None) -> dict[str, Any]:
        """Who leads it, since when, and how far along (`clock`: the phase the caller
        shows): the part every reader shows (`incident --json`, the commander's page)."""
        clock = clock or self.clock()
        return {
            "id": str(self.id),
            "title": self.title,
            "severity": self.severity,
            "commander": self.commander,
            "opened_by": self.opened_by,
            "opened_at": self.opened_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "phase_text": clock.describe(),
        }


@dataclass(frozen=True)
class TimelineEntry:
    id: uuid.UUID
    incident_id: uuid.UUID
    at: datetime
    kind: str
    author: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)


def incident_from(row: Mapping[str, Any]) -> Incident:
    def when(value: Any) -> datetime | None:
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    opened = when(row["opened_at"])
    assert opened is not None
    return Incident(
        id=uuid.UUID(str(row["id"])),
        title=row["title"],
        severity=row["severity"],
        commander=row["commander"],
        opened_by=row["opened_by"],
        opened_at=opened,
        closed_at=when(row.get("closed_at")),
        closed_by=row.get("closed_by"),
        summary=row.get("summary") or "",
        finding_id=row.get("finding_id"),
        issue_type=row.get("issue_type"),
    )


def entry_from(row: Mapping[str, Any]) -> TimelineEntry:
    at = row["at"]
    data = row.get("data") or {}
    return TimelineEntry(
        id=uuid.UUID(str(row["id"])),
        incident_id=uuid.UUID(str(row["incident_id"])),
        at=datetime.fromisoformat(at) if isinstance(at, str) else at,
        kind=row["kind"],
        author=row["author"],
        text=row["text"],
        data=json.loads(data) if isinstance(data, str) else dict(data),
    )


def entries_of(timeline: Sequence[TimelineEntry], *kinds: str) -> list[TimelineEntry]:
    return [e for e in timeline if e.kind in kinds]
