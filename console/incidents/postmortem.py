"""The postmortem draft: an incident's timeline, findings, actions and metrics as Markdown.

The sections follow the widely used blameless template (Google SRE book, "Example
Postmortem"; PagerDuty's postmortem guide): summary, impact, detection, timeline, root
cause, resolution, action items, lessons learned. What the console knows is filled in:
the impact's numbers and the four charts come from the incident's recording (`Evidence`,
see postmortem_report.py), detection and resolution from the timeline. The action items
start from the guide's Post-Incident tasks (Best Practices / Response: document lessons
learned, update procedures, improve monitoring, conduct team review) as open checkboxes
with the questions that make each one concrete, so the review starts from what actually
happened rather than from a blank page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.incidents.escalation import escalation_path
from console.incidents.markdown import cell, duration, line, metrics_table, when
from console.incidents.model import Incident, TimelineEntry
from console.incidents.phases import PHASES_BY_ID

POST_INCIDENT_PROMPTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Document lessons learned",
        (
            "What was the root cause, and what let it reach production?",
            "What made detection or diagnosis slower than it should have been?",
        ),
    ),
    (
        "Update procedures",
        (
            "Which runbook step was missing, wrong or unclear?",
            "Did any recovery action need a correction? Record it in the guide.",
        ),
    ),
    (
        "Improve monitoring",
        (
            "Which alert should have fired earlier, or fired and was ignored?",
            "Which threshold or dashboard panel would have shortened the incident?",
        ),
    ),
    (
        "Conduct team review",
        (
            "Schedule the review with everyone on the timeline below.",
            "Agree owners and dates for each follow-up.",
        ),
    ),
)


@dataclass(frozen=True)
class Evidence:
    """What the incident's recording adds to the draft."""

    recording: str = ""  # the file's name
    impact: Mapping[str, str] = field(default_factory=dict)  # label -> value, in order
    charts: tuple[str, ...] = ()  # Markdown lines (images, relative to the draft)
    first_fired: tuple[datetime, str, str] | None = None  # at, finding id, title
    mitigated_at: datetime | None = None  # every finding clear again
    findings: tuple[str, ...] = ()  # recorded fire/clear lines, when the timeline has none
    note: str = ""  # e.g. why there are no charts


def postmortem_markdown(
    incident: Incident,
    timeline: Sequence[TimelineEntry],
    metrics_before: Any = None,
    metrics_after: Any = None,
    evidence: Evidence | None = None,
) -> str:
    """A postmortem draft for `incident`; metrics may be Snapshots or plain mappings."""
    entries = sorted(timeline, key=lambda e: e.at)
    evidence = evidence or Evidence()
    out = _header(incident, entries, evidence)
    out += ["## Summary", "", line(incident.summary) or "_To be written._", ""]
    out += _impact(evidence)
    out += _detection(incident, entries, evidence)
    out += _timeline(incident, entries)
    out += _root_cause(entries, evidence)
    out += _resolution(incident, entries, evidence)
    out += ["## Charts", ""]
    out += list(evidence.charts) or [f"_{evidence.note or 'No recording of this incident.'}_", ""]
    out += _action_items()
    out += _lessons()
    out += _appendix(entries, metrics_before, metrics_after)
    return "\n".join(out)


def _header(incident: Incident, entries: list[TimelineEntry], evidence: Evidence) -> list[str]:
    end = incident.closed_at or (entries[-1].at if entries else incident.opened_at)
    phase = incident.clock(end).phase
    out: list[str] = [f"# Postmortem: {line(incident.title)}", ""]
    out += [
        "- **Status**: draft (blameless: about systems and decisions, not people)",
        f"- **Severity**: {incident.severity}",
        f"- **Incident commander**: {line(incident.commander)}",
        f"- **Opened**: {when(incident.opened_at)} by {line(incident.opened_by)}",
    ]
    if incident.closed_at:
        out.append(f"- **Closed**: {when(incident.closed_at)} by {line(incident.closed_by)}")
    else:
        out.append("- **Closed**: still open")
    out.append(
        f"- **Duration**: {duration(end - incident.opened_at)} (phase reached: {phase.title})"
    )
    if incident.finding_id:
        out.append(f"- **Opened from finding**: `{incident.finding_id}`")
    if evidence.recording:
        out.append(f"- **Recording**: `{line(evidence.recording)}` (`incident-console replay`)")
    path = " → ".join(escalation_path(incident.issue_type or "code"))
    out += [f"- **Escalation path** ({incident.issue_type or 'code'}): {path}", ""]
    return out


def _impact(evidence: Evidence) -> list[str]:
    out = ["## Impact", ""]
    if evidence.impact:
        out += [f"- **{line(k)}**: {line(v)}" for k, v in evidence.impact.items()]
        out += ["", "_Who was affected, and how (customers, payments, revenue): to be written._"]
    else:
        out.append("_No recording of this incident: see the metrics before and after below._")
    return [*out, ""]


