"""What the training screens say, as plain functions of the session's values (no widgets),
so the wording is tested without a terminal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The same nouns in both columns of the debrief, so a move and its match line up by eye.
KIND_WORDS = {
    "view_finding": "finding",
    "open_runbook": "runbook",
    "run_step": "step",
    "command": "command",
    "action": "action",
}
EVENT_WORDS = {
    "finding_viewed": "finding",
    "runbook_opened": "runbook",
    "step_run": "step",
    "command_run": "command",
    "action_applied": "action",
    "action_refused": "refused",
    "hint_taken": "hint",
}


def clock(seconds: float | None) -> str:
    """Seconds as m:ss (h:mm:ss past an hour); a dash when it never happened."""
    if seconds is None:
        return "—"
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def versus_par(taken: float | None, par: float) -> str:
    """'0:45 (par 2:00)', marked when over par; 'not yet' when it never happened."""
    if taken is None:
        return f"not done (par {clock(par)})"
    over = " OVER PAR" if taken > par else ""
    return f"{clock(taken)} (par {clock(par)}){over}"


def ideal_line(step: Mapping[str, Any]) -> str:
    """One move of the ideal path: 'run step signature_failures/count'."""
    target = str(step.get("target", ""))
    params = step.get("params") or {}
    if step.get("kind") == "run_step" and "step" in params:
        target = f"{target}/{params['step']}"
    elif params:
        target += " " + ", ".join(f"{k}={v}" for k, v in params.items())
    return f"{KIND_WORDS.get(str(step.get('kind')), step.get('kind'))} {target}"


def event_line(event: Mapping[str, Any]) -> str:
    """One thing the trainee did, with what came of it when that matters."""
    kind = str(event.get("kind"))
    target = str(event.get("target", ""))
    detail = event.get("detail") or {}
    words = EVENT_WORDS.get(kind, kind.replace("_", " "))
    if kind == "step_run":
        return f"{words} {target}/{detail.get('step', '?')} ({detail.get('status', '?')})"
    if kind == "finding_viewed" and detail.get("lit") is False:
        return f"{words} {target} (not lit)"
    if kind == "command_run" and not detail.get("ok", True):
        return f"{words} {target} (failed)"
    if kind == "action_applied":
        return f"{words} {target} ({detail.get('changed', 0)} changed)"
    return f"{words} {target}"


def hints_left(taken: int, total: int) -> str:
    left = max(0, total - taken)
    return f"{left} hint{'s' if left != 1 else ''} left"


def bar_text(
    *,
    elapsed: float,
    par_diagnose: float,
    par_resolve: float,
    diagnosed_at: float | None,
    resolved_at: float | None,
    hints_taken: int,
    hints_total: int,
    hint_cost: int,
    time_limit: float | None = None,
) -> str:
    """The training bar under the dashboard: the clock against par, objectives, hints
    (its keys, h and f, are in the footer)."""
    if diagnosed_at is None:
        diagnose = f"diagnose par {clock(par_diagnose)}"
    else:
        diagnose = f"diagnosed {clock(diagnosed_at)} ✓"
    if resolved_at is None:
        resolve = f"resolve par {clock(par_resolve)}"
    else:
        resolve = f"resolved {clock(resolved_at)} ✓"
    hints = f"{hints_left(hints_taken, hints_total)} (-{hint_cost})"
    limit = f"/{clock(time_limit)}" if time_limit is not None else ""
    return f"TRAINING {clock(elapsed)}{limit} │ {diagnose} │ {resolve} │ {hints}"
