"""Runbooks: the guide's checklists as data (`console/runbooks/data/*.toml`), loaded and validated.

A runbook is one item of the guide (a Quick Reference line, an Issue, an Advanced section,
a Recovery procedure, or a reference section such as the appendices) and an ordered list
of steps. Step kinds:

- `query`   a named catalogue query (`diagnostics/<name>`) with parameters and verdict
            rules (`{ when = "rows > 0", verdict = "fail", say = "…" }`, see verdict.py);
- `check`   a non-SQL check by name (console/checks/registry.py) with parameters;
- `action`  a recovery action id (`recovery/<name>`), executed by console/recovery/actions.py
            after preview and typed confirmation — never by this module;
- `command` a host command by name from Settings.service_commands, run as argv without a
            shell; `changes_state = true` ones need confirmation and never run headless;
- `log`     the last N lines of a configured log source, filtered by a substring;
- `manual`  a human step: a checkbox and a note.

Every file is validated when it loads — unknown keys, step kinds, query or check names,
parameters and verdict rules that do not parse — and `RunbookError` names the file and
the problem, so a bad edit fails in CI and not during an incident.

`runbooks_command` / `run_command` are the CLI entry points (implemented in
runbook_cli.py, imported lazily).
"""

from __future__ import annotations

import argparse
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.core.paths import runbooks_dir
from console.runbooks.verdict import VerdictError, VerdictRule, parse_verdict_rule
from console.triage import GUIDE_ITEMS

PRIORITIES = ("P0", "P1", "P2")
KINDS = ("quick_reference", "issue", "advanced", "recovery", "reference")
STEP_KINDS = ("query", "check", "action", "command", "log", "manual")
READ_ONLY_KINDS = ("query", "check", "log")

# DESIGN.md's finding ids (the Quick Reference items plus Issue 6 and Data Consistency),
# from the one list triage keeps.
FINDING_IDS: tuple[str, ...] = tuple(GUIDE_ITEMS)

_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_COMMON_STEP_KEYS = {"id", "kind", "title", "text", "why", "prevention", "guide", "finding"}
_STEP_KEYS: dict[str, set[str]] = {
    "query": {"query", "params", "verdicts", "ok"},
    "check": {"check", "params"},
    "action": {"action", "params"},
    "command": {"command", "guide_argv", "changes_state", "timeout_seconds"},
    "log": {"source", "lines", "pattern", "default_path"},
    "manual": {"escalate"},
}
_RUNBOOK_KEYS = {
    "id",
    "title",
    "priority",
    "kind",
    "findings",
    "guide_section",
    "summary",
    "symptoms",
    "root_causes",
    "prevention",
    "related",
    "steps",
}


# The guide's wording for the errors its queries look for; Settings.error_patterns (SQL
# LIKE patterns, matched case-insensitively) overrides them for systems worded otherwise.
GUIDE_ERROR_PATTERNS: dict[str, str] = {
    "signature": "%signature%",
    "event_too_old": "%too old%",
    "rate_limit": "%rate limit%",
    "state_transition": "%state transition%",
    "connection": "%connection%",
    "timeout": "%timeout%",
}


@dataclass(frozen=True)
class ErrorPattern:
    """A parameter whose value comes from Settings.error_patterns at run time:
    `pattern = { error_pattern = "signature" }` in a runbook file."""

    name: str

    def resolve(self, configured: Mapping[str, str]) -> str:
        return configured.get(self.name) or GUIDE_ERROR_PATTERNS[self.name]


def resolve_params(params: Mapping[str, Any], configured: Mapping[str, str]) -> dict[str, Any]:
    """Step parameters with their error patterns filled in from the settings."""
    return {
        name: value.resolve(configured) if isinstance(value, ErrorPattern) else value
        for name, value in params.items()
    }


def _jsonable_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: {"error_pattern": value.name} if isinstance(value, ErrorPattern) else value
        for name, value in params.items()
    }


class RunbookError(ValueError):
    """A runbook file the console cannot use; the message names the file and the problem."""


