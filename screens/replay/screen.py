"""The replayed dashboard: the live dashboard's panels and status bar, the timeline beside.

The same keys as the live dashboard, read for a recording: `p` pauses and plays, `+` and
`-` change the speed (1x-60x) instead of the refresh, and the replay adds its seeks: `]`
and `[` the next / previous finding fired or cleared, `n` and `N` the next / previous
timeline entry, `.` and `,` 30 s on / back, `g` a time (HH:MM[:SS], +5m, ISO). `t` shows
or hides the timeline (hidden at first on a narrow terminal).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal
from textual.widgets import Footer

from screens.replay.timeline import ReplayTimeline
from screens.views.dashboard import PANELS, DashboardScreen
from screens.widgets.panel import RenderContext
from screens.widgets.status_bar import StatusBar

REPLAY_KEYS: list[BindingType] = [
    Binding("p", "app.toggle_pause", "Play/pause"),
    Binding("plus", "app.move('faster')", "Faster", key_display="+"),
    Binding("minus", "app.move('slower')", "Slower", key_display="-"),
    Binding("right_square_bracket", "app.move('next_finding')", "Next finding", key_display="]"),
    Binding("left_square_bracket", "app.move('previous_finding')", "Prev finding", key_display="["),
    Binding("n", "app.move('next_entry')", "Next entry"),
    Binding("N", "app.move('previous_entry')", "Previous entry", key_display="N", show=False),
    Binding("full_stop", "app.seek_by(30)", "30 s on", key_display=".", show=False),
    Binding("comma", "app.seek_by(-30)", "30 s back", key_display=",", show=False),
    Binding("g", "app.seek", "Go to time"),
    Binding("t", "toggle_timeline", "Timeline"),
]
_REPLACED = {"p", "plus", "minus", "t", "r"}


class ReplayScreen(DashboardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        *[b for b in DashboardScreen.BINDINGS if isinstance(b, Binding) and b.key not in _REPLACED],
        *REPLAY_KEYS,
    ]

    DEFAULT_CSS = """
    ReplayScreen #replay-body {
        height: 1fr;
    }
    ReplayScreen #panels {
        width: 1fr;
    }
    """

    def __init__(self, fill_timeline: Callable[[ReplayTimeline], None]) -> None:
        super().__init__()
        self.fill_timeline = fill_timeline

    def show(self, ctx: RenderContext) -> None:
        super().show(ctx)
        self.fill_timeline(self.query_one(ReplayTimeline))

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="replay-body"):
            with Grid(id="panels"):
                for panel in PANELS:
                    yield panel()
            yield ReplayTimeline(id="replay-timeline")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        if self.app.size.width < 120:
            self.query_one(ReplayTimeline).add_class("-hidden")

    def action_toggle_timeline(self) -> None:
        self.query_one(ReplayTimeline).toggle_class("-hidden")
