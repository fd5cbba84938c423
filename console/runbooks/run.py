"""Running runbook steps: `run_step(step, context) -> StepResult`.

Query steps run their catalogue query through the catalogue's one runner
(`console.queries.runner.run_query`: optional tables checked first, then a READ ONLY
transaction on the context's connection), with parameters from the one resolver
(`console.queries.params`), and judge the rows with the step's verdict rules. Check and
log steps call the non-SQL checks. Action steps are never executed here
(console/recovery/actions.py does that after preview and typed confirmation); their
preview may be shown. Command steps run argv without a shell only when the context allows
host commands, and a state-changing one only when its step id was confirmed. Manual steps
wait for a person.

Nothing here raises for an expected problem: every outcome is a StepResult whose
`status` is ok / warn / fail / skipped / error, with one line saying why.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from console.checks.context import CheckContext
from console.checks.logs import log_tail
from console.checks.registry import CheckRegistry
from console.checks.result import CheckResult
from console.core.config import Settings
from console.core.db import DatabaseError, SessionLimits, connect, translate
from console.core.jsonable import jsonable
from console.incidents.escalation import levels_text
from console.queries import Query, catalogue
from console.queries.params import ParamsError, resolve_params
from console.queries.runner import CatalogueError, QuerySkipped, Rows, run_query
from console.runbooks.checks import step_checks
from console.runbooks.model import (
    ActionStep,
    AnyStep,
    CheckStep,
    CommandStep,
    LogStep,
    ManualStep,
    QueryStep,
    Runbook,
    fill_error_patterns,
)
from console.runbooks.verdict import VerdictError, judge

StepStatus = Literal["ok", "warn", "fail", "skipped", "error"]
MAX_ROWS = 500
COMMAND_OUTPUT_LINES = 200


@dataclass(frozen=True)
class StepResult:
    """The outcome of one step. `rows` are JSON-safe dicts (capped at MAX_ROWS)."""

    step_id: str
    kind: str
    status: StepStatus
    verdict: str
    rows: tuple[dict[str, Any], ...] = ()
    columns: tuple[str, ...] = ()
    duration: float = 0.0
    error: str | None = None
    row_count: int = 0
    ran: bool = True
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, max_rows: int | None = None) -> dict[str, Any]:
        rows = list(self.rows if max_rows is None else self.rows[:max_rows])
        return {
            "id": self.step_id,
            "kind": self.kind,
            "status": self.status,
            "verdict": self.verdict,
            "ran": self.ran,
            "columns": list(self.columns),
            "row_count": self.row_count,
            "rows": rows,
            "duration_ms": round(self.duration * 1000, 1),
            "error": self.error,
            "details": self.details,
        }


@dataclass(frozen=True)
class StepContext:
    """What steps run with. `conn` is a read-only psycopg AsyncConnection (console/core/db.py).

    `inputs` maps a step id to the values the operator pasted for it (check inputs).
    `run_commands` lets command steps execute; `confirmed` lists step ids whose
    state-changing command the operator confirmed. Headless `run` sets neither.
    """

    settings: Settings
    conn: Any = None
    checks: CheckRegistry = field(default_factory=dict)
    catalogue: Mapping[str, Query] = field(default_factory=dict)
    inputs: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    allow_live: bool = False
    run_commands: bool = False
    confirmed: frozenset[str] = frozenset()
    http_timeout: float = 5.0
    show_previews: bool = True

    def check_context(self, step_id: str) -> CheckContext:
        return CheckContext(
            settings=self.settings,
            conn=self.conn,
            inputs=dict(self.inputs.get(step_id, {})),
            allow_live=self.allow_live,
            http_timeout=self.http_timeout,
        )


def _result(step: AnyStep, status: StepStatus, verdict: str, **kwargs: Any) -> StepResult:
    return StepResult(step_id=step.id, kind=step.kind, status=status, verdict=verdict, **kwargs)


async def fetch_query(context: StepContext, name: str, params: Mapping[str, Any]) -> Rows:
    """Rows (with their columns) of a query of the context's catalogue, its parameters
    resolved from the step's values over the `-- defaults:` header.

    Raises QuerySkipped when an optional table or extension is missing, ParamsError or
    CatalogueError for parameters it cannot run with, DatabaseError for the rest.
    """
    query = context.catalogue[name]
    given = fill_error_patterns(params, context.settings.error_patterns)
    return await run_query(context.conn, query, resolve_params([query], given))


async def _run_query(step: QueryStep, context: StepContext) -> StepResult:
    if step.query not in context.catalogue:
        return _result(step, "error", f"{step.query} is not in the query catalogue")
    if context.conn is None:
        return _result(step, "skipped", "no database connection", ran=False)
    try:
        rows = await fetch_query(context, step.query, step.params)
    except QuerySkipped as exc:
        return _result(step, "skipped", exc.reason, ran=False)
    except (ParamsError, CatalogueError, DatabaseError) as exc:
        return _result(step, "error", str(exc), error=str(exc))
    except Exception as exc:
        error = str(translate(exc))
        return _result(step, "error", error, error=error)
    try:
        status, verdict = judge(step.verdicts, rows, step.ok)
    except VerdictError as exc:
        return _result(step, "error", f"verdict rule: {exc}", error=str(exc), columns=rows.columns)
    return _result(
        step,
        status,  # type: ignore[arg-type]
        verdict,
        rows=tuple(jsonable(r) for r in rows[:MAX_ROWS]),
        columns=rows.columns,
        row_count=len(rows),
    )


def _from_check(step: AnyStep, result: CheckResult) -> StepResult:
    rows: tuple[dict[str, Any], ...] = ()
    columns: tuple[str, ...] = ()
    lines = result.details.get("lines") if isinstance(result.details, dict) else None
    if isinstance(lines, list):
        rows = tuple({"line": line} for line in lines)
        columns = ("line",)
    return _result(
        step,
        result.status,
        result.summary,
        rows=rows,
        columns=columns,
        row_count=len(rows),
        ran=result.status != "skipped",
        details=jsonable(result.details),
        error=result.summary if result.status == "error" else None,
    )


async def _run_check(step: CheckStep, context: StepContext) -> StepResult:
    spec = context.checks.get(step.check)
    if spec is None:
        return _result(step, "error", f"unknown check {step.check!r}")
    try:
        params = fill_error_patterns(step.params, context.settings.error_patterns)
        result = await spec.fn(context.check_context(step.id), **params)
    except Exception as exc:  # a broken check must not take the checklist down
        message = f"check {step.check} failed: {type(exc).__name__}: {exc}"
        return _result(step, "error", message, error=message)
    return _from_check(step, result)


async def _run_log(step: LogStep, context: StepContext) -> StepResult:
    result = await log_tail(
        context.check_context(step.id),
        source=step.source,
        lines=step.lines,
        pattern=step.pattern,
        default_path=step.default_path,
    )
    return _from_check(step, result)


async def _run_action(step: ActionStep, context: StepContext) -> StepResult:
    """Never applies: shows the preview (the rows it would touch) when it can."""
    base = (
        f"recovery action {step.action}: not run here — it needs --allow-write, a preview "
        "and a typed confirmation (actions module)"
    )
    details = {"action": step.action, "preview": step.preview}
    if not context.show_previews or context.conn is None or step.preview not in context.catalogue:
        return _result(step, "skipped", base, ran=False, details=details)
    try:
        rows = await fetch_query(context, step.preview, step.params)
    except ParamsError as exc:
        if exc.unknown:
            details["preview_error"] = str(exc)
            return _result(step, "skipped", base, ran=False, details=details)
        return _result(
            step,
            "skipped",
            f"{base}; its preview needs {', '.join(exc.missing)}, chosen when it is planned",
            ran=False,
            details=details,
        )
    except QuerySkipped as exc:
        return _result(step, "skipped", f"{base}; preview {exc.reason}", ran=False, details=details)
    except Exception as exc:
        details["preview_error"] = str(translate(exc))
        return _result(step, "skipped", base, ran=False, details=details)
    return _result(
        step,
        "skipped",
        f"{base}; preview: {len(rows)} row(s) would be touched",
        rows=tuple(jsonable(r) for r in rows[:MAX_ROWS]),
        columns=rows.columns,
        row_count=len(rows),
        ran=False,
        details=details,
    )


async def _run_command(step: CommandStep, context: StepContext) -> StepResult:
    argv = context.settings.service_commands.get(step.command)
    guide = " ".join(step.guide_argv)
    details: dict[str, Any] = {"command": step.command, "guide_argv": list(step.guide_argv)}
    if argv is None:
        hint = f" (the guide runs: {guide})" if guide else ""
        return _result(
            step,
            "skipped",
            f"host command {step.command!r} is not configured: add it to [service_commands] "
            f"as an argv list{hint}",
            ran=False,
            details=details,
        )
    details["argv"] = list(argv)
    if not context.run_commands:
        return _result(
            step,
            "skipped",
            f"host command not run headless: {' '.join(argv)}",
            ran=False,
            details=details,
        )
    if step.changes_state and step.id not in context.confirmed:
        return _result(
            step,
            "skipped",
            f"changes state ({' '.join(argv)}): needs the operator's confirmation",
            ran=False,
            details=details,
        )
    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
    except OSError as exc:
        return _result(step, "error", f"cannot start {argv[0]}: {exc.strerror}", error=str(exc))
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=step.timeout_seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        message = f"{argv[0]} did not finish within {step.timeout_seconds:g} s (killed)"
        return _result(step, "error", message, error=message)
    lines = output.decode("utf-8", errors="replace").splitlines()[-COMMAND_OUTPUT_LINES:]
    rows = tuple({"line": line} for line in lines)
    code = process.returncode
    details["exit_code"] = code
    return _result(
        step,
        "ok" if code == 0 else "fail",
        f"{' '.join(argv)} exited {code}",
        rows=rows,
        columns=("line",),
        row_count=len(rows),
        duration=time.monotonic() - started,
        details=details,
    )


def _run_manual(step: ManualStep, context: StepContext) -> StepResult:
    details: dict[str, Any] = {}
    verdict = "manual step: tick it in the checklist with a note"
    if step.escalate:
        people = context.settings.escalation.get(step.escalate, ())
        details = {"escalate": step.escalate, "levels": list(people)}
        if people:
            verdict = f"escalation for {step.escalate} issues: {levels_text(people)}"
        else:
            verdict = f"no escalation configured for {step.escalate!r} (see [escalation])"
    return _result(step, "skipped", verdict, ran=False, details=details)


async def run_step(step: AnyStep, context: StepContext) -> StepResult:
    """Run (or, for steps that are not read-only, describe) one step. Never raises."""
    started = time.monotonic()
    if isinstance(step, QueryStep):
        result = await _run_query(step, context)
    elif isinstance(step, CheckStep):
        result = await _run_check(step, context)
    elif isinstance(step, LogStep):
        result = await _run_log(step, context)
    elif isinstance(step, ActionStep):
        result = await _run_action(step, context)
    elif isinstance(step, CommandStep):
        result = await _run_command(step, context)
    else:
        result = _run_manual(step, context)
    if result.duration == 0.0:
        result = replace(result, duration=time.monotonic() - started)
    return result


async def run_headless(
    runbook: Runbook, settings: Settings, *, need_database: bool
) -> list[StepResult]:
    """Every step of a runbook, in order, on one read-only connection (the `run` command)."""
    conn = None
    if need_database or settings.database_url:
        conn = await connect(
            settings.database_url, limits=SessionLimits.from_settings(settings), role="run"
        )
    try:
        context = StepContext(
            settings=settings, conn=conn, checks=step_checks(), catalogue=catalogue()
        )
        return [await run_step(step, context) for step in runbook.steps]
    finally:
        if conn is not None:
            await conn.close()
