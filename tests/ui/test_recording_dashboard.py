"""The live dashboard records by itself while an incident is open, and `w` on the
timeline writes the postmortem with the four charts of that recording beside it."""

from __future__ import annotations

from pathlib import Path

from support.checklist_samples import checklist_app, widget_text
from support.dashboard_samples import settle
from support.pilot import wait_until

from console.core.state import init_state
from console.recording import format as fmt
from console.recording.background import LiveRecording
from console.recording.recording import Recording
from screens.dialogs.prompt import PromptScreen
from screens.views.timeline_screen import TimelineScreen
from tests.conftest import TestDatabase


async def test_an_open_incident_is_recorded_and_w_writes_its_charts(
    db: TestDatabase, tmp_path: Path
) -> None:
    init_state(db.dsn)
    folder = tmp_path / "recordings"
    recording = LiveRecording(None, folder=folder)
    app = checklist_app(db.dsn, tmp_path, interval=0.2, recording=recording)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert recording.path is None  # nothing open: nothing written
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await wait_until(pilot, lambda: "No incident open" in widget_text(app, "#tl-head"))
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one("Input").value = ""
        await pilot.press(*"P1 Checkout errors", "enter")
        await wait_until(pilot, lambda: recording.path is not None, timeout=10)
        polls = app.state.polls
        await wait_until(pilot, lambda: app.state.polls >= polls + 3, timeout=10)
        await pilot.press("w")
        await wait_until(pilot, lambda: "ostmortem" in widget_text(app, "#tl-report"), timeout=30)
        said = widget_text(app, "#tl-report")
    assert "Postmortem written" in said, said
    recording.close()
    reports = sorted(p.name for p in (tmp_path / "reports").iterdir())
    [draft] = [name for name in reports if name.endswith(".md")]
    stem = draft[: -len(".md")]
    assert reports == sorted(
        [
            draft,
            *(f"{stem}-{c}.png" for c in ("throughput", "error-rate", "p95-latency", "backlog")),
        ]
    )
    text = (tmp_path / "reports" / draft).read_text()
    assert f"![Throughput]({stem}-throughput.png)" in text
    assert "- **Recording**: `incident-" in text
    [path] = list(folder.iterdir())
    recorded = Recording.open(path)
    assert recorded.damage is None and len(recorded) >= 4
    kinds = [e.kind for e in recorded.events]
    assert kinds[0] == fmt.FIRED  # lit before the incident: the minutes before it came too
    assert kinds[kinds.index(fmt.INCIDENT) + 1] == fmt.ENTRY  # then its "opened" entry
    assert "P1 incident opened: Checkout errors (commander alice)" in [
        e.text for e in recorded.events
    ]
