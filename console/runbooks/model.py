"""Runbooks as values: the guide's checklists once loaded (`console/runbooks/loader.py`).

A runbook is one item of the guide (a Quick Reference line, an Issue, an Advanced section,
a Recovery procedure, or a reference section such as the appendices) and an ordered list
of steps. Step kinds:

- `query`   a named catalogue query (`diagnostics/<name>`) with parameters and verdict
            rules (`{ when = "rows > 0", verdict = "fail", say = "…" }`, see verdict.py);
- `check`   a non-SQL check by name (console/checks/registry.py) with parameters;
- `action`  a recovery action id (`recovery/<name>`), executed by console/recovery/actions.py
            after preview and typed confirmation — never by the runbooks package;
- `command` a host command by name from Settings.service_commands, run as argv without a
            shell; `changes_state = true` ones need confirmation and never run headless;
- `log`     the last N lines of a configured log source, filtered by a substring;
- `manual`  a human step: a checkbox and a note.

Running a step: console/runbooks/run.py. The files and their validation: parse.py, loader.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from console.core.jsonable import pick
from console.runbooks.verdict import VerdictRule
from console.triage import GUIDE_ITEMS

PRIORITIES = ("P0", "P1", "P2")
KINDS = ("quick_reference", "issue", "advanced", "recovery", "reference")
STEP_KINDS = ("query", "check", "action", "command", "log", "manual")
READ_ONLY_KINDS = ("query", "check", "log")

# DESIGN.md's finding ids (the Quick Reference items plus Issue 6 and Data Consistency),
# from the one list triage keeps.
FINDING_IDS: tuple[str, ...] = tuple(GUIDE_ITEMS)

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


def fill_error_patterns(params: Mapping[str, Any], configured: Mapping[str, str]) -> dict[str, Any]:
    """Step parameters with their error patterns filled in from the settings; the query's
    own parameters are then resolved by `console.queries.params.resolve_params`."""
    return {
        name: value.resolve(configured) if isinstance(value, ErrorPattern) else value
        for name, value in params.items()
    }


def _jsonable_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: {"error_pattern": value.name} if isinstance(value, ErrorPattern) else value
        for name, value in params.items()
    }


# Step's own fields, in the order `as_dict` shows them.
_STEP_KEYS = ("id", "kind", "title", "text", "why", "prevention", "guide", "finding")


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
        out = pick(self, *_STEP_KEYS, "read_only")
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
        return self._sql_pair()[1]

    @property
    def write(self) -> str:
        """The query that makes the change (the action's spec names it)."""
        return self._sql_pair()[0]

    def _sql_pair(self) -> tuple[str, str]:
        from console.recovery.specs import sql_pair  # lazy: the registry loads on use

        return sql_pair(self.action)

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
        return pick(self, "command", "guide_argv", "changes_state", "timeout_seconds")


@dataclass(frozen=True, kw_only=True)
class LogStep(Step):
    source: str
    lines: int = 50
    pattern: str | None = None
    default_path: str | None = None

    def _extra(self) -> dict[str, Any]:
        return pick(self, "source", "lines", "pattern", "default_path")


@dataclass(frozen=True, kw_only=True)
class ManualStep(Step):
    escalate: str | None = None  # an issue type of Settings.escalation to name the people

    def _extra(self) -> dict[str, Any]:
        return pick(self, "escalate")


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
            **pick(self, "id", "title", "priority", "kind", "findings", "guide_section"),
            **pick(self, "summary", "symptoms", "root_causes", "prevention", "related"),
            "steps": [s.as_dict() for s in self.steps],
        }


def runbook_for_finding(runbooks: Mapping[str, Runbook], finding_id: str) -> str | None:
    """The runbook to open for a finding: the one named like it, else the first that lists it."""
    if finding_id in runbooks:
        return finding_id
    for runbook in runbooks.values():
        if finding_id in runbook.findings:
            return runbook.id
    return None
