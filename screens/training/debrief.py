"""The debrief: the grade and why, the times against par, hints and harm, and the ideal
path beside what the trainee did, each move with its time. `q` leaves the console.

It renders only a `Score` and a `Debrief` (plus the scenario's par), so it shows the
same thing for a live run and for a run re-judged from its record.
"""

from __future__ import annotations

from typing import ClassVar

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.training.scenarios import Scenario
from console.training.scoring import Debrief, Score
from screens.training.text import clock, event_line, ideal_line, versus_par

GRADE_STYLE = {"A": "bold green", "B": "bold green", "C": "bold yellow", "D": "bold red"}


def score_text(scenario: Scenario, score: Score) -> Text:
    text = Text()
    text.append(
        f" GRADE {score.grade} ", style="reverse " + GRADE_STYLE.get(score.grade, "bold red")
    )
    reason = score.grade_reason
    if not reason.startswith(f"{score.points} points"):
        reason = f"{score.points} points: {reason}"
    text.append(f"  {reason}\n", style="bold")
    text.append(f"Diagnosed {versus_par(score.time_to_diagnose, scenario.par_diagnose_seconds)}")
    text.append(f"   Resolved {versus_par(score.time_to_resolve, scenario.par_resolve_seconds)}\n")
    text.append(f"Hints used {score.hints_used}")
    text.append(f"   Harmful actions {len(score.harmful)}\n")
    for harm in score.harmful:
        text.append(f"  ! {clock(harm.at)} {harm.detail}\n", style="bold red")
    text.append("Deductions\n", style="bold underline")
    if not score.deductions:
        text.append("  none: full marks\n")
    for deduction in score.deductions:
        text.append(f"  -{deduction.points:>4.1f}  {deduction.reason}\n")
    return text


def paths_table(report: Debrief) -> Table:
    """Two columns: the ideal path (ticked with the time the trainee did it) and what the
    trainee did, in order."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    table.add_column("Ideal path", ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column("What you did", ratio=1, no_wrap=True, overflow="ellipsis")
    ideal = Text()
    for step in report.ideal:
        done = step.get("done_at")
        mark, style = ("✓", "green") if done is not None else ("✗", "bold red")
        ideal.append(f"{clock(done):>5} ")
        ideal.append(mark, style=style)
        ideal.append(f" {ideal_line(step)}\n")
    taken = Text()
    for event in report.taken:
        taken.append(f"{clock(event.get('at')):>5} {event_line(event)}\n")
    if not report.taken:
        taken.append("nothing recorded\n", style="dim")
    ideal.rstrip()
    taken.rstrip()
    table.add_row(ideal, taken)
    return table


class DebriefScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "leave", "Leave")]
    DEFAULT_CSS = """
    DebriefScreen #debrief-title { height: 1; padding: 0 1; text-style: bold; background: $panel; }
    DebriefScreen #debrief-body { padding: 0 1; height: 1fr; }
    """

    def __init__(self, scenario: Scenario, score: Score, report: Debrief) -> None:
        super().__init__()
        self.scenario = scenario
        self.score = score
        self.report = report

    def compose(self) -> ComposeResult:
        yield Static(f"Debrief: {self.scenario.title} ({self.scenario.id})", id="debrief-title")
        with VerticalScroll(id="debrief-body"):
            yield Static(Group(score_text(self.scenario, self.score), paths_table(self.report)))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#debrief-body").focus()

    def action_leave(self) -> None:
        self.app.exit(return_code=0 if self.score.resolved else 2)
