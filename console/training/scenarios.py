"""Training scenarios: the page the trainee gets, the fault behind it, what "fixed" means.

A scenario is data (`console.training.cases`, one module per family of faults), validated
when loaded (`validate_scenarios`): every fault, parameter, finding id, runbook, runbook
step, action id, service command and check kind must exist, so a typo fails in CI and not
in front of a trainee. The shape (Briefing, Check, PathStep, Scenario) is `model.py`.

Objectives come in two parts. *Diagnose*: the trainee looked at the right finding(s) while
they were lit and opened the runbook the console offers for each. *Resolve*: every
`checks` entry holds on one poll — DB checks on the data (no duplicate unprocessed
event_ids, no paid order without a completed payment, backlog drained) and on the last
few seconds of traffic. The detectors' own windows are 5-60 minutes, far longer than a
training run, so a window-based finding is judged "clear" on a short recent window
(`recent_clean`, `recent_fast`) instead of waiting for its window to roll over.

This module combines scenarios (`a+b`), looks them up by id and validates the table.
"""

from __future__ import annotations

import random
from collections.abc import Container, Iterable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from console.training.cases import COMBINED, SCENARIOS_LIST
from console.training.model import (
    CHECK_KINDS,
    HARMFUL_KINDS,
    PATH_KINDS,
    Briefing,
    Check,
    PathStep,
    Scenario,
    ScenarioError,
)

__all__ = [
    "CHECK_KINDS",
    "COMBINED",
    "HARMFUL_KINDS",
    "PATH_KINDS",
    "SCENARIOS",
    "SCENARIOS_LIST",
    "Briefing",
    "Check",
    "PathStep",
    "Scenario",
    "ScenarioError",
    "all_scenario_ids",
    "combine",
    "get_scenario",
    "validate_scenarios",
    "with_faults",
]

SCENARIOS: dict[str, Scenario] = {s.id: s for s in SCENARIOS_LIST}


def _unique_checks(checks: Iterable[Check]) -> tuple[Check, ...]:
    out: list[Check] = []
    for check in checks:
        if check not in out:
            out.append(check)
    return tuple(out)


def combine(parts: list[Scenario]) -> Scenario:
    """Several scenarios at once: faults, objectives, hints and paths merged, par summed."""
    if len(parts) == 1:
        return parts[0]
    diagnose_steps: list[PathStep] = []
    fix_steps: list[PathStep] = []
    for part in parts:
        for step in part.ideal_path:
            target = diagnose_steps if step.kind != "command" and step.kind != "action" else None
            bucket = target if target is not None else fix_steps
            if step not in bucket:
                bucket.append(step)
    # Restart (fault off) before data fixes, as each single path does.
    fix_steps.sort(key=lambda s: 0 if s.kind == "command" else 1)
    return Scenario(
        id="+".join(p.id for p in parts),
        title=" + ".join(p.title for p in parts),
        briefing=Briefing(
            alert=" / ".join(p.briefing.alert for p in parts),
            severity=min(p.briefing.severity for p in parts),
            at=parts[0].briefing.at,
            symptoms=tuple(s for p in parts for s in p.briefing.symptoms),
            customer_impact=" ".join(p.briefing.customer_impact for p in parts),
        ),
        faults=tuple(f for p in parts for f in p.faults),
        diagnose_findings=tuple(dict.fromkeys(f for p in parts for f in p.diagnose_findings)),
        checks=_unique_checks(c for p in parts for c in p.checks),
        ideal_path=(*diagnose_steps, *fix_steps),
        hints=tuple(h for p in parts for h in p.hints),
        harmful=tuple(dict.fromkeys(h for p in parts for h in p.harmful)),
        par_diagnose_seconds=sum(p.par_diagnose_seconds for p in parts),
        par_resolve_seconds=sum(p.par_resolve_seconds for p in parts),
        hint_cost=max(p.hint_cost for p in parts),
        rate=max(p.rate for p in parts),
    )


def all_scenario_ids() -> list[str]:
    return [*SCENARIOS, *COMBINED]


def get_scenario(name: str, *, seed: int | None = None) -> Scenario:
    """A scenario by id; `a+b` combines; `random` picks one (seeded)."""
    name = name.strip()
    if name == "random":
        name = random.Random(seed).choice(all_scenario_ids())
    parts_ids = COMBINED.get(name) or tuple(p.strip() for p in name.split("+") if p.strip())
    unknown = [p for p in parts_ids if p not in SCENARIOS]
    if not parts_ids or unknown:
        raise ScenarioError(
            f"unknown scenario {name!r}; choose from: {', '.join(all_scenario_ids())}, "
            "random, or a+b"
        )
    if len(set(parts_ids)) != len(parts_ids):
        raise ScenarioError(f"scenario {name!r} names a part twice")
    return combine([SCENARIOS[p] for p in parts_ids])


def _unknown(where: str, what: str, names: Iterable[str], known: Container[str]) -> list[str]:
    return [f"{where}: unknown {what} {name}" for name in names if name not in known]


def validate_scenarios(scenarios: list[Scenario] | None = None) -> list[str]:
    """Every problem in the table, one line each (empty: valid)."""
    from console.recovery.specs import ACTIONS
    from console.runbooks.loader import load_runbooks
    from console.sim.faults import FAULTS
    from console.training.services import SERVICE_COMMANDS
    from console.triage import GUIDE_ITEMS

    runbooks = load_runbooks()
    problems: list[str] = []
    for s in scenarios or [get_scenario(i) for i in all_scenario_ids()]:
        where = f"scenario {s.id}"
        for name, params in s.faults:
            spec = FAULTS.get(name)
            if spec is None:
                problems.append(f"{where}: unknown fault {name}")
            elif set(params) - set(spec.defaults):
                problems.append(f"{where}: fault {name} has no parameter {sorted(params)}")
        problems += _unknown(where, "finding", s.diagnose_findings, GUIDE_ITEMS)
        problems += _unknown(where, "check", [c.kind for c in s.checks], CHECK_KINDS)
        problems += _unknown(where, "harmful kind", s.harmful, HARMFUL_KINDS)
        for step in s.ideal_path:
            if step.kind not in PATH_KINDS:
                problems.append(f"{where}: unknown path step {step.kind}")
            elif step.kind == "view_finding" and step.target not in GUIDE_ITEMS:
                problems.append(f"{where}: unknown finding {step.target}")
            elif step.kind in ("open_runbook", "run_step") and step.target not in runbooks:
                problems.append(f"{where}: unknown runbook {step.target}")
            elif step.kind == "run_step":
                ids = [x.id for x in runbooks[step.target].steps]
                if step.params.get("step") not in ids:
                    problems.append(f"{where}: runbook {step.target} has no step {step.params}")
            elif step.kind == "command" and step.target not in SERVICE_COMMANDS:
                problems.append(f"{where}: unknown service command {step.target}")
            elif step.kind == "action" and step.target not in ACTIONS:
                problems.append(f"{where}: unknown action {step.target}")
        if not s.hints:
            problems.append(f"{where}: no hints")
    return problems


def with_faults(scenario: Scenario, **params: Mapping[str, Any]) -> Scenario:
    """A copy with some faults' parameters replaced (tests, instructors)."""
    faults = tuple((n, MappingProxyType({**p, **params.get(n, {})})) for n, p in scenario.faults)
    return replace(scenario, faults=faults)
