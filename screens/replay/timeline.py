"""The replay's timeline beside the panels: where we are, and what happened up to there.

A header line says where the player is (time, elapsed of total, speed, paused), then the
recorded events up to the position, newest last: findings fired and cleared, notes,
steps, actions, phase changes. The next event still to come is shown dimmed below, so
the operator sees what `n` / `]` will jump to.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.widgets import Static

from console.recording import format as fmt
from console.recording.player import Frame
from console.recording.recording import RecordedEvent

STYLE = {
    fmt.FIRED: "bold red",
    fmt.CLEARED: "green",
    fmt.PHASE: "bold",
    fmt.INCIDENT: "bold",
    fmt.ENTRY: "",
}


def clock_text(frame: Frame, start: datetime, end: datetime) -> str:
    """`▶ 10x 03:12:04 +04:20/12:00` (or ⏸ when paused)."""

    def span(delta: timedelta) -> str:
        seconds = int(max(0.0, delta.total_seconds()))
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes:02}:{seconds:02}"

    mark = "⏸" if frame.paused else "▶"
    return (
        f"{mark} {frame.speed:g}x {frame.at:%H:%M:%S} +{span(frame.at - start)}/{span(end - start)}"
    )


def timeline_text(frame: Frame, upcoming: RecordedEvent | None, limit: int = 200) -> Text:
    text = Text()
    shown = frame.timeline[-limit:]
    if not shown:
        text.append("nothing on the timeline yet\n", style="dim")
    for event in shown:
        text.append(f"{event.at:%H:%M:%S} ", style="dim")
        text.append(f"{event.text}\n", style=STYLE.get(event.kind, ""))
    if upcoming is not None:
        text.append(f"next {upcoming.at:%H:%M:%S} {upcoming.text}\n", style="dim italic")
    return text


class ReplayTimeline(Static):
    """The side panel of the replay (its content set by the replay app each poll)."""

    DEFAULT_CSS = """
    ReplayTimeline {
        width: 36;
        height: 1fr;
        border: round $primary 60%;
        border-title-align: left;
        padding: 0 1;
        overflow-y: auto;
    }
    ReplayTimeline.-hidden {
        display: none;
    }
    """

    def on_mount(self) -> None:
        self.border_title = "Replay timeline"

    def show(self, frame: Frame, start: datetime, end: datetime, upcoming: RecordedEvent | None):
        self.border_title = clock_text(frame, start, end)
        self.update(timeline_text(frame, upcoming))
        self.scroll_end(animate=False)
