"""What the checklist screens show: the runbooks in the guide's order, lit by findings, and
each step's progress in this console session.

Plain Python (no widgets), so the rules — which item a finding lights, what a step's
status says — are testable without a terminal. Runbooks load once, lazily: a broken
runbook file is one line on the index, never a crash of the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.runbooks.model import Runbook

# The guide's Quick Reference headings, then the other kinds of runbook.
GROUPS: tuple[tuple[str, str], ...] = (
    ("P0", "P0 Critical: immediate response"),
    ("P1", "P1 High: response within 1 hour"),
    ("P2", "P2 Medium: response within 4 hours"),
    ("issue", "Common issues (Issue 1-6)"),
    ("advanced", "Advanced troubleshooting"),
    ("recovery", "Recovery procedures"),
    ("reference", "Reference"),
)
RUNNABLE_KINDS = ("query", "check", "log")
STATUS_STYLE = {
    "ok": "green",
    "done": "green",
    "warn": "bold yellow",
    "fail": "bold red",
    "error": "bold red",
    "skipped": "dim",
    "pending": "",
    "running": "bold",
}


@dataclass
class StepState:
    """One step's progress: pending until run (or ticked, for manual steps)."""

    status: str = "pending"
    verdict: str = ""
    result: Any = None  # console.runbooks.run.StepResult
    note: str = ""
    plan: Any = None  # console.recovery.actions.Plan, the last preview
    action_result: Any = None  # console.recovery.actions.ActionResult


@dataclass(frozen=True)
class IndexItem:
    """A line of the checklist index."""

    runbook: Runbook
    label: str
    firing: Any = None  # the first current finding that lights it


def load_runbooks() -> Mapping[str, Runbook]:
    """The shipped runbooks. Their model and TOML parsing are imported when the first
    checklist is opened, not when the dashboard starts."""
    from console.runbooks.loader import load_runbooks as load

    return load()


class Checklists:
    """The runbooks and the progress made on their steps during this session."""

    def __init__(self, loader: Callable[[], Mapping[str, Runbook]] = load_runbooks) -> None:
        self._loader = loader
        self._runbooks: dict[str, Runbook] | None = None
        self.error: str | None = None
        self._progress: dict[tuple[str, str], StepState] = {}

    def runbooks(self) -> dict[str, Runbook]:
        if self._runbooks is None:
            from console.runbooks.model import RunbookError

            try:
                self._runbooks = dict(self._loader())
                self.error = None
            except RunbookError as exc:
                self._runbooks = {}
                self.error = f"runbooks could not be loaded: {str(exc).splitlines()[0]}"
        return self._runbooks

    def get(self, runbook_id: str) -> Runbook | None:
        return self.runbooks().get(runbook_id)

    def state(self, runbook_id: str, step_id: str) -> StepState:
        return self._progress.setdefault((runbook_id, step_id), StepState())

    def done_count(self, runbook: Runbook) -> int:
        return sum(1 for s in runbook.steps if self.state(runbook.id, s.id).status != "pending")

    def for_finding(self, finding_id: str) -> Runbook | None:
        """The runbook a finding opens: its namesake, else the first that lists it."""
        from console.runbooks.model import runbook_for_finding

        found = runbook_for_finding(self.runbooks(), finding_id)
        return self.get(found) if found else None

    def groups(self, findings: Sequence[Any] = ()) -> list[tuple[str, list[IndexItem]]]:
        """The index: Quick Reference P0/P1/P2 in the guide's order, then the others."""
        by_group: dict[str, list[Runbook]] = {key: [] for key, _ in GROUPS}
        for runbook in self.runbooks().values():
            key = runbook.priority if runbook.kind == "quick_reference" else runbook.kind
            by_group.setdefault(key or "reference", []).append(runbook)
        from console.runbooks.model import FINDING_IDS

        order = {fid: i for i, fid in enumerate(FINDING_IDS)}
        out: list[tuple[str, list[IndexItem]]] = []
        for key, heading in GROUPS:
            runbooks = sorted(
                by_group.get(key, []), key=lambda r: (order.get(r.id, 99), r.title, r.id)
            )
            if runbooks:
                items = [IndexItem(r, item_label(r), lighting(r, findings)) for r in runbooks]
                out.append((heading, items))
        return out


def item_label(runbook: Runbook) -> str:
    """The guide's Quick Reference wording for its items, else the runbook's title."""
    if runbook.kind == "quick_reference":
        from console.triage import GUIDE_ITEMS

        return GUIDE_ITEMS.get(runbook.id, runbook.title)
    return runbook.title


def lighting(runbook: Runbook, findings: Iterable[Any]) -> Any:
    """The first finding that concerns this runbook, or None."""
    for finding in findings:
        if finding.id == runbook.id or finding.id in runbook.findings:
            return finding
    return None
