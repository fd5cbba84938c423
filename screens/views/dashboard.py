"""The dashboard screen: status bar, seven panels, and the keys that move between them.

The screen only shows what the app hands it (`show`) and turns keys and Enter into
actions; polling and its state live in the app. Keys are bound here, not on the app, so
they do nothing while a dialog is open on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer

from screens.widgets.backlog import BacklogPanel
from screens.widgets.connections import ConnectionsPanel
from screens.widgets.errors import ErrorsPanel
from screens.widgets.findings import FindingsPanel
from screens.widgets.latency import LatencyPanel
from screens.widgets.panel import DrillDown, Panel, PanelTable, RenderContext
from screens.widgets.status_bar import StatusBar, StatusInfo
from screens.widgets.stuck_orders import StuckOrdersPanel
from screens.widgets.throughput import ThroughputPanel

if TYPE_CHECKING:
    from screens.app import IncidentApp

# DOM order is layout order (see app.tcss); the number keys follow each panel's `number`.
PANELS: tuple[type[Panel], ...] = (
    FindingsPanel,
    BacklogPanel,
    ThroughputPanel,
    StuckOrdersPanel,
    ErrorsPanel,
    LatencyPanel,
    ConnectionsPanel,
)


def _focus_bindings() -> list[Binding]:
    return [
        Binding(str(p.number), f"focus_panel('{p.key}')", f"Focus {p.label or p.title}", show=False)
        for p in sorted(PANELS, key=lambda p: p.number)
    ]


class DashboardScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [
        (0, "-narrow"),
        (120, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        *_focus_bindings(),
        Binding("c", "app.checklists", "Checklists"),
        Binding("t", "app.timeline", "Timeline", show=False),
        Binding("e", "app.evidence", "Finding evidence", show=False),
        Binding("m", "toggle_maximize", "Maximise"),
        Binding("escape", "minimize", "Restore size", show=False),
        Binding("slash", "app.filter", "Filter"),
        Binding("p", "app.toggle_pause", "Pause"),
        Binding("r", "app.poll_now", "Poll now", show=False),
        Binding("plus", "app.slower", "Refresh less often", key_display="+", show=False),
        Binding("minus", "app.faster", "Refresh more often", key_display="-", show=False),
    ]

    @property
    def incident_app(self) -> IncidentApp:
        return cast("IncidentApp", self.app)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Grid(id="panels"):
            for panel in PANELS:
                yield panel()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(FindingsPanel).focus_body()

    def show(self, ctx: RenderContext) -> None:
        for panel in self.query(Panel):
            panel.show(ctx)

    def show_status(self, info: StatusInfo) -> None:
        for bar in self.query(StatusBar):  # none while the app is shutting down
            bar.info = info

    def selected_finding_id(self) -> str | None:
        """The finding under the Findings panel's cursor."""
        table = self.query_one(FindingsPanel).query_one(PanelTable)
        if not table.row_count or not 0 <= table.cursor_row < table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key).split("\x00", 1)[0] if key is not None else None

    def on_screen_resume(self) -> None:
        self.incident_app.render_now()

    def action_focus_panel(self, key: str) -> None:
        panel = self.query_one(f"#{key}", Panel)
        if self.maximized is not None:
            self.maximize(panel, container=False)
        panel.focus_body()
        panel.scroll_visible(animate=False)

    def action_toggle_maximize(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused
        panel = (
            next((a for a in focused.ancestors_with_self if isinstance(a, Panel)), None)
            if focused
            else None
        )
        if panel is None:
            panel = self.query_one(FindingsPanel)
        self.maximize(panel, container=False)

    def on_drill_down(self, message: DrillDown) -> None:
        message.stop()
        self.incident_app.open_drilldown(message.kind, message.key)