def _detection(incident: Incident, entries: list[TimelineEntry], evidence: Evidence) -> list[str]:
    out = ["## Detection", ""]
    fired = evidence.first_fired
    if fired is None:
        first = next((e for e in entries if e.kind == "finding_fired"), None)
        if first is not None:
            fired = (first.at, str(first.data.get("id") or ""), first.text)
    if fired is not None:
        at, finding_id, title = fired
        lag = incident.opened_at - at
        out.append(f"- {at:%H:%M:%S} the console's `{line(finding_id)}` fired: {line(title)}")
        if lag.total_seconds() >= 0:
            out.append(f"- {incident.opened_at:%H:%M:%S} incident opened, {duration(lag)} later")
        else:
            out.append(
                f"- {incident.opened_at:%H:%M:%S} incident opened, {duration(-lag)} before "
                "the console's first finding (reported by someone first?)"
            )
    else:
        out.append(f"- {incident.opened_at:%H:%M:%S} opened by hand (no finding had fired)")
    out += ["- _Could it have been detected sooner, and by what?_", ""]
    return out


def _timeline(incident: Incident, entries: list[TimelineEntry]) -> list[str]:
    out = ["## Timeline", ""]
    if entries:
        out += ["| Time | +min | Who | What |", "|---|---|---|---|"]
        for e in entries:
            offset = int((e.at - incident.opened_at).total_seconds() // 60)
            out.append(f"| {e.at:%H:%M:%S} | +{offset} | {cell(e.author)} | {cell(_label(e))} |")
    else:
        out.append("_No timeline entries._")
    return [*out, ""]


def _root_cause(entries: list[TimelineEntry], evidence: Evidence) -> list[str]:
    findings = [e for e in entries if e.kind in ("finding_fired", "finding_cleared")]
    lines = [f"- {e.at:%H:%M:%S} {line(e.text)}" for e in findings]
    lines = lines or [f"- {line(text)}" for text in evidence.findings]
    out = ["## Root cause", "", "_To be written: the trigger, and what let it reach production._"]
    out += ["", "What the console saw (findings):", ""]
    out += lines or ["- _None recorded._"]
    return [*out, ""]


def _resolution(incident: Incident, entries: list[TimelineEntry], evidence: Evidence) -> list[str]:
    out = ["## Resolution", ""]
    if evidence.mitigated_at is not None and evidence.first_fired is not None:
        took = evidence.mitigated_at - evidence.first_fired[0]
        out += [
            f"- **Time to mitigation**: {duration(took)} (first finding fired → all clear "
            f"at {evidence.mitigated_at:%H:%M:%S})"
        ]
    if incident.closed_at:
        out.append(f"- **Time to resolution**: {duration(incident.closed_at - incident.opened_at)}")
    out += ["", "### Actions", ""]
    actions = [e for e in entries if e.kind in ("action_planned", "action_applied")]
    applied = [e for e in actions if e.kind == "action_applied"]
    if applied:
        out += [
            "| Time | Action | Outcome | Previewed | Changed | By |",
            "|---|---|---|---|---|---|",
        ]
        for e in applied:
            d = e.data
            outcome = str(d.get("status", ""))
            if d.get("dry_run"):
                outcome += f" (would change {d.get('would_change')})"
            out.append(
                f"| {e.at:%H:%M:%S} | {cell(d.get('action_id'))} | {cell(outcome)} | "
                f"{cell(d.get('previewed'))} | {cell(d.get('changed'))} | {cell(e.author)} |"
            )
        out += ["", "Details:", ""]
        out += [f"- {e.at:%H:%M:%S} {line(e.text)}" for e in applied]
    else:
        out.append("_No recovery action was applied._")
    planned_only = [e for e in actions if e.kind == "action_planned"]
    if planned_only:
        out += ["", "Previewed:", ""]
        out += [f"- {e.at:%H:%M:%S} {line(e.text)} ({line(e.author)})" for e in planned_only]
    return [*out, ""]


def _action_items() -> list[str]:
    out = ["## Action items", ""]
    out += ["| Action item | Type | Owner | Priority | Tracking |", "|---|---|---|---|---|"]
    out += ["| _to be written_ | mitigate / prevent / detect / process | | P? | |", ""]
    out += ["The guide's Response / Post-Incident tasks:", ""]
    for task, questions in POST_INCIDENT_PROMPTS:
        out.append(f"- [ ] **{task}**")
        out += [f"  - {q}" for q in questions]
    return [*out, ""]


def _lessons() -> list[str]:
    out = ["## Lessons learned", ""]
    for heading in ("What went well", "What went wrong", "Where we got lucky"):
        out += [f"### {heading}", "", "- _To be written._", ""]
    return out


def _appendix(entries: list[TimelineEntry], before: Any, after: Any) -> list[str]:
    out: list[str] = []
    steps = [e for e in entries if e.kind == "step"]
    if steps:
        out += ["## Runbook steps", ""]
        out += [f"- {e.at:%H:%M:%S} {line(e.text)} ({line(e.author)})" for e in steps]
        out.append("")
    out += ["## Metrics before and after", "", *metrics_table(before, after), ""]
    notes = [e for e in entries if e.kind == "note"]
    out += ["## Notes", ""]
    out += [f"- {e.at:%H:%M:%S} **{line(e.author)}**: {line(e.text)}" for e in notes] or ["_None._"]
    return [*out, ""]


def _label(entry: TimelineEntry) -> str:
    if entry.kind == "phase":
        phase = PHASES_BY_ID.get(str(entry.data.get("phase", "")))
        return f"phase → {phase.title}" if phase else entry.text
    return entry.text