# --- the model -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Step:
    """What every step has: the guide's why, prevention notes, and its own words."""

    id: str
    kind: str
    title: str
    text: str = ""
    why: str = ""
    prevention: str = ""
    guide: str = ""  # the guide's original command/SQL when the console does it differently
    finding: str | None = None  # the finding this step's rule mirrors (alerting rules)

    @property
    def read_only(self) -> bool:
        """Whether `run` executes this step headless."""
        return self.kind in READ_ONLY_KINDS

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "text": self.text,
            "why": self.why,
            "prevention": self.prevention,
            "guide": self.guide,
            "finding": self.finding,
            "read_only": self.read_only,
        }
        out.update(self._extra())
        return out

    def _extra(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, kw_only=True)
class QueryStep(Step):
    query: str
    params: Mapping[str, Any] = field(default_factory=dict)
    verdicts: tuple[VerdictRule, ...] = ()
    ok: str = ""

    def _extra(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "params": _jsonable_params(self.params),
            "verdicts": [
                {"when": r.when.source, "verdict": r.verdict, "say": r.say} for r in self.verdicts
            ],
            "ok": self.ok,
        }


@dataclass(frozen=True, kw_only=True)
class CheckStep(Step):
    check: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def _extra(self) -> dict[str, Any]:
        return {"check": self.check, "params": _jsonable_params(self.params)}


@dataclass(frozen=True, kw_only=True)
class ActionStep(Step):
    action: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def preview(self) -> str:
        """The read-only twin that shows the rows the action would touch."""
        return f"{self.action}_preview"

    def _extra(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "preview": self.preview,
            "params": _jsonable_params(self.params),
        }


@dataclass(frozen=True, kw_only=True)
class CommandStep(Step):
    command: str
    guide_argv: tuple[str, ...] = ()
    changes_state: bool = False
    timeout_seconds: float = 15.0

    def _extra(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "guide_argv": list(self.guide_argv),
            "changes_state": self.changes_state,
            "timeout_seconds": self.timeout_seconds,
        }


@dataclass(frozen=True, kw_only=True)
class LogStep(Step):
    source: str
    lines: int = 50
    pattern: str | None = None
    default_path: str | None = None

    def _extra(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "lines": self.lines,
            "pattern": self.pattern,
            "default_path": self.default_path,
        }


@dataclass(frozen=True, kw_only=True)
class ManualStep(Step):
    escalate: str | None = None  # an issue type of Settings.escalation to name the people

    def _extra(self) -> dict[str, Any]:
        return {"escalate": self.escalate}


AnyStep = QueryStep | CheckStep | ActionStep | CommandStep | LogStep | ManualStep


@dataclass(frozen=True)
class Runbook:
    id: str
    title: str
    kind: str
    summary: str
    steps: tuple[AnyStep, ...]
    priority: str | None = None
    findings: tuple[str, ...] = ()
    guide_section: str = ""
    symptoms: tuple[str, ...] = ()
    root_causes: tuple[str, ...] = ()
    prevention: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    path: str = ""

    def step(self, step_id: str) -> AnyStep:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"runbook {self.id} has no step {step_id!r}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "priority": self.priority,
            "kind": self.kind,
            "findings": list(self.findings),
            "guide_section": self.guide_section,
            "summary": self.summary,
            "symptoms": list(self.symptoms),
            "root_causes": list(self.root_causes),
            "prevention": list(self.prevention),
            "related": list(self.related),
            "steps": [s.as_dict() for s in self.steps],
        }


# --- validation helpers ----------------------------------------------------------------


class _Problem(Exception):
    """A problem inside one file; the loader adds the file name."""


