"""Builders and shared values for the scenario catalogue (the data modules beside this one)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from console.training.model import Check, PathStep

COMMON_HARM = ("deleted_processed_events", "terminated_healthy_receiver")


def frozen(**kwargs: Any) -> Mapping[str, Any]:
    """Read-only parameters (a fault's, a check's, a path step's)."""
    return MappingProxyType(kwargs)


def check(kind: str, **params: Any) -> Check:
    return Check(kind, frozen(**params))


def step(kind: str, target: str, note: str = "", **params: Any) -> PathStep:
    return PathStep(kind, target, frozen(**params), note)


def diagnose(finding: str, runbook: str, first_step: str) -> tuple[PathStep, ...]:
    """The diagnose part of an ideal path: view the finding, open its runbook, run a step."""
    return (
        step("view_finding", finding, "read what fired and since when"),
        step("open_runbook", runbook, "the runbook the console offers for it"),
        step("run_step", runbook, "confirm with the runbook's first query", step=first_step),
    )
