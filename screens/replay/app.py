"""`incident-console replay FILE`: the live dashboard, driven by a recording.

The IncidentApp itself, with the replay as its SnapshotSource (`source.py`), the recorded
findings as its evaluator and the player's position as its clock, so the panels, the
findings, the checklist index and the status bar ("data 2s old") are the live code
showing the recorded moment. Nothing is ever written: there is no database (no DSN, no
state database, no write window), so drill-downs and steps say so, and no recording is
made of a replay.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from console.core.config import Settings, dsn_host
from console.incidents.phases import phase_at
from console.recording import format as fmt
from console.recording.player import Player, SeekError
from console.recording.recording import RecordedEvent, Recording
from screens.app import IncidentApp
from screens.dialogs.help import HelpScreen, binding_keys
from screens.dialogs.prompt import PromptScreen
from screens.options import DashboardOptions
from screens.replay.screen import ReplayScreen
from screens.replay.source import ReplaySource
from screens.replay.timeline import ReplayTimeline

REFRESH_SECONDS = 0.5  # how often the replayed dashboard catches up with the player

# The player's moves by key (screen.REPLAY_KEYS), and what a jump says when it finds none.
MOVES: dict[str, tuple[Callable[[Player], object], str]] = {
    "faster": (Player.faster, ""),
    "slower": (Player.slower, ""),
    "next_finding": (Player.next_finding, "next finding"),
    "previous_finding": (Player.previous_finding, "earlier finding"),
    "next_entry": (Player.next_entry, "next timeline entry"),
    "previous_entry": (Player.previous_entry, "earlier timeline entry"),
}


class ReplayApp(IncidentApp):
    CSS_PATH = Path(__file__).resolve().parent.parent / "app.tcss"  # the dashboard's layout
    TITLE = "incident-console replay"

    def __init__(
        self,
        recording: Recording,
        *,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        handle_signals: bool = False,
    ) -> None:
        player = Player(recording, speed=speed, clock=monotonic)
        source = ReplaySource(player)
        database = str(recording.settings.get("database") or "")
        options = DashboardOptions(
            environment=f"REPLAY {recording.path.name}",
            db_host=dsn_host(database) if database else "recorded",
            dsn=None,
            allow_write=False,
            interval=REFRESH_SECONDS,
            clock=lambda: player.position,
            max_backoff=REFRESH_SECONDS,
            handle_signals=handle_signals,
            settings=Settings(),
            state_dsn=None,
            report_dir=Path.cwd(),
        )
        super().__init__(lambda: source, options, evaluate=source.evaluate)
        self.player = player
        self.source = source
        self.dashboard = self.presenter.dashboard = ReplayScreen(self.timeline_frame)

    # --- what the screens show -----------------------------------------------------------

    def timeline_frame(self, widget: ReplayTimeline) -> None:
        """Fill the side timeline from the frame the last poll showed."""
        frame = self.source.frame
        if frame is None:
            return
        upcoming = next(
            (e for e in self.player.recording.events if e.at > frame.at and e.kind != fmt.ERROR),
            None,
        )
        widget.show(frame, self.player.start, self.player.end, upcoming)

    def incident_clock(self, now: datetime) -> str:
        """The recorded incident's phase at the position, after the player's state."""
        mark = "⏸" if self.player.paused else "▶"
        text = f"{mark} {self.player.speed:g}x"
        frame = self.source.frame
        incident = _incident_at(frame.timeline) if frame is not None else None
        if incident and incident.get("opened_at") and not incident.get("closed_at"):
            opened = datetime.fromisoformat(incident["opened_at"])
            clock = phase_at(opened, now)
            minutes = int(clock.elapsed.total_seconds() // 60)
            text += f" {incident.get('severity', '')} INCIDENT {clock.phase.title} +{minutes}m"
        return text

    # --- keys ----------------------------------------------------------------------------

    def _moved(self, event: object = None, what: str = "") -> None:
        if what and event is None:
            self.notify(f"no {what} after this moment" if "next" in what else f"no {what}")
        self.polling.poll_now()
        self.render_status()

    def action_toggle_pause(self) -> None:
        self.player.toggle()
        self._moved()

    def action_move(self, name: str) -> None:
        """A player key of REPLAY_KEYS (`app.move('faster')`): one of MOVES."""
        move, looking_for = MOVES[name]
        self._moved(move(self.player), looking_for)

    def action_seek_by(self, seconds: float) -> None:
        self.player.seek_by(float(seconds))
        self._moved()

    def action_seek(self) -> None:
        def go(text: str | None) -> None:
            if text is None:
                return
            try:
                self.player.seek_text(text)
            except SeekError as exc:
                self.notify(str(exc), severity="error")
            self._moved()

        self.push_screen(
            PromptScreen("Go to", "A time (HH:MM[:SS] UTC), +90s / +5m from the start, or ISO."),
            go,
        )

    def action_timeline(self) -> None:
        self.dashboard.action_toggle_timeline()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        bindings = [*self.screen.BINDINGS, *self.BINDINGS]
        self.push_screen(HelpScreen(list(binding_keys(bindings, self.get_key_display))))


def _incident_at(timeline: tuple[RecordedEvent, ...]) -> dict[str, Any] | None:
    found = [e.data.get("incident") for e in timeline if e.kind == fmt.INCIDENT]
    return found[-1] if found else None
