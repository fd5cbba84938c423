"""The postmortem draft: an incident's timeline, findings, actions and metrics as Markdown.

The draft ends with the guide's Post-Incident tasks (Best Practices / Response: document
lessons learned, update procedures, improve monitoring, conduct team review) as open
checkboxes with the questions that make each one concrete, so the review starts from
what actually happened rather than from a blank page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from console.incidents.escalation import escalation_path
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

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped, no control chars."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub(" ", text.replace("\r", " ").replace("\n", " "))
    return text.replace("|", "\\|").strip()


def _line(value: Any) -> str:
    return _CONTROL.sub(" ", "" if value is None else str(value).replace("\n", " ")).strip()


def _time(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if data is None:
        return {}
    if hasattr(data, "metrics_json") and callable(data.metrics_json):
        data = data.metrics_json()
    if not isinstance(data, Mapping):
        return {prefix or "value": data}
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(_flatten(value, name))
        else:
            out[name] = value
    return out


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return _cell(value)


def _metrics_table(before: Any, after: Any) -> list[str]:
    b, a = _flatten(before), _flatten(after)
    names = list(dict.fromkeys([*b, *a]))
    if not names:
        return ["_No metrics were captured._"]
    lines = ["| Metric | Before | After |", "|---|---|---|"]
    for name in names:
        lines.append(
            f"| {_cell(name)} | {_number(b.get(name, '—'))} | {_number(a.get(name, '—'))} |"
        )
    return lines


def postmortem_markdown(
    incident: Incident,
    timeline: Sequence[TimelineEntry],
    metrics_before: Any = None,
    metrics_after: Any = None,
) -> str:
    """A postmortem draft for `incident`; metrics may be Snapshots or plain mappings."""
    entries = sorted(timeline, key=lambda e: e.at)
    end = incident.closed_at or (entries[-1].at if entries else incident.opened_at)
    phase = incident.clock(end).phase
    out: list[str] = [f"# Postmortem: {_line(incident.title)}", ""]
    out += [
        f"- **Severity**: {incident.severity}",
        f"- **Incident commander**: {_line(incident.commander)}",
        f"- **Opened**: {_time(incident.opened_at)} by {_line(incident.opened_by)}",
    ]
    if incident.closed_at:
        out.append(f"- **Closed**: {_time(incident.closed_at)} by {_line(incident.closed_by)}")
    else:
        out.append("- **Closed**: still open")
    out.append(
        f"- **Duration**: {_duration(end - incident.opened_at)} (phase reached: {phase.title})"
    )
    if incident.finding_id:
        out.append(f"- **Opened from finding**: `{incident.finding_id}`")
    path = " → ".join(escalation_path(incident.issue_type or "code"))
    out += [f"- **Escalation path** ({incident.issue_type or 'code'}): {path}", ""]

    out += ["## Summary", "", _line(incident.summary) or "_To be written._", ""]

    out += ["## Timeline", ""]
    if entries:
        out += ["| Time | +min | Who | What |", "|---|---|---|---|"]
        for e in entries:
            offset = int((e.at - incident.opened_at).total_seconds() // 60)
            out.append(f"| {e.at:%H:%M:%S} | +{offset} | {_cell(e.author)} | {_cell(_label(e))} |")
    else:
        out.append("_No timeline entries._")
    out.append("")

    findings = [e for e in entries if e.kind in ("finding_fired", "finding_cleared")]
    out += ["## Findings", ""]
    out += [f"- {e.at:%H:%M:%S} {_line(e.text)}" for e in findings] or ["_None recorded._"]
    out.append("")

    steps = [e for e in entries if e.kind == "step"]
    if steps:
        out += ["## Runbook steps", ""]
        out += [f"- {e.at:%H:%M:%S} {_line(e.text)} ({_line(e.author)})" for e in steps]
        out.append("")

    actions = [e for e in entries if e.kind in ("action_planned", "action_applied")]
    out += ["## Actions", ""]
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
                f"| {e.at:%H:%M:%S} | {_cell(d.get('action_id'))} | {_cell(outcome)} | "
                f"{_cell(d.get('previewed'))} | {_cell(d.get('changed'))} | {_cell(e.author)} |"
            )
        out += ["", "Details:", ""]
        out += [f"- {e.at:%H:%M:%S} {_line(e.text)}" for e in applied]
    else:
        out.append("_No recovery action was applied._")
    planned_only = [e for e in actions if e.kind == "action_planned"]
    if planned_only:
        out += ["", "Previewed:", ""]
        out += [f"- {e.at:%H:%M:%S} {_line(e.text)} ({_line(e.author)})" for e in planned_only]
    out.append("")

    out += ["## Metrics before and after", "", *_metrics_table(metrics_before, metrics_after), ""]

    notes = [e for e in entries if e.kind == "note"]
    out += ["## Notes", ""]
    out += [f"- {e.at:%H:%M:%S} **{_line(e.author)}**: {_line(e.text)}" for e in notes] or [
        "_None._"
    ]
    out.append("")

    out += ["## Post-incident (the guide's Response / Post-Incident tasks)", ""]
    for task, questions in POST_INCIDENT_PROMPTS:
        out.append(f"- [ ] **{task}**")
        out += [f"  - {q}" for q in questions]
    out.append("")
    return "\n".join(out)


def _label(entry: TimelineEntry) -> str:
    if entry.kind == "phase":
        phase = PHASES_BY_ID.get(str(entry.data.get("phase", "")))
        return f"phase → {phase.title}" if phase else entry.text
    return entry.text