def _text(table: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = table.get(key)
    if value is None:
        if required:
            raise _Problem(f"{where} is missing '{key}'")
        return ""
    if not isinstance(value, str):
        raise _Problem(f"{where}: '{key}' must be text, got {type(value).__name__}")
    if required and not value.strip():
        raise _Problem(f"{where}: '{key}' is empty")
    return value.strip()


def _texts(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Problem(f"{where}: '{key}' must be a list of text")
    return tuple(v.strip() for v in value)


def _params(table: Mapping[str, Any], where: str) -> dict[str, Any]:
    value = table.get("params", {})
    if not isinstance(value, Mapping):
        raise _Problem(f"{where}: 'params' must be a table, e.g. params = {{ window = '1 hour' }}")
    params: dict[str, Any] = {}
    for name, item in value.items():
        if isinstance(item, Mapping):
            pattern = item.get("error_pattern")
            if set(item) != {"error_pattern"} or pattern not in GUIDE_ERROR_PATTERNS:
                known = ", ".join(GUIDE_ERROR_PATTERNS)
                raise _Problem(
                    f"{where}: parameter {name} must be a value or {{ error_pattern = NAME }} "
                    f"with NAME one of {known}"
                )
            params[name] = ErrorPattern(pattern)
        else:
            params[name] = item
    return params


def query_defaults(query: Any) -> dict[str, Any]:
    """A catalogue query's `-- defaults: {json}` header, or {} when absent or unreadable."""
    raw = getattr(query, "meta", {}).get("defaults", "")
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _check_query_params(
    query: Any, params: Mapping[str, Any], where: str, name: str, *, complete: bool = True
) -> None:
    """Parameters must exist in the query; with `complete`, every one needs a value."""
    accepted = tuple(query.params)
    unknown = [p for p in params if p not in accepted]
    if unknown:
        takes = ", ".join(accepted) or "no parameters"
        raise _Problem(f"{where}: {name} does not take {', '.join(unknown)} (it takes {takes})")
    if not complete:
        return
    merged = {**query_defaults(query), **params}
    missing = [p for p in accepted if p not in merged]
    if missing:
        raise _Problem(f"{where}: {name} needs {', '.join(missing)} (no default in its .sql)")


def _missing_query(where: str, name: str) -> _Problem:
    return _Problem(
        f"{where} uses {name}, which is not in the query catalogue (sql/{name}.sql is missing)"
    )


def _parse_step(
    raw: Any,
    index: int,
    catalogue: Mapping[str, Any],
    checks: Mapping[str, Any],
) -> AnyStep:
    where = f"step {index + 1}"
    if not isinstance(raw, Mapping):
        raise _Problem(f"{where} must be a table ([[steps]])")
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not _SLUG.match(step_id):
        raise _Problem(f"{where} needs an 'id' of lowercase letters, digits and _")
    where = f"step {index + 1} ({step_id})"
    kind = raw.get("kind")
    if kind not in STEP_KINDS:
        raise _Problem(
            f"{where}: unknown step kind {kind!r} (expected one of {', '.join(STEP_KINDS)})"
        )
    unknown = set(raw) - _COMMON_STEP_KEYS - _STEP_KEYS[kind]
    if unknown:
        raise _Problem(f"{where}: unknown key(s) for a {kind} step: {', '.join(sorted(unknown))}")
    finding = raw.get("finding")
    if finding is not None and finding not in FINDING_IDS:
        raise _Problem(f"{where}: unknown finding id {finding!r}")
    common: dict[str, Any] = {
        "finding": finding,
        "id": step_id,
        "kind": kind,
        "title": _text(raw, "title", where, required=True),
        "text": _text(raw, "text", where),
        "why": _text(raw, "why", where),
        "prevention": _text(raw, "prevention", where),
        "guide": _text(raw, "guide", where),
    }
    if kind == "query":
        name = _text(raw, "query", where, required=True)
        if name not in catalogue:
            raise _missing_query(where, name)
        params = _params(raw, where)
        _check_query_params(catalogue[name], params, where, name)
        verdicts = raw.get("verdicts", [])
        if not isinstance(verdicts, list):
            raise _Problem(f"{where}: 'verdicts' must be a list of tables")
        rules: list[VerdictRule] = []
        for number, verdict in enumerate(verdicts, start=1):
            try:
                rules.append(parse_verdict_rule(verdict))
            except VerdictError as exc:
                raise _Problem(f"{where}, verdict {number}: {exc}") from None
        return QueryStep(
            **common, query=name, params=params, verdicts=tuple(rules), ok=_text(raw, "ok", where)
        )
    if kind == "check":
        name = _text(raw, "check", where, required=True)
        if name not in checks:
            known = ", ".join(sorted(checks))
            raise _Problem(f"{where}: unknown check {name!r} (known: {known})")
        params = _params(raw, where)
        accepted = tuple(getattr(checks[name], "params", ()))
        unknown_params = [p for p in params if p not in accepted]
        if unknown_params:
            raise _Problem(
                f"{where}: check {name} does not take {', '.join(unknown_params)} "
                f"(it takes {', '.join(accepted) or 'no parameters'})"
            )
        return CheckStep(**common, check=name, params=params)
    if kind == "action":
        name = _text(raw, "action", where, required=True)
        if not name.startswith("recovery/") or not _SLUG.match(name.removeprefix("recovery/")):
            raise _Problem(f"{where}: action must be recovery/<name>, got {name!r}")
        for needed in (name, f"{name}_preview"):
            if needed not in catalogue:
                raise _missing_query(where, needed)
        params = _params(raw, where)
        # Values such as a pid are chosen by the operator when the action is planned.
        _check_query_params(
            catalogue[f"{name}_preview"], params, where, f"{name}_preview", complete=False
        )
        return ActionStep(**common, action=name, params=params)
    if kind == "command":
        name = _text(raw, "command", where, required=True)
        if not _SLUG.match(name):
            raise _Problem(f"{where}: command name must be lowercase letters, digits and _")
        argv = raw.get("guide_argv", [])
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            raise _Problem(f"{where}: 'guide_argv' must be a list of strings")
        changes = raw.get("changes_state", False)
        if not isinstance(changes, bool):
            raise _Problem(f"{where}: 'changes_state' must be true or false")
        timeout = raw.get("timeout_seconds", 15)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise _Problem(f"{where}: 'timeout_seconds' must be a positive number")
        return CommandStep(
            **common,
            command=name,
            guide_argv=tuple(argv),
            changes_state=changes,
            timeout_seconds=float(timeout),
        )
    if kind == "log":
        source = _text(raw, "source", where, required=True)
        lines = raw.get("lines", 50)
        if isinstance(lines, bool) or not isinstance(lines, int) or not 1 <= lines <= 10_000:
            raise _Problem(f"{where}: 'lines' must be a whole number from 1 to 10000")
        return LogStep(
            **common,
            source=source,
            lines=lines,
            pattern=_text(raw, "pattern", where) or None,
            default_path=_text(raw, "default_path", where) or None,
        )
    escalate = _text(raw, "escalate", where) or None
    return ManualStep(**common, escalate=escalate)


def parse_runbook(
    data: Mapping[str, Any],
    *,
    source: str,
    catalogue: Mapping[str, Any],
    checks: Mapping[str, Any],
) -> Runbook:
    """Build a Runbook from a parsed TOML table, or raise RunbookError naming `source`."""
    try:
        return _parse(data, source, catalogue, checks)
    except _Problem as exc:
        raise RunbookError(f"{source}: {exc}") from None


def _parse(
    data: Mapping[str, Any], source: str, catalogue: Mapping[str, Any], checks: Mapping[str, Any]
) -> Runbook:
    unknown = set(data) - _RUNBOOK_KEYS
    if unknown:
        raise _Problem(f"unknown key(s): {', '.join(sorted(unknown))}")
    runbook_id = _text(data, "id", "the runbook", required=True)
    if not _SLUG.match(runbook_id):
        raise _Problem(f"id {runbook_id!r} must be lowercase letters, digits and _")
    stem = Path(source).stem
    if Path(source).suffix == ".toml" and stem != runbook_id:
        raise _Problem(f"id {runbook_id!r} must match the file name ({stem}.toml)")
    kind = data.get("kind")
    if kind not in KINDS:
        raise _Problem(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    priority = data.get("priority")
    if priority is not None and priority not in PRIORITIES:
        raise _Problem(
            f"priority must be one of {', '.join(PRIORITIES)} or absent, got {priority!r}"
        )
    findings = _texts(data, "findings", "the runbook")
    bad = [f for f in findings if f not in FINDING_IDS]
    if bad:
        raise _Problem(f"unknown finding id(s): {', '.join(bad)}")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise _Problem("is missing 'steps' (at least one [[steps]] table)")
    steps = [_parse_step(raw, i, catalogue, checks) for i, raw in enumerate(raw_steps)]
    seen: set[str] = set()
    for step in steps:
        if step.id in seen:
            raise _Problem(f"step id {step.id!r} is used twice")
        seen.add(step.id)
    return Runbook(
        id=runbook_id,
        title=_text(data, "title", "the runbook", required=True),
        kind=kind,
        summary=_text(data, "summary", "the runbook", required=True),
        steps=tuple(steps),
        priority=priority,
        findings=findings,
        guide_section=_text(data, "guide_section", "the runbook"),
        symptoms=_texts(data, "symptoms", "the runbook"),
        root_causes=_texts(data, "root_causes", "the runbook"),
        prevention=_texts(data, "prevention", "the runbook"),
        related=_texts(data, "related", "the runbook"),
        path=source,
    )


def _default_catalogue() -> Mapping[str, Any]:
    from console.queries import catalogue

    return catalogue()


def _default_checks() -> Mapping[str, Any]:
    from console.checks.registry import default_registry

    return default_registry()


def load_runbook_file(
    path: str | Path,
    *,
    catalogue: Mapping[str, Any] | None = None,
    checks: Mapping[str, Any] | None = None,
) -> Runbook:
    """One runbook file, validated against the query catalogue and the check registry."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise RunbookError(f"{path.name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise RunbookError(f"{path.name}: cannot read: {exc.strerror}") from None
    return parse_runbook(
        data,
        source=path.name,
        catalogue=_default_catalogue() if catalogue is None else catalogue,
        checks=_default_checks() if checks is None else checks,
    )


def load_runbooks(
    directory: str | Path | None = None,
    *,
    catalogue: Mapping[str, Any] | None = None,
    checks: Mapping[str, Any] | None = None,
) -> dict[str, Runbook]:
    """Every runbook of a directory by id. All problems are reported together, one a line."""
    root = Path(directory) if directory is not None else runbooks_dir()
    catalogue = _default_catalogue() if catalogue is None else catalogue
    checks = _default_checks() if checks is None else checks
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
                names.update((step["action"], f"{step['action']}_preview"))
    return names


def runbook_for_finding(runbooks: Mapping[str, Runbook], finding_id: str) -> str | None:
    """The runbook to open for a finding: the one named like it, else the first that lists it."""
    if finding_id in runbooks:
        return finding_id
    for runbook in runbooks.values():
        if finding_id in runbook.findings:
            return runbook.id
    return None


# --- running steps (console/runbooks/run.py, imported lazily) ---------------------------


async def run_step(step: AnyStep, context: Any) -> Any:
    """Run one step with a `StepContext`; returns a `StepResult` (see runbook_run.py)."""
    from console.runbooks.run import run_step as run

    return await run(step, context)


def __getattr__(name: str) -> Any:
    """`StepContext` and `StepResult` live in runbook_run.py; reachable from here too."""
    if name in ("StepContext", "StepResult"):
        from console.runbooks import run as runbook_run

        return getattr(runbook_run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- CLI entry points (console/cli/__init__.py imports these names lazily) ----------------------


def runbooks_command(args: argparse.Namespace) -> int:
    from console.cli.run import runbooks_command as command

    return command(args)


def run_command(args: argparse.Namespace) -> int:
    from console.cli.run import run_command as command

    return command(args)
