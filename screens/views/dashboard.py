"""The dashboard screen: status bar, seven panels, and the keys that move between them.

The screen only shows what its controller hands it (`show`) and turns keys into actions;
polling and its state live in the controllers. Keys are bound here, not on the app, so
they do nothing while a dialog is open on top. Enter on a row posts a `DrillDown` that
bubbles up to the app; coming back into view posts `RenderWanted` (catch up on polls).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer

from screens.messages import RenderWanted
from screens.widgets.backlog import BacklogPanel
from screens.widgets.connections import ConnectionsPanel
from screens.widgets.errors import ErrorsPanel
from screens.widgets.findings import FindingsPanel
from screens.widgets.latency import LatencyPanel
from screens.widgets.panel import Panel, PanelTable, RenderContext
from screens.widgets.status_bar import StatusBar
from screens.widgets.stuck_orders import StuckOrdersPanel
from screens.widgets.throughput import ThroughputPanel

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
        Binding("W", "app.write_window", "Write window (open/end)", show=False),
        Binding("e", "app.evidence", "Finding evidence", show=False),
        Binding("y", "copy_index_fix", "Copy the index a waiting panel names", show=False),
        Binding("m", "toggle_maximize", "Maximise"),
        Binding("escape", "minimize", "Restore size", show=False),
        Binding("slash", "app.filter", "Filter"),
        Binding("p", "app.toggle_pause", "Pause"),
        Binding("r", "app.poll_now", "Poll now", show=False),
        Binding("plus", "app.slower", "Refresh less often", key_display="+", show=False),
        Binding("minus", "app.faster", "Refresh more often", key_display="-", show=False),
    ]

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

    def selected_finding_id(self) -> str | None:
        """The finding under the Findings panel's cursor."""
        table = self.query_one(FindingsPanel).query_one(PanelTable)
        if not table.row_count or not 0 <= table.cursor_row < table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key).split("\x00", 1)[0] if key is not None else None

    def on_screen_resume(self) -> None:
        self.post_message(RenderWanted())

    def action_focus_panel(self, key: str) -> None:
        panel = self.query_one(f"#{key}", Panel)
        if self.maximized is not None:
            self.maximize(panel, container=False)
        panel.focus_body()
        panel.scroll_visible(animate=False)

    def action_copy_index_fix(self) -> None:
        """The CREATE INDEX statement a panel waits for, to paste into psql (OSC 52)."""
        fix = next((p.index_fix for p in self.query(Panel) if p.index_fix), None)
        if fix is None:
            self.notify("No panel is waiting for an index.", severity="warning")
            return
        self.app.copy_to_clipboard(fix)
        self.notify(f"Copied: {fix}", title="Index fix")

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


# Keys shown on one row of the help, the second undoing the first.
PAIRED_KEYS = {"+": "-", "m": "esc"}


def dashboard_keys(
    app_bindings: Sequence[BindingType], key_display: Callable[[Binding], str]
) -> Iterable[tuple[str, str]]:
    """The help screen's list on the dashboard: panel numbers, the keys bound here and on
    the app, and the keys that are not bindings (Enter, Tab, the palette)."""
    panels = sorted(PANELS, key=lambda p: p.number)
    yield (
        f"{panels[0].number}-{panels[-1].number}",
        "Focus a panel: " + ", ".join(f"{p.number} {p.label or p.title}" for p in panels),
    )
    keys = [
        (key_display(binding), binding.description)
        for binding in [*DashboardScreen.BINDINGS, *app_bindings]
        if isinstance(binding, Binding) and not binding.key.isdigit()
    ]
    described = dict(keys)
    pairs = {k: v for k, v in PAIRED_KEYS.items() if k in described and v in described}
    for key, description in keys:
        if key in pairs:  # one row for the pair: the help (and the HTTP codes) fits one screen
            second = described[pairs[key]].removeprefix("Refresh ")
            yield f"{key} / {pairs[key]}", f"{description} / {second[0].lower()}{second[1:]}"
        elif key not in pairs.values():
            yield key, description
    yield "Enter", "Drill down (errors, stuck orders, connections); a finding: its runbook"
    yield "Tab / Shift+Tab", "Next / previous panel"
    yield "Ctrl+P", "Command palette"
