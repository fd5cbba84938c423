"""The team's checklist progress, folded from the shared timeline and the live claims."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from console.incidents.claims import Claim
from console.incidents.live import LiveEntry
from console.incidents.progress import checklists
from console.runbooks.loader import load_runbooks

INCIDENT = uuid.uuid4()


def entry(seq: int, kind: str, who: str, **data: object) -> LiveEntry:
    return LiveEntry(seq, uuid.uuid4(), INCIDENT, datetime.now(UTC), kind, who, kind, data)


def test_steps_show_the_latest_verdict_and_who_is_running_what() -> None:
    runbooks = load_runbooks()
    runbook = runbooks["high_error_rate"]
    first, second = runbook.steps[0].id, runbook.steps[1].id
    entries = [
        entry(1, "step_started", "alice", runbook="high_error_rate", step=first),
        entry(
            2,
            "step",
            "alice",
            runbook="high_error_rate",
            step=first,
            verdict="w",
            rows=3,
            status="warn",
        ),
        entry(3, "note", "bob"),
    ]
    running = [Claim("high_error_rate", second, "bob", uuid.uuid4(), "", datetime.now(UTC))]
    [progress] = checklists(runbooks, entries, running, firing=["high_error_rate", "nope"])
    states = {s["id"]: (s["status"], s["who"]) for s in progress.as_json()["steps"]}
    assert states[first] == ("warn", "alice")
    assert states[second] == ("running", "bob")
    assert progress.done == 1 and progress.as_json()["total"] == len(runbook.steps)
    assert [s["status"] for s in progress.as_json()["steps"][2:]] == ["pending"] * (
        len(runbook.steps) - 2
    )


def test_a_runbook_with_a_step_on_the_timeline_is_listed_even_when_nothing_fires() -> None:
    runbooks = load_runbooks()
    step = runbooks["processing_delay"].steps[0].id
    entries = [entry(1, "step", "carol", runbook="processing_delay", step=step, verdict="ok")]
    assert [c.runbook for c in checklists(runbooks, entries, [])] == ["processing_delay"]
    assert checklists(runbooks, [], []) == []
