"""Training history: one JSONL line per finished run, kept locally, and its summary.

Kept beside the console's other local state (`$XDG_STATE_HOME/incident-console`, else
`~/.local/state/incident-console`) unless a directory is given, so a trainee's progress
survives without any database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.core.state import append_jsonl, default_state_dir, read_jsonl
from console.training.scoring import GRADES, Score

HISTORY_FILE = "training.jsonl"
_GRADE_ORDER = [g for g, _ in GRADES] + ["F"]


def history_path(directory: Path | None = None) -> Path:
    return (directory or default_state_dir()) / HISTORY_FILE


def record_run(
    path: Path,
    *,
    scenario_id: str,
    faults: Iterable[str],
    final: Score,
    autopilot: bool,
    time_limit: float | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": scenario_id,
        "faults": list(faults),
        "autopilot": autopilot,
        "time_limit": time_limit,
        **{k: v for k, v in final.to_json().items() if k != "deductions"},
        "harmful": len(final.harmful),
    }
    append_jsonl(path, record)
    return record


def read_history(path: Path) -> list[dict[str, Any]]:
    return list(read_jsonl(path))


def _best(values: Iterable[Any]) -> float | None:
    numbers = [float(v) for v in values if isinstance(v, int | float)]
    return min(numbers) if numbers else None


def summarise(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per scenario: attempts, resolved, best grade, best times, last attempt."""
    by_scenario: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        by_scenario.setdefault(str(record.get("scenario", "?")), []).append(record)
    rows = []
    for scenario, runs in sorted(by_scenario.items()):
        grades = [str(r.get("grade", "F")) for r in runs]
        best_grade = min(grades, key=lambda g: _GRADE_ORDER.index(g) if g in _GRADE_ORDER else 9)
        rows.append(
            {
                "scenario": scenario,
                "attempts": len(runs),
                "resolved": sum(1 for r in runs if r.get("resolved")),
                "best_grade": best_grade,
                "best_points": max(int(r.get("points", 0)) for r in runs),
                "best_time_to_diagnose": _best(r.get("time_to_diagnose") for r in runs),
                "best_time_to_resolve": _best(r.get("time_to_resolve") for r in runs),
                "last_at": max(str(r.get("at", "")) for r in runs),
            }
        )
    return rows
