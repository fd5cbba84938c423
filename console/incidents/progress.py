"""Checklist progress of the shared incident, from its timeline: every console's steps.

A console's own screens know what it ran this session; the team's progress is on the
timeline (`step_started`, then `step` with the verdict) and in the live claims (who is
running what right now). This folds them into one status per step, so the browser view
and every terminal say the same thing: "ok (alice)", "running (bob)", "pending".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from console.incidents.claims import Claim
from console.incidents.live import LiveEntry

PENDING = "pending"
RUNNING = "running"


@dataclass(frozen=True)
class SharedStep:
    """One step as the team sees it: its status ('pending', 'running' or the verdict) and
    who got it there."""

    runbook: str
    step: str
    status: str = PENDING
    who: str = ""
    rows: int | None = None
    verdict: str = ""

    @property
    def done(self) -> bool:
        return self.status not in (PENDING, RUNNING)


def shared_steps(
    entries: Iterable[LiveEntry], live_claims: Iterable[Claim] = ()
) -> dict[tuple[str, str], SharedStep]:
    """(runbook, step) -> the latest word on it; a live claim says 'running' over an old
    verdict (someone is running it again)."""
    found: dict[tuple[str, str], SharedStep] = {}
    for e in entries:
        runbook, step = str(e.data.get("runbook") or ""), str(e.data.get("step") or "")
        if not runbook or not step:
            continue
        if e.kind == "step":
            rows = e.data.get("rows")
            status = str(e.data.get("status") or "done")  # older entries: no status
            found[(runbook, step)] = SharedStep(
                runbook, step, status, e.who, rows, str(e.data.get("verdict") or "")
            )
    for c in live_claims:
        found[(c.runbook, c.step)] = SharedStep(c.runbook, c.step, RUNNING, c.who)
    return found


@dataclass(frozen=True)
class ChecklistProgress:
    runbook: str
    title: str
    steps: Sequence[tuple[str, str, SharedStep]]  # (step id, step title, state)

    @property
    def done(self) -> int:
        return sum(1 for _, _, s in self.steps if s.done)

    def as_json(self) -> dict[str, Any]:
        return {
            "runbook": self.runbook,
            "title": self.title,
            "done": self.done,
            "total": len(self.steps),
            "steps": [
                {
                    "id": sid,
                    "title": title,
                    "status": s.status,
                    "who": s.who,
                    "rows": s.rows,
                    "verdict": s.verdict,
                }
                for sid, title, s in self.steps
            ],
        }


def checklists(
    runbooks: Mapping[str, Any],
    entries: Sequence[LiveEntry],
    live_claims: Sequence[Claim],
    firing: Iterable[str] = (),
) -> list[ChecklistProgress]:
    """The runbooks that matter to this incident: those of the firing findings, then any
    with a step on the timeline, in that order, each with every step's shared state."""
    states = shared_steps(entries, live_claims)
    wanted: dict[str, None] = {}
    for runbook_id in firing:
        if runbook_id in runbooks:
            wanted.setdefault(runbook_id)
    for runbook_id, _ in states:
        if runbook_id in runbooks:
            wanted.setdefault(runbook_id)
    out = []
    for runbook_id in wanted:
        runbook = runbooks[runbook_id]
        steps = [
            (s.id, s.title, states.get((runbook_id, s.id), SharedStep(runbook_id, s.id)))
            for s in runbook.steps
        ]
        out.append(ChecklistProgress(runbook_id, runbook.title, steps))
    return out
