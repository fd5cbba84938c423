"""What goes on the timeline for each thing that happened, worded once for every caller.

Findings fired and cleared, runbook steps and their verdicts, actions planned and
applied with row counts, notes and phase changes: the dashboard, the runbook screens and
the training sessions record them through IncidentStore, which stores these drafts.
Findings, plans and results are duck-typed (anything with the attributes, or a mapping),
so this package needs nothing from triage or recovery.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from console.core.state import InputError
from console.incidents.phases import PHASES_BY_ID


class EntryDraft(NamedTuple):
    """A timeline entry before it has an id, a time and an author."""

    kind: str
    text: str
    data: dict[str, Any]


def field_of(obj: Any, name: str, default: Any = None) -> Any:
    """An attribute of an object or a key of a mapping (findings come as either)."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def finding_entry(finding: Any, *, fired: bool) -> EntryDraft:
    data = {
        name: field_of(finding, name)
        for name in ("id", "severity", "title", "value", "threshold", "runbook")
    }
    verb = "fired" if fired else "cleared"
    text = f"finding {verb}: {data['title'] or data['id']}"
    if fired and data["value"] is not None:
        text += f" (value {data['value']}, threshold {data['threshold']})"
    kind = "finding_fired" if fired else "finding_cleared"
    return EntryDraft(kind, text, data)


def step_entry(
    runbook: str, step: str, verdict: str, rows: int | None, status: str = ""
) -> EntryDraft:
    text = f"step {runbook}/{step}: {verdict}"
    if rows is not None:
        text += f" ({rows} rows)"
    data: dict[str, Any] = {"runbook": runbook, "step": step, "verdict": verdict, "rows": rows}
    if status:  # ok / warn / fail ...: what another console shows the step as
        data["status"] = status
    return EntryDraft("step", text, data)


def phase_entry(phase_id: str) -> EntryDraft:
    if phase_id not in PHASES_BY_ID:
        raise InputError(f"unknown phase {phase_id!r}; one of {', '.join(PHASES_BY_ID)}")
    phase = PHASES_BY_ID[phase_id]
    return EntryDraft("phase", f"phase: {phase.title}", {"phase": phase_id})


def plan_entry(plan: Any) -> EntryDraft:
    """An action previewed (a console.recovery.actions.Plan)."""
    text = f"action planned: {plan.action_id}, {plan.count} rows previewed"
    if plan.blocked:
        text += f" — blocked: {plan.blocked}"
    data = {"action_id": plan.action_id, "previewed": plan.count, "params": plan.params}
    return EntryDraft("action_planned", text, data)


def result_entry(result: Any) -> EntryDraft:
    """An action applied (a console.recovery.actions.ActionResult), with its row counts."""
    data = {
        "action_id": result.action_id,
        "run_id": result.run_id,
        "status": result.status,
        "previewed": result.previewed,
        "changed": result.changed,
        "would_change": result.would_change,
        "dry_run": result.dry_run,
    }
    return EntryDraft("action_applied", result.message, data)
