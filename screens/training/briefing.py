"""The page before the clock starts: what fired, when, what it looks like, what counts as
done, and the par times. Enter starts the scenario (the faults go in then), so reading
the page costs the trainee nothing: the screen posts `StartRequested` and the training
app starts the session, then calls `start_failed` if it could not."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.training.scenarios import CHECK_KINDS, Scenario
from console.training.scoring import HARM_GRADE_CAP, HARM_POINTS
from screens.training.text import clock

SEVERITY_STYLE = {"P0": "bold reverse red", "P1": "bold red", "P2": "bold yellow"}


def briefing_body(scenario: Scenario) -> Text:
    """The page. Objectives name no finding: finding it is the exercise."""
    b = scenario.briefing
    text = Text()
    text.append(f" PAGE {b.at} ", style=SEVERITY_STYLE.get(b.severity, "bold reverse"))
    text.append(f" {b.alert}\n", style="bold")
    text.append(f"Scenario: {scenario.title} ({scenario.id})\n\n")
    text.append("Symptoms\n", style="bold underline")
    for symptom in b.symptoms:
        text.append(f"  • {symptom}\n")
    text.append("Customer impact\n", style="bold underline")
    text.append(f"  {b.customer_impact}\n")
    text.append("Objectives\n", style="bold underline")
    count = len(scenario.diagnose_findings)
    text.append(
        f"  Diagnose: open the firing finding{'s' if count > 1 else ''} behind the page "
        f"and {'their runbooks' if count > 1 else 'its runbook'} (Enter on a finding).\n"
    )
    text.append("  Resolve: all of these hold at once:\n")
    for kind in dict.fromkeys(c.kind for c in scenario.checks):
        text.append(f"    • {CHECK_KINDS[kind]}\n")
    text.append("Par ", style="bold underline")
    text.append(
        f" diagnose {clock(scenario.par_diagnose_seconds)}, resolve "
        f"{clock(scenario.par_resolve_seconds)}; {len(scenario.hints)} hints at "
        f"-{scenario.hint_cost} points each; each harmful action costs {HARM_POINTS} points "
        f"and caps the grade at {HARM_GRADE_CAP}.\n"
    )
    return text


class BriefingScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "start", "Start the clock"),
        Binding("q", "app.quit", "Quit"),
    ]
    DEFAULT_CSS = """
    BriefingScreen #briefing-body { padding: 0 1; height: 1fr; }
    BriefingScreen #briefing-status { height: auto; padding: 0 1; text-style: bold; }
    """

    class StartRequested(Message):
        """Enter on the briefing: start the scenario and the clock."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario
        self.starting = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="briefing-body"):
            yield Static(briefing_body(self.scenario))
        yield Static("Press Enter to start the clock.", id="briefing-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#briefing-body").focus()

    def say(self, text: str) -> None:
        self.query_one("#briefing-status", Static).update(text)

    def action_start(self) -> None:
        if self.starting:
            return
        self.starting = True
        self.say("Starting the scenario: receiver, traffic, fault…")
        self.post_message(self.StartRequested())

    def start_failed(self, message: str) -> None:
        """Stays `starting`: a half-started simulation is not retried; q leaves."""
        self.say(f"! could not start: {message}. q quits.")
