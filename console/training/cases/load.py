"""Reading scenarios.toml into Scenarios: every key checked, a problem named by scenario."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from console.core.tomlfile import read_toml
from console.training.cases.common import COMMON_HARM, check, diagnose, frozen, step
from console.training.model import Briefing, Scenario, ScenarioError

SCENARIOS_FILE = Path(__file__).with_name("scenarios.toml")
REQUIRED = ("id", "title", "briefing", "faults", "diagnose_findings", "checks", "diagnose", "hints")
OPTIONAL = ("then", "harmful_also")
TUNING = ("par_diagnose_seconds", "par_resolve_seconds", "hint_cost", "rate")
BRIEFING = ("alert", "severity", "at", "symptoms", "customer_impact")


def load_scenarios(path: Path = SCENARIOS_FILE) -> tuple[Scenario, ...]:
    """The scenarios of `path`, in its order; ScenarioError names the first bad one."""
    data = read_toml(path, ScenarioError)
    return tuple(_scenario(entry, path.name) for entry in data.get("scenario", ()))


def _scenario(entry: Mapping[str, Any], source: str) -> Scenario:
    where = f"{source}: scenario {entry.get('id', '(no id)')}"
    _keys(entry, REQUIRED, OPTIONAL + TUNING, where)
    _keys(entry["briefing"], BRIEFING, (), f"{where}, briefing")
    brief = entry["briefing"]
    try:
        return Scenario(
            id=entry["id"],
            title=entry["title"],
            briefing=Briefing(**{**brief, "symptoms": tuple(brief["symptoms"])}),
            faults=tuple((name, frozen(**params)) for name, params in entry["faults"].items()),
            diagnose_findings=tuple(entry["diagnose_findings"]),
            checks=tuple(check(**c) for c in entry["checks"]),
            ideal_path=(
                *diagnose(**entry["diagnose"]),
                *(step(**s) for s in entry.get("then", ())),
            ),
            hints=tuple(entry["hints"]),
            harmful=(*COMMON_HARM, *entry.get("harmful_also", ())),
            **{k: entry[k] for k in TUNING if k in entry},
        )
    except (TypeError, AttributeError) as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def _keys(table: Any, required: tuple[str, ...], optional: tuple[str, ...], where: str) -> None:
    if not isinstance(table, Mapping):
        raise ScenarioError(f"{where}: expected a table")
    missing = [k for k in required if k not in table]
    unknown = sorted(set(table) - set(required) - set(optional))
    if missing or unknown:
        said = [f"missing {', '.join(missing)}"] if missing else []
        said += [f"unknown {', '.join(unknown)}"] if unknown else []
        raise ScenarioError(f"{where}: {'; '.join(said)}")
