"""What happened in a recording, without replaying it: the findings' fire and clear times,
the incident, its recorded phases and the timeline. The headless replay prints this; the
drill built from a recording and the postmortem read it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.recording import format as fmt
from console.recording.recording import Recording


@dataclass(frozen=True)
class Episode:
    """One finding lit from `fired_at` until `cleared_at` (None: still lit at the end)."""

    id: str
    severity: str
    title: str
    runbook: str
    fired_at: datetime
    cleared_at: datetime | None

    def to_json(self, end: datetime | None = None) -> dict[str, Any]:
        until = self.cleared_at or end
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "runbook": self.runbook,
            "fired_at": self.fired_at.isoformat(),
            "cleared_at": self.cleared_at.isoformat() if self.cleared_at else None,
            "lit_seconds": round((until - self.fired_at).total_seconds(), 1) if until else None,
        }


def episodes(recording: Recording) -> list[Episode]:
    """Every firing of every finding, in the order they fired."""
    open_: dict[str, dict[str, Any]] = {}
    out: list[tuple[datetime, Episode]] = []
    for event in recording.events:
        if event.kind == fmt.FIRED:
            open_[event.finding_id] = {"at": event.at, **(event.data.get("finding") or {})}
        elif event.kind == fmt.CLEARED and event.finding_id in open_:
            out.append((event.at, _episode(open_.pop(event.finding_id), event.at)))
    out += [(data["at"], _episode(data, None)) for data in open_.values()]
    return [episode for _, episode in sorted(out, key=lambda pair: pair[1].fired_at)]


def _episode(data: dict[str, Any], cleared: datetime | None) -> Episode:
    return Episode(
        id=str(data.get("id", "")),
        severity=str(data.get("severity", "")),
        title=str(data.get("title", "")),
        runbook=str(data.get("runbook", "")),
        fired_at=data["at"],
        cleared_at=cleared,
    )


def incident_of(recording: Recording) -> dict[str, Any] | None:
    """The incident as last recorded (opened, handed over, closed), if any."""
    found = [e.data.get("incident") for e in recording.events_of(fmt.INCIDENT)]
    return dict(found[-1]) if found and found[-1] else None


def recorded_phases(recording: Recording) -> list[dict[str, Any]]:
    """Phase changes the team recorded, in order."""
    out = []
    for event in recording.events:
        if event.kind == fmt.PHASE:
            phase = event.data.get("phase")
            out.append({"phase": phase, "title": event.data.get("title") or phase})
            out[-1]["at"] = event.at.isoformat()
        elif event.kind == fmt.ENTRY and (event.data.get("entry") or {}).get("kind") == "phase":
            entry = event.data["entry"]
            phase = (entry.get("data") or {}).get("phase")
            out.append({"phase": phase, "title": entry.get("text"), "at": event.at.isoformat()})
    return out


def timeline(recording: Recording) -> list[dict[str, Any]]:
    """Every event in order, as one line each."""
    return [
        {"at": e.at.isoformat(), "kind": e.kind, "text": e.text}
        for e in recording.events
        if e.kind != fmt.ERROR
    ]


def document(recording: Recording) -> dict[str, Any]:
    """The headless replay's JSON document (phases by the guide's clock are added by the
    command, which knows the incident model)."""
    header = recording.header
    start, end = recording.start, recording.end
    damage = recording.damage
    return {
        "file": str(recording.path),
        "format_version": header.get("version"),
        "console_version": header.get("console_version"),
        "source": header.get("source") or {},
        "started_at": start.isoformat() if start else None,
        "ended_at": end.isoformat() if end else None,
        "duration_seconds": round((end - start).total_seconds(), 1) if start and end else 0.0,
        "snapshots": len(recording),
        "complete": damage is None,
        "damage": (
            None
            if damage is None
            else {
                "kind": damage.kind,
                "message": damage.message,
                "offset": damage.offset,
                "record": damage.record,
            }
        ),
        "poll_errors": len(recording.events_of(fmt.ERROR)),
        "findings": [e.to_json(end) for e in episodes(recording)],
        "incident": incident_of(recording),
        "phases": recorded_phases(recording),
        "timeline": timeline(recording),
    }
