"""`incident-console runbooks` and `incident-console run RUNBOOK`: headless checklists.

`run` executes only the read-only steps (query, check, log) and lists action, command
and manual steps as not run. Exit codes: 0 every step ran clean, 2 a step failed its
verdict, 1 an error (bad runbook, unknown name, database unreachable, a step that broke).
With --json, stdout carries exactly one JSON document, errors included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from console.runbooks.model import Runbook, RunbookError, load_runbooks
from console.runbooks.run import StepContext, StepResult, run_step

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_FAILED = 2
JSON_ROWS = 50
_MARK = {"ok": " ok ", "warn": "warn", "fail": "FAIL", "skipped": " -- ", "error": "ERR!"}


def _emit_error(args: argparse.Namespace, message: str, **extra: Any) -> int:
    print(f"incident-console: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": message, **extra}))
    return EXIT_ERROR


def _settings(args: argparse.Namespace) -> Any:
    from console.cli import load_settings_from

    return load_settings_from(args)


def runbooks_command(args: argparse.Namespace) -> int:
    try:
        runbooks = load_runbooks()
    except RunbookError as exc:
        return _emit_error(args, f"runbooks did not load:\n{exc}")
    ordered = sorted(runbooks.values(), key=_order)
    if args.json:
        print(json.dumps({"runbooks": [r.as_dict() for r in ordered]}, indent=1))
        return EXIT_OK
    for runbook in ordered:
        priority = runbook.priority or "--"
        print(f"{priority}  {runbook.id:<28} {runbook.title}  [{runbook.kind}]")
        for number, step in enumerate(runbook.steps, start=1):
            how = "runs" if step.read_only else "not headless"
            print(f"      {number:>2}. {step.kind:<7} {step.id:<26} {step.title} ({how})")
    return EXIT_OK


def _order(runbook: Runbook) -> tuple[int, int, str]:
    kinds = ("quick_reference", "issue", "advanced", "recovery", "reference")
    priority = ("P0", "P1", "P2").index(runbook.priority) if runbook.priority else 3
    return kinds.index(runbook.kind), priority, runbook.path


async def execute(runbook: Runbook, settings: Any, *, need_database: bool) -> list[StepResult]:
    """Run every step of a runbook headless, on one read-only connection."""
    from console.checks.registry import default_registry
    from console.core.db import SessionLimits, connect
    from console.queries import catalogue

    conn = None
    if need_database or settings.database_url:
        conn = await connect(
            settings.database_url, limits=SessionLimits.from_settings(settings), role="run"
        )
    try:
        context = StepContext(
            settings=settings, conn=conn, checks=default_registry(), catalogue=catalogue()
        )
        return [await run_step(step, context) for step in runbook.steps]
    finally:
        if conn is not None:
            await conn.close()


def exit_code(results: list[StepResult]) -> int:
    if any(r.status == "error" for r in results):
        return EXIT_ERROR
    if any(r.status == "fail" for r in results):
        return EXIT_FAILED
    return EXIT_OK


def run_command(args: argparse.Namespace) -> int:
    from console.core.db import DatabaseError

    try:
        runbooks = load_runbooks()
    except RunbookError as exc:
        return _emit_error(args, f"runbooks did not load:\n{exc}")
    runbook = runbooks.get(args.runbook)
    if runbook is None:
        return _emit_error(
            args,
            f"no runbook named {args.runbook!r}; `incident-console runbooks` lists them",
        )
    settings = _settings(args)
    if getattr(args, "apply", None):
        from console.runbooks.apply import ApplyRefused, apply_step

        try:
            return apply_step(args, runbook, settings)
        except (DatabaseError, ApplyRefused) as exc:
            return _emit_error(args, f"{exc} (nothing was changed)")
    need_database = any(step.kind == "query" for step in runbook.steps)
    if need_database and not settings.database_url:
        return _emit_error(
            args, "no database configured — pass --dsn postgresql://… or set DATABASE_URL"
        )
    try:
        results = asyncio.run(execute(runbook, settings, need_database=need_database))
    except DatabaseError as exc:
        return _emit_error(args, str(exc))
    code = exit_code(results)
    if args.json:
        print(json.dumps(_document(runbook, results, code), indent=1))
    else:
        _print_human(runbook, results)
    return code


def _document(runbook: Runbook, results: list[StepResult], code: int) -> dict[str, Any]:
    titles = {step.id: step.title for step in runbook.steps}
    counts = {s: sum(1 for r in results if r.status == s) for s in _MARK}
    status = {EXIT_OK: "ok", EXIT_FAILED: "fail", EXIT_ERROR: "error"}[code]
    return {
        "runbook": runbook.id,
        "title": runbook.title,
        "priority": runbook.priority,
        "status": status,
        "exit_code": code,
        "counts": counts,
        "steps": [{**r.as_dict(JSON_ROWS), "title": titles[r.step_id]} for r in results],
    }


def _print_human(runbook: Runbook, results: list[StepResult]) -> None:
    print(f"{runbook.priority or '--'}  {runbook.id} — {runbook.title}")
    for step, result in zip(runbook.steps, results, strict=True):
        print(f"  [{_MARK[result.status]}] {step.id:<26} {result.verdict}")
        if result.status in ("fail", "warn") and result.rows:
            for row in result.rows[:5]:
                cells = ", ".join(f"{k}={v}" for k, v in list(row.items())[:6])
                print(f"           {cells[:160]}")
    ran = [r for r in results if r.ran]
    summary = ", ".join(
        f"{sum(1 for r in results if r.status == s)} {s}" for s in ("fail", "warn", "error", "ok")
    )
    print(f"result: {summary}; {len(results) - len(ran)} step(s) not run headless")
