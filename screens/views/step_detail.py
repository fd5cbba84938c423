"""What the runbook screen says about one step, and about the runbook itself.

Pure rendering (rich renderables from the step, its state and the settings), kept apart
from the screen so the screen only wires keys and workers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text

from console.core.config import Settings
from console.incidents.escalation import levels_text
from console.runbooks import model as rb
from screens.views.checklist_state import RUNNABLE_KINDS, STATUS_STYLE, StepState


def status_text(status: str) -> Text:
    return Text(status.upper() if status != "pending" else "pending", STATUS_STYLE.get(status, ""))


def about_runbook(runbook: rb.Runbook) -> RenderableType:
    parts: list[RenderableType] = [Text(runbook.summary)]
    for heading, lines in (
        ("Symptoms", runbook.symptoms),
        ("Root causes", runbook.root_causes),
        ("Prevention", runbook.prevention),
    ):
        if lines:
            parts.append(Text(f"\n{heading}", style="bold"))
            parts.extend(Text(f"  • {line}") for line in lines)
    if runbook.guide_section:
        parts.append(Text(f"\nGuide: {runbook.guide_section}", style="dim"))
    return Group(*parts)


def sql_of(name: str, catalogue: Mapping[str, Any]) -> RenderableType:
    query = catalogue.get(name)
    if query is None:
        return Text(f"(query {name} is not in the catalogue)")
    return Syntax(query.text.strip(), "sql", theme="ansi_dark", word_wrap=True)


def keys_hint(step: rb.AnyStep, allow_write: bool) -> str:
    if step.kind in RUNNABLE_KINDS:
        return "r / Enter runs this step; n adds a note."
    if isinstance(step, rb.ManualStep):
        return "Space marks it done (or not); n adds a note."
    if isinstance(step, rb.CommandStep):
        ask = ", after you confirm (it changes state)" if step.changes_state else ""
        return f"r / Enter runs the configured command{ask}; n adds a note."
    write = "" if allow_write else " (applying needs --allow-write)"
    return f"p / Enter previews the rows it would change, then asks to confirm{write}."


def step_body(
    step: rb.AnyStep,
    settings: Settings,
    catalogue: Mapping[str, Any],
    *,
    allow_write: bool,
) -> RenderableType:
    """The step's own words, its SQL or command, and the keys that act on it."""
    parts: list[RenderableType] = [Text(f"{step.kind}: {step.title}", style="bold")]
    if step.text:
        parts.append(Text(step.text))
    if step.why:
        parts.append(Text.assemble(("Why: ", "bold"), step.why))
    if step.prevention:
        parts.append(Text.assemble(("Prevention: ", "bold"), step.prevention))
    if isinstance(step, rb.QueryStep):
        parts += [Text(f"\nSQL ({step.query}):", style="bold"), sql_of(step.query, catalogue)]
    elif isinstance(step, rb.ActionStep):
        from console.recovery.actions import get_spec

        spec = get_spec(step.action)
        parts.append(Text.assemble(("\nWhat it does: ", "bold"), spec.description))
        parts += [Text(f"\nPreview SQL ({step.preview}):", style="bold")]
        parts.append(sql_of(step.preview, catalogue))
        parts += [Text(f"Apply SQL ({step.write}):", style="bold"), sql_of(step.write, catalogue)]
    elif isinstance(step, rb.CommandStep):
        argv = settings.service_commands.get(step.command)
        shown = " ".join(argv) if argv else "not configured ([service_commands])"
        parts.append(Text.assemble(("\nCommand: ", "bold"), shown))
        if step.changes_state:
            parts.append(Text("It changes state: it runs only after you confirm.", "bold"))
    elif isinstance(step, rb.CheckStep):
        parts.append(Text.assemble(("\nCheck: ", "bold"), step.check))
    elif isinstance(step, rb.LogStep):
        where = settings.log_sources.get(step.source) or step.default_path or "not configured"
        parts.append(Text.assemble(("\nLog: ", "bold"), f"{step.source} ({where})"))
    elif isinstance(step, rb.ManualStep) and step.escalate:
        people = settings.escalation.get(step.escalate, ())
        levels = levels_text(people) or "not configured"
        parts.append(Text.assemble(("\nEscalate: ", "bold"), f"{step.escalate}: {levels}"))
    if step.guide:
        parts.append(Text.assemble(("Guide's original: ", "bold"), step.guide))
    return Group(*parts)


def outcome(step: rb.AnyStep, state: StepState, allow_write: bool = False) -> Text:
    """The step's status line: verdict, rows and time, or the operator's note."""
    line = Text.assemble(status_text(state.status), " ")
    result = state.result
    if state.status == "running":
        line.append("running…")
    elif result is not None:
        line.append(state.verdict or result.verdict)
        extra = []
        if result.columns:
            extra.append(f"{result.row_count} row(s)")
        if result.duration:
            extra.append(f"{result.duration * 1000:.0f} ms")
        if extra:
            line.append(f" ({', '.join(extra)})", "dim")
    elif state.verdict:
        line.append(state.verdict)
    elif isinstance(step, rb.ManualStep):
        line.append("not done yet")
    else:
        line.append("not run yet")
    if state.note:
        line.append(f"\nNote: {state.note}")
    line.append(f"\n{keys_hint(step, allow_write)}", style="italic")
    return line
