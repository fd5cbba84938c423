"""Runbook files validated into values: a parsed TOML table in, a `Runbook` out.

Every file is validated when it loads — unknown keys, step kinds, query or check names,
parameters and verdict rules that do not parse — and `RunbookError` names the file and
the problem, so a bad edit fails in CI and not during an incident. Query parameters are
checked by the catalogue's own resolver (`console.queries.params`), the same one that
binds them when the step runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from console.checks.registry import CheckRegistry
from console.queries import Query, QueryFileError
from console.queries.params import ParamsError, resolve_params
from console.runbooks.model import (
    FINDING_IDS,
    GUIDE_ERROR_PATTERNS,
    KINDS,
    PRIORITIES,
    STEP_KINDS,
    ActionStep,
    AnyStep,
    CheckStep,
    CommandStep,
    ErrorPattern,
    LogStep,
    ManualStep,
    QueryStep,
    Runbook,
    RunbookError,
)
from console.runbooks.verdict import VerdictError, VerdictRule, parse_verdict_rule

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


def _check_query_params(
    query: Query, params: Mapping[str, Any], where: str, name: str, *, complete: bool = True
) -> None:
    """Parameters must exist in the query; with `complete`, every one needs a value."""
    try:
        resolve_params([query], params, label=name)
    except QueryFileError as exc:
        raise _Problem(f"{where}: {exc}") from None
    except ParamsError as exc:
        if exc.unknown:
            takes = ", ".join(exc.accepted) or "no parameters"
            unknown = ", ".join(exc.unknown)
            raise _Problem(f"{where}: {name} does not take {unknown} (it takes {takes})") from None
        if complete:
            missing = ", ".join(exc.missing)
            raise _Problem(f"{where}: {name} needs {missing} (no default in its .sql)") from None


def _missing_query(where: str, name: str) -> _Problem:
    return _Problem(
        f"{where} uses {name}, which is not in the query catalogue (sql/{name}.sql is missing)"
    )


def _non_sql_action(name: str) -> bool:
    """A registered action whose write is not SQL (kind "stripe"): checked by the registry."""
    from console.recovery.specs import ACTIONS

    spec = ACTIONS.get(name.removeprefix("recovery/"))
    return spec is not None and spec.kind == "stripe"


def _parse_step(
    raw: Any,
    index: int,
    catalogue: Mapping[str, Query],
    checks: CheckRegistry,
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
        accepted = checks[name].params
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
        params = _params(raw, where)
        if _non_sql_action(name):  # the Stripe redelivery: no SQL pair, own parameters
            return ActionStep(**common, action=name, params=params)
        from console.recovery.specs import sql_pair

        write, preview = sql_pair(name)
        for needed in (write, preview):
            if needed not in catalogue:
                raise _missing_query(where, needed)
        # Values such as a pid are chosen by the operator when the action is planned.
        _check_query_params(catalogue[preview], params, where, preview, complete=False)
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
    catalogue: Mapping[str, Query],
    checks: CheckRegistry,
) -> Runbook:
    """Build a Runbook from a parsed TOML table, or raise RunbookError naming `source`."""
    try:
        return _parse(data, source, catalogue, checks)
    except _Problem as exc:
        raise RunbookError(f"{source}: {exc}") from None


def _parse(
    data: Mapping[str, Any], source: str, catalogue: Mapping[str, Query], checks: CheckRegistry
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
