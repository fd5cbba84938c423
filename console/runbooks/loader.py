"""Loading the runbook files (`console/runbooks/data/*.toml`), each validated by parse.py
against the query catalogue and the check registry; every problem is reported at once."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from console.checks.registry import CheckRegistry
from console.core.paths import runbooks_dir
from console.core.tomlfile import read_toml
from console.queries import Query
from console.queries import catalogue as default_catalogue
from console.runbooks.checks import step_checks
from console.runbooks.model import Runbook, RunbookError
from console.runbooks.parse import parse_runbook


def load_runbook_file(
    path: str | Path,
    *,
    catalogue: Mapping[str, Query] | None = None,
    checks: CheckRegistry | None = None,
) -> Runbook:
    """One runbook file, validated against the query catalogue and the check registry."""
    path = Path(path)
    data = read_toml(path, RunbookError)
    return parse_runbook(
        data,
        source=path.name,
        catalogue=default_catalogue() if catalogue is None else catalogue,
        checks=step_checks() if checks is None else checks,
    )


def load_runbooks(
    directory: str | Path | None = None,
    *,
    catalogue: Mapping[str, Query] | None = None,
    checks: CheckRegistry | None = None,
) -> dict[str, Runbook]:
    """Every runbook of a directory by id. All problems are reported together, one a line."""
    root = Path(directory) if directory is not None else runbooks_dir()
    catalogue = default_catalogue() if catalogue is None else catalogue
    checks = step_checks() if checks is None else checks
    runbooks: dict[str, Runbook] = {}
    problems: list[str] = []
    for path in sorted(root.glob("*.toml")):
        try:
            runbook = load_runbook_file(path, catalogue=catalogue, checks=checks)
        except RunbookError as exc:
            problems.append(str(exc))
            continue
        runbooks[runbook.id] = runbook
    for runbook in runbooks.values():
        missing = [r for r in runbook.related if r not in runbooks]
        if missing:
            problems.append(
                f"{Path(runbook.path).name}: related runbook(s) not found: {', '.join(missing)}"
            )
    if problems:
        raise RunbookError("\n".join(problems))
    if not runbooks:
        raise RunbookError(f"no runbook files (*.toml) in {root}")
    return runbooks


def referenced_queries(directory: str | Path | None = None) -> set[str]:
    """Every catalogue name the runbook files refer to (queries, actions and their previews),
    read without validation: lets `doctor` and tests say which names are missing."""
    root = Path(directory) if directory is not None else runbooks_dir()
    names: set[str] = set()
    for path in sorted(root.glob("*.toml")):
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        for step in data.get("steps", []):
            if not isinstance(step, Mapping):
                continue
            if isinstance(step.get("query"), str):
                names.add(step["query"])
            if isinstance(step.get("action"), str):
                names.update(_action_queries(step["action"]))
    return names


def _action_queries(action: str) -> tuple[str, ...]:
    """A SQL action's write and preview; a non-SQL one's (the Stripe redelivery) preview."""
    from console.recovery.specs import ACTIONS, sql_pair

    spec = ACTIONS.get(action.removeprefix("recovery/"))
    if spec is not None and spec.kind == "stripe":
        return (spec.preview,)
    return sql_pair(action)
