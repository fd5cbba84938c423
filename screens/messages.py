"""The typed messages by which panels, views and dialogs tell the app what the operator did.

The screens never call the app: they post one of these and the app hands it to the
controller whose job it is (harlequin's views post `QueriesExecuted`; the app answers).
What a screen needs to *read* it gets from the small host protocol it declares and its
controller passes in; what it wants *done* travels as a message.

Navigation (open a runbook, a drill-down) bubbles from the screen up to the app. Records
for the incident timeline are posted to the app itself (`self.app.post_message`): the
screen may be closed by the time a step finishes, and the record must not be lost with
it. The refresh requests are cheap to repeat, so a newer one replaces a queued one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from console.recovery.actions import ActionResult, Plan

# --- navigation -----------------------------------------------------------------------


@dataclass
class DrillDown(Message):
    """Enter (or a click) on a panel row that has rows behind it; `kind` says which panel."""

    kind: str
    key: str


@dataclass
class OpenRunbook(Message):
    """Open the runbook `runbook_id` (from the checklist index)."""

    runbook_id: str


# --- refresh requests -----------------------------------------------------------------


@dataclass
class RenderWanted(Message):
    """The dashboard is visible again: catch up with the polls it missed."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RenderWanted)


@dataclass
class StatusWanted(Message):
    """Something the status bar shows changed (an incident opened, a screen came back)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StatusWanted)


# --- records for the open incident's timeline (a no-op when none is open) -------------


@dataclass
class StepRecorded(Message):
    """A runbook step ran, was ticked or got a note."""

    runbook_id: str
    step_id: str
    verdict: str
    rows: int | None = None
    status: str = ""  # ok / warn / fail ...: how the other consoles show the step


@dataclass
class LiveUpdated(Message):
    """The shared incident moved (screens.controllers.live): `entry` is a timeline entry
    that just committed (a console.incidents.live.LiveEntry), or None when the people,
    roles, claims or approvals changed. Posted to the screen on top."""

    entry: Any = None

    def can_replace(self, message: Message) -> bool:
        return self.entry is None and isinstance(message, LiveUpdated) and message.entry is None


@dataclass
class PlanPreviewed(Message):
    """A recovery action was previewed (its plan goes on the timeline before any apply)."""

    plan: Plan


@dataclass
class ActionApplied(Message):
    """A recovery action finished applying (or was refused by the database)."""

    result: ActionResult
