"""What the commander's page shows, as one JSON document (pure: no I/O, testable alone).

The page gets this document whenever something other than the timeline changed (the
lead, who is on, an approval, a finding, a step's state) and the timeline entries one by
one as they commit; `document()` is the one place the two views agree on field names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from console.core.jsonable import jsonable
from console.incidents.live import LiveEntry
from console.incidents.model import Incident
from console.incidents.progress import checklists
from console.incidents.session import IncidentView


def incident_json(incident: Incident | None) -> dict[str, Any] | None:
    if incident is None:
        return None
    clock = incident.clock()
    return {**incident.to_json(clock), "phase": clock.phase.title}


def findings_json(findings: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": f.id,
            "severity": f.severity,
            "title": f.title,
            "value": jsonable(f.value),
            "threshold": jsonable(f.threshold),
            "runbook": f.runbook,
        }
        for f in findings
    ]


def document(
    view: IncidentView | None,
    entries: Sequence[LiveEntry],
    *,
    findings: Sequence[Any],
    monitored: str,
    link: str,
    runbooks: Mapping[str, Any],
) -> dict[str, Any]:
    """The page's state: the incident and its people, findings, checklist progress."""
    firing = [f.runbook for f in findings]
    doc: dict[str, Any] = {
        "incident": None,
        "findings": findings_json(findings),
        "severity": min((f.severity for f in findings), default=None),
        "monitored": monitored,
        "link": link,
        "present": [],
        "claims": [],
        "approvals": [],
        "checklists": [],
    }
    if view is None:
        return doc
    doc.update(
        incident=incident_json(view.incident),
        present=[
            {
                "who": p.who,
                "via": p.via,
                "where": " ".join(filter(None, (p.host, p.tty))),
                "screen": p.screen,
            }
            for p in view.present
        ],
        members=dict(view.members),
        claims=[{"runbook": c.runbook, "step": c.step, "who": c.who} for c in view.claims],
        approvals=[
            {
                "id": str(a.id),
                "action_id": a.action_id,
                "rows": a.row_count,
                "why": a.why,
                "reason": a.reason,
                "requested_by": a.requested_by,
                "sample": jsonable(list(a.sample)),
            }
            for a in view.approvals
            if a.waiting
        ],
        checklists=[c.as_json() for c in checklists(runbooks, entries, view.claims, firing)],
    )
    return doc


def entry_json(entry: LiveEntry) -> dict[str, Any]:
    return jsonable(entry.as_json())
