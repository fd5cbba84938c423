"""The shape of a training scenario: the page, the faults, the objectives, the ideal path.

Objectives come in two parts. *Diagnose*: the trainee looked at the right finding(s) while
they were lit and opened the runbook the console offers for each. *Resolve*: every
`checks` entry holds on one poll (see checks.py). `ideal_path` is what an experienced
engineer would do, step by step; the autopilot plays it and the debrief shows it beside
what the trainee did. The scenarios themselves are data, in `console.training.cases`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from console.core.jsonable import pick_fields

PathKind = str  # "view_finding", "open_runbook", "run_step", "command", "action"
PATH_KINDS = ("view_finding", "open_runbook", "run_step", "command", "action")

CHECK_KINDS = {
    "no_duplicate_unprocessed": "no event_id stored twice with an unprocessed copy",
    "no_new_duplicates": "no event_id stored twice among the last few seconds' events",
    "no_paid_without_payment": "every paid order has a completed payment",
    "backlog_drained": "no event waiting unprocessed (without error) for more than a few s",
    "recent_clean": "the last few seconds' events were processed, none with an error",
    "recent_fast": "the last few seconds' events were processed quickly",
    "no_stuck_pending": "no order stuck in 'pending' without a payment intent",
    "no_failed_notifications_recent": "the last few seconds' notifications were sent",
    "no_missed_events": "every event Stripe sent (a few seconds ago or more) ended up processed",
    "finding_clear": "the finding no longer fires",
    "fault_off": "the cause has been stopped",
}

HARMFUL_KINDS = {
    "deleted_processed_events": "processed events were deleted: the record of money moved is gone",
    "terminated_healthy_receiver": "a healthy webhook-receiver session was terminated",
    "reset_orders_with_intent": "orders that have a payment intent were moved back",
    "fault_off_data_left": "the cause was stopped but the damaged data was left as it was",
}


@dataclass(frozen=True)
class Briefing:
    """The page an on-call engineer gets: what fired, when, what it looks like."""

    alert: str
    severity: str
    at: str  # local time on the page, e.g. "03:12"
    symptoms: tuple[str, ...]
    customer_impact: str

    def to_json(self) -> dict[str, Any]:
        return pick_fields(self)


@dataclass(frozen=True)
class Check:
    """One resolve condition; `params` are the check's knobs (see checks.py)."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def describe(self) -> str:
        base = CHECK_KINDS[self.kind]
        if self.params:
            base += " (" + ", ".join(f"{k}={v}" for k, v in self.params.items()) + ")"
        return base

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params), "text": self.describe()}


@dataclass(frozen=True)
class PathStep:
    """One move of the ideal path: view a finding, open a runbook, run a step, ..."""

    kind: PathKind
    target: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    note: str = ""

    def describe(self) -> str:
        extra = f" {dict(self.params)}" if self.params else ""
        return f"{self.kind} {self.target}{extra}"

    def to_json(self) -> dict[str, Any]:
        return pick_fields(self)


@dataclass(frozen=True)
class WorldSpec:
    """History generated before the drill starts (`console.sim.world.generate_world`).

    The catalogue's scenarios start on an empty database; a drill built from a recording
    rebuilds the recorded system's last day (volume, shape, error rate, latency)."""

    days: float = 0.0  # 0: no history
    events: int | None = None
    mix: Any = None  # a console.sim.world.Mix
    seed: int = 0

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "days": self.days,
            "events": self.events,
            "mix": asdict(self.mix) if self.mix is not None else None,
        }


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    briefing: Briefing
    faults: tuple[tuple[str, Mapping[str, Any]], ...]
    diagnose_findings: tuple[str, ...]
    checks: tuple[Check, ...]
    ideal_path: tuple[PathStep, ...]
    hints: tuple[str, ...]
    harmful: tuple[str, ...]
    par_diagnose_seconds: float = 180.0
    par_resolve_seconds: float = 600.0
    hint_cost: int = 10
    rate: float = 4.0
    world: WorldSpec | None = None

    @property
    def fault_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.faults)

    def to_json(self) -> dict[str, Any]:
        """What a briefing/debrief screen needs, JSON-safe."""
        return {
            "id": self.id,
            "title": self.title,
            "briefing": self.briefing.to_json(),
            "faults": [{"name": n, "params": dict(p)} for n, p in self.faults],
            "objectives": {
                "diagnose": {"findings": list(self.diagnose_findings)},
                "resolve": [c.to_json() for c in self.checks],
            },
            "par": {
                "diagnose_seconds": self.par_diagnose_seconds,
                "resolve_seconds": self.par_resolve_seconds,
            },
            "hints": len(self.hints),
            "hint_cost": self.hint_cost,
            "harmful": [{"kind": k, "text": HARMFUL_KINDS[k]} for k in self.harmful],
            "ideal_path": [s.to_json() for s in self.ideal_path],
        }


class ScenarioError(ValueError):
    """An unknown scenario or a scenario table that does not validate; one line."""
