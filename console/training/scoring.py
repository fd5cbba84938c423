"""Scoring and debrief: pure functions of a recorded session, so they can be re-judged.

Points start at 100. Each deduction carries its reason, so a debrief screen can show
why the grade is what it is:
- not resolved (or not within the time limit): the grade is F;
- diagnosing or resolving slower than par: up to 20 / 30 points, in proportion to the
  overrun (twice the par costs the whole amount);
- each hint: the scenario's hint cost;
- each harmful action: 25 points, and the grade is capped at C — fixing an incident by
  destroying data is not an A, however fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from console.core.jsonable import pick
from console.training.model import Scenario

GRADES = (("A", 90), ("B", 80), ("C", 70), ("D", 60))
HARM_POINTS = 25
DIAGNOSE_OVERRUN_POINTS = 20
RESOLVE_OVERRUN_POINTS = 30
HARM_GRADE_CAP = "C"


@dataclass(frozen=True)
class TraineeEvent:
    """One thing the trainee did, `at` seconds after the scenario started."""

    at: float
    kind: str  # finding_viewed, runbook_opened, step_run, action_applied, hint_taken, ...
    target: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"at": round(self.at, 2), "kind": self.kind, "target": self.target} | (
            {"detail": self.detail} if self.detail else {}
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TraineeEvent:
        return cls(
            float(data["at"]), str(data["kind"]), str(data["target"]), data.get("detail", {})
        )


@dataclass(frozen=True)
class Harm:
    kind: str
    at: float
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": round(self.at, 2), "detail": self.detail}


@dataclass(frozen=True)
class Deduction:
    points: float
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"points": round(self.points, 1), "reason": self.reason}


@dataclass(frozen=True)
class Score:
    resolved: bool
    time_to_diagnose: float | None
    time_to_resolve: float | None
    hints_used: int
    harmful: tuple[Harm, ...]
    points: int
    grade: str
    deductions: tuple[Deduction, ...]
    grade_reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "resolved": self.resolved,
            "time_to_diagnose": _r(self.time_to_diagnose),
            "time_to_resolve": _r(self.time_to_resolve),
            "hints_used": self.hints_used,
            "harmful": [h.to_json() for h in self.harmful],
            "points": self.points,
            "grade": self.grade,
            "grade_reason": self.grade_reason,
            "deductions": [d.to_json() for d in self.deductions],
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _overrun(taken: float, par: float, worth: float) -> float:
    if taken <= par or par <= 0:
        return 0.0
    return min(worth, worth * (taken - par) / par)


def _late(done: str, taken: float, par: float, worth: float) -> list[Deduction]:
    """The deduction for taking longer than par (none when on time), e.g. 'diagnosed'."""
    lost = _overrun(taken, par, worth)
    return [Deduction(lost, f"{done} in {taken:.0f} s, par {par:.0f} s")] if lost else []


def grade_for(points: float) -> str:
    for grade, floor in GRADES:
        if points >= floor:
            return grade
    return "F"


def score(
    scenario: Scenario,
    *,
    resolved: bool,
    time_to_diagnose: float | None,
    time_to_resolve: float | None,
    hints_used: int,
    harmful: Sequence[Harm],
    time_limit: float | None = None,
) -> Score:
    deductions: list[Deduction] = []
    if time_to_diagnose is None:
        deductions.append(Deduction(DIAGNOSE_OVERRUN_POINTS, "never diagnosed"))
    else:
        par = scenario.par_diagnose_seconds
        deductions += _late("diagnosed", time_to_diagnose, par, DIAGNOSE_OVERRUN_POINTS)
    if resolved and time_to_resolve is not None:
        par = scenario.par_resolve_seconds
        deductions += _late("resolved", time_to_resolve, par, RESOLVE_OVERRUN_POINTS)
    if hints_used:
        deductions.append(Deduction(hints_used * scenario.hint_cost, f"{hints_used} hint(s) taken"))
    for harm in harmful:
        deductions.append(Deduction(HARM_POINTS, f"harmful: {harm.detail}"))
    points = max(0, round(100 - sum(d.points for d in deductions)))
    if not resolved:
        limit = f" within the {time_limit:g} s limit" if time_limit else ""
        return Score(
            False,
            time_to_diagnose,
            None,
            hints_used,
            tuple(harmful),
            0,
            "F",
            tuple(deductions),
            f"not resolved{limit}",
        )
    grade = grade_for(points)
    reason = f"{points} points"
    if harmful and grade < HARM_GRADE_CAP:
        grade = HARM_GRADE_CAP
        reason += f"; capped at {HARM_GRADE_CAP} for {len(harmful)} harmful action(s)"
    return Score(
        True,
        time_to_diagnose,
        time_to_resolve,
        hints_used,
        tuple(harmful),
        points,
        grade,
        tuple(deductions),
        reason,
    )


@dataclass(frozen=True)
class Debrief:
    """The ideal path beside what the trainee did, with times, and the score."""

    scenario_id: str
    ideal: tuple[dict[str, Any], ...]
    taken: tuple[dict[str, Any], ...]
    missed: tuple[str, ...]
    score: Score

    def to_json(self) -> dict[str, Any]:
        shown = pick(self, ("scenario", "scenario_id"), ("ideal_path", "ideal"), "taken", "missed")
        return {**shown, "score": self.score.to_json()}


_MATCH = {
    "view_finding": "finding_viewed",
    "open_runbook": "runbook_opened",
    "run_step": "step_run",
    "command": "command_run",
    "action": "action_applied",
}


def debrief(scenario: Scenario, events: Sequence[TraineeEvent], final: Score) -> Debrief:
    """Match each ideal step with the first trainee event that did it (its time), if any."""
    ideal: list[dict[str, Any]] = []
    missed: list[str] = []
    for step in scenario.ideal_path:
        done = next(
            (
                e
                for e in events
                if e.kind == _MATCH[step.kind]
                and e.target == step.target
                and (step.kind != "run_step" or e.detail.get("step") == step.params.get("step"))
            ),
            None,
        )
        ideal.append(step.to_json() | {"done_at": _r(done.at) if done else None})
        if done is None:
            missed.append(step.describe())
    return Debrief(
        scenario.id, tuple(ideal), tuple(e.to_json() for e in events), tuple(missed), final
    )
