"""`incident-console run RUNBOOK [--apply STEP …]`: a checklist headless.

`run` executes only the read-only steps (query, check, log) and lists action, command
and manual steps as not run. Exit codes: 0 every step ran clean, 2 a step failed its
verdict, 1 an error (bad runbook, unknown name, database unreachable, a step that broke).
With --json, stdout carries exactly one JSON document, errors included. `--apply` hands
one action step to console/runbooks/apply.py and prints what it says: without --confirm
a preview saved as a plan (its plan_id), with --confirm (and --allow-write --reason TEXT)
that plan applied, the previewed rows as an upper bound (--exact: all or nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from console.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, load_settings_from
from console.cli.runbooks import emit_error, loaded_runbooks
from console.core.db import DatabaseError
from console.core.durations import as_duration
from console.runbooks.model import Runbook
from console.runbooks.run import StepResult, run_headless

EXIT_FAILED = EXIT_FINDINGS
JSON_ROWS = 50
_MARK = {"ok": " ok ", "warn": "warn", "fail": "FAIL", "skipped": " -- ", "error": "ERR!"}


def exit_code(results: list[StepResult]) -> int:
    if any(r.status == "error" for r in results):
        return EXIT_ERROR
    if any(r.status == "fail" for r in results):
        return EXIT_FAILED
    return EXIT_OK


def run_command(args: argparse.Namespace) -> int:
    runbooks = loaded_runbooks(args)
    if runbooks is None:
        return EXIT_ERROR
    runbook = runbooks.get(args.runbook)
    if runbook is None:
        return emit_error(
            args,
            f"no runbook named {args.runbook!r}; `incident-console runbooks` lists them",
        )
    settings = load_settings_from(args)
    if getattr(args, "apply", None):
        return _apply(args, runbook, settings)
    need_database = any(step.kind == "query" for step in runbook.steps)
    if need_database and not settings.database_url:
        return emit_error(
            args, "no database configured — pass --dsn postgresql://… or set DATABASE_URL"
        )
    try:
        results = asyncio.run(run_headless(runbook, settings, need_database=need_database))
    except DatabaseError as exc:
        return emit_error(args, str(exc))
    code = exit_code(results)
    if args.json:
        print(json.dumps(_document(runbook, results, code), indent=1))
    else:
        _print_human(runbook, results)
    return code


def _apply(args: argparse.Namespace, runbook: Runbook, settings: Any) -> int:
    from console.runbooks.apply import ApplyRefused, apply_step

    try:
        outcome = apply_step(
            runbook,
            settings,
            args.apply,
            confirm=args.confirm,
            allow_write=bool(args.allow_write),
            dry_run=bool(getattr(args, "dry_run", False)),
            exact=bool(getattr(args, "exact", False)),
            reason=getattr(args, "reason", None),
            plan_id=getattr(args, "plan", None),
        )
    except (DatabaseError, ApplyRefused) as exc:
        return emit_error(args, f"{exc} (nothing was changed)")
    if args.json:
        print(json.dumps(outcome.document, default=str))
    else:
        print(outcome.line)
    return outcome.exit_code


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


def spoken(column: str, value: object) -> object:
    """A duration as people read it (`2h00m`, `36 s`), anything else as it is."""
    return as_duration(column, value) or value


def _print_human(runbook: Runbook, results: list[StepResult]) -> None:
    print(f"{runbook.priority or '--'}  {runbook.id} — {runbook.title}")
    for step, result in zip(runbook.steps, results, strict=True):
        print(f"  [{_MARK[result.status]}] {step.id:<26} {result.verdict}")
        if result.status in ("fail", "warn") and result.rows:
            for row in result.rows[:5]:
                cells = ", ".join(f"{k}={spoken(k, v)}" for k, v in list(row.items())[:6])
                print(f"           {cells[:160]}")
    ran = [r for r in results if r.ran]
    summary = ", ".join(
        f"{sum(1 for r in results if r.status == s)} {s}" for s in ("fail", "warn", "error", "ok")
    )
    print(f"result: {summary}; {len(results) - len(ran)} step(s) not run headless")
