"""The command palette's entries: every key's action, each runbook, each panel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from textual.app import SystemCommand

from screens.views.checklist_state import Checklists
from screens.views.dashboard import PANELS, DashboardScreen


class PaletteHost(Protocol):
    """What the palette reaches on the app (its key actions, runbooks and panels)."""

    checklists: Checklists
    dashboard: DashboardScreen

    def action_toggle_pause(self) -> None: ...
    def action_filter(self) -> None: ...
    def action_poll_now(self) -> None: ...
    def action_slower(self) -> None: ...
    def action_faster(self) -> None: ...
    def action_help(self) -> None: ...
    def action_checklists(self) -> None: ...
    def action_timeline(self) -> None: ...
    def open_runbook(self, runbook_id: str) -> None: ...


def palette_commands(app: PaletteHost) -> Iterable[SystemCommand]:
    """What the palette offers besides Textual's own commands."""
    yield SystemCommand("Pause / resume", "Freeze the panels", app.action_toggle_pause)
    yield SystemCommand("Filter by event type", "Show some types", app.action_filter)
    yield SystemCommand("Poll now", "Refresh without waiting", app.action_poll_now)
    yield SystemCommand("Refresh slower", "Longer poll interval", app.action_slower)
    yield SystemCommand("Refresh faster", "Shorter poll interval", app.action_faster)
    yield SystemCommand("Help", "Keys and HTTP codes", app.action_help)
    yield SystemCommand("Checklists", "P0/P1/P2 and every runbook (c)", app.action_checklists)
    yield SystemCommand("Incident timeline", "Open, notes, postmortem (t)", app.action_timeline)
    for runbook in app.checklists.runbooks().values():
        yield SystemCommand(
            f"Runbook: {runbook.title}",
            runbook.guide_section or runbook.id,
            lambda rid=runbook.id: app.open_runbook(rid),
        )
    for panel in PANELS:
        yield SystemCommand(
            f"Focus {panel.label or panel.title}",
            f"Key {panel.number}",
            lambda key=panel.key: app.dashboard.action_focus_panel(key),
        )
