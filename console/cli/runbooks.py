"""`incident-console runbooks`: the checklists and their steps, as a listing or one JSON
document. Also the one way the runbook commands report an error (`emit_error`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from console.cli import EXIT_ERROR, EXIT_OK
from console.runbooks.loader import load_runbooks
from console.runbooks.model import KINDS, PRIORITIES, Runbook, RunbookError


def emit_error(args: argparse.Namespace, message: str, **extra: Any) -> int:
    """One line on stderr; with --json also the error as stdout's one document."""
    print(f"incident-console: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": message, **extra}))
    return EXIT_ERROR


def loaded_runbooks(args: argparse.Namespace) -> dict[str, Runbook] | None:
    """Every runbook, or None once `emit_error` has said why they did not load."""
    try:
        return load_runbooks()
    except RunbookError as exc:
        emit_error(args, f"runbooks did not load:\n{exc}")
        return None


def runbooks_command(args: argparse.Namespace) -> int:
    runbooks = loaded_runbooks(args)
    if runbooks is None:
        return EXIT_ERROR
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
    priority = PRIORITIES.index(runbook.priority) if runbook.priority else len(PRIORITIES)
    return KINDS.index(runbook.kind), priority, runbook.path
