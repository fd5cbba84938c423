"""`incident-console train`: list, report, headless autopilot runs of scenarios, and the
interactive run (the screens live in `screens.training`, imported by name)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any

from console.training.history import history_path, read_history, summarise
from console.training.options import DrillOptions, history_dir_of
from console.training.scenarios import (
    COMBINED,
    SCENARIOS,
    Scenario,
    ScenarioError,
    get_scenario,
)


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _listing() -> list[dict[str, Any]]:
    rows = []
    for scenario in [*SCENARIOS.values(), *(get_scenario(name) for name in COMBINED)]:
        rows.append(
            {
                "id": scenario.id,
                "title": scenario.title,
                "severity": scenario.briefing.severity,
                "faults": list(scenario.fault_names),
                "combined": "+" in scenario.id,
                "findings": list(scenario.diagnose_findings),
                "par_diagnose_seconds": scenario.par_diagnose_seconds,
                "par_resolve_seconds": scenario.par_resolve_seconds,
            }
        )
    return rows


def briefing_text(scenario: Scenario) -> str:
    b = scenario.briefing
    lines = [f"[{b.at}] {b.alert}", f"Scenario: {scenario.title} ({scenario.id})", "Symptoms:"]
    lines += [f"  - {s}" for s in b.symptoms]
    lines.append(f"Customers see: {b.customer_impact}")
    return "\n".join(lines)


def _autopilot(scenario: Scenario, args: argparse.Namespace) -> dict[str, Any]:
    from console.training.runner import autopilot_outcome, training_database

    options = DrillOptions.from_args(args)
    with training_database() as dsn:
        return asyncio.run(autopilot_outcome(scenario, dsn, options))


def _interactive(scenario: Scenario, args: argparse.Namespace) -> int:
    """The training screens (imported by name: this package stays free of textual)."""
    import importlib

    screens = importlib.import_module("screens.training.run")
    return int(screens.train_interactive(scenario, args))


@dataclass(frozen=True)
class Drill:
    """A scenario made from a recording, and the real incident it is judged against."""

    file: str
    scenario: Scenario
    real: Any
    time_scale: float
    warning: str | None

    def report(self, outcome: dict[str, Any]) -> dict[str, Any]:
        from console.training.from_recording import compare

        return {
            "file": self.file,
            "warning": self.warning,
            "real_incident": self.real.to_json(),
            "world": self.scenario.world.to_json() if self.scenario.world else None,
            "compared": compare(self.real, outcome, self.time_scale),
        }


def _drill(args: argparse.Namespace) -> Drill:
    from console.recording.format import RecordingError
    from console.recording.recording import Recording
    from console.training.from_recording import DEFAULT_TIME_SCALE, scenario_from_recording

    try:
        recording = Recording.open(args.from_recording)
    except RecordingError as exc:
        raise ScenarioError(str(exc)) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read {args.from_recording}: {exc.strerror or exc}") from None
    warning = recording.damage.message if recording.damage is not None else None
    if warning:
        _say(f"incident-console: warning: {warning}")
    scale = getattr(args, "time_scale", None) or DEFAULT_TIME_SCALE
    scenario, real = scenario_from_recording(
        recording, time_scale=scale, seed=getattr(args, "seed", None) or 0
    )
    return Drill(str(args.from_recording), scenario, real, scale, warning)


def train_command(args: argparse.Namespace) -> int:
    as_json = bool(getattr(args, "json", False))
    try:
        if getattr(args, "list", False):
            rows = _listing()
            if as_json:
                print(json.dumps({"scenarios": rows}))
            else:
                for row in rows:
                    print(f"{row['id']:<45} {row['severity']}  {row['title']}")
            return 0
        if getattr(args, "report", False):
            path = history_path(history_dir_of(args))
            summary = summarise(read_history(path))
            if as_json:
                print(json.dumps({"history": str(path), "scenarios": summary}))
            else:
                if not summary:
                    print(f"no training runs recorded yet ({path})")
                for row in summary:
                    print(
                        f"{row['scenario']:<45} attempts {row['attempts']:>3}  best "
                        f"{row['best_grade']}  diagnose {row['best_time_to_diagnose']} s  "
                        f"resolve {row['best_time_to_resolve']} s"
                    )
            return 0
        limit = getattr(args, "time_limit", None)
        if limit is not None and limit <= 0:
            raise ScenarioError("--time-limit must be a positive number of seconds")
        drill: Drill | None = None
        if getattr(args, "from_recording", None):
            drill = _drill(args)
            scenario = drill.scenario
        elif not getattr(args, "scenario", None):
            raise ScenarioError("name a scenario with --scenario S (see train --list)")
        else:
            scenario = get_scenario(args.scenario, seed=getattr(args, "seed", None))
        if not getattr(args, "autopilot", False):
            if as_json:
                raise ScenarioError("--json needs --autopilot: an interactive run is a screen")
            return _interactive(scenario, args)
        if not as_json:
            _say(briefing_text(scenario))
            _say("autopilot: playing the ideal path ...")
        outcome = _autopilot(scenario, args)
        if drill is not None:
            outcome["recording"] = drill.report(outcome)
    except ScenarioError as exc:
        _say(f"incident-console: {exc}")
        if as_json:
            print(json.dumps({"error": str(exc)}))
        return 1
    except Exception as exc:  # the simulation failed to start: one line, no traceback
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _say(f"incident-console: training run failed: {first}")
        if as_json:
            print(json.dumps({"error": first}))
        return 1
    if as_json:
        print(json.dumps(outcome))
    else:
        print(json.dumps({k: v for k, v in outcome.items() if k != "debrief"}, indent=2))
    return 0 if outcome["resolved"] else 2
