"""Table cells drawn from memory: only a changed cell is drawn again, and the table still
reads, cursor and all, as a table drawn anew (screens/widgets/drawn_cells.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support.dashboard_samples import healthy, make_app, running
from textual.widgets import DataTable

from console.metrics.snapshot import ErrorGroup, Snapshot
from screens.controllers.source import StaticSource
from screens.widgets.panel import PanelTable


def with_errors(snapshot: Snapshot, seen: int) -> Snapshot:
    """Three error groups; the first one counted `seen` times in the hour."""
    first = snapshot.errors[0]
    groups = (
        replace(first, count_1h=seen),
        ErrorGroup("Event too old", "%too old%", 2, 9, first.last_seen),
        ErrorGroup("Rate limit exceeded", "%Rate limit%", 1, 7, first.last_seen),
    )
    return replace(snapshot, errors=groups)


async def poll(pilot, polls: int) -> None:
    pilot.app.action_poll_now()
    while pilot.app.state.polls < polls:
        await pilot.pause(0.01)
    await pilot.pause()


async def test_one_changed_value_draws_one_cell_again(monkeypatch: pytest.MonkeyPatch) -> None:
    first = with_errors(healthy(), seen=40)
    second = with_errors(healthy(), seen=41)
    app = make_app(source=StaticSource([first, second]), interval=3600)
    drawn: list[tuple[int, int]] = []
    original = DataTable._render_cell

    def counted(self: DataTable, row: int, column: int, *args: object, **kwargs: object):
        if isinstance(self, PanelTable) and self.parent is not None and self.parent.id == "errors":
            drawn.append((row, column))
        return original(self, row, column, *args, **kwargs)  # type: ignore[arg-type]

    async with running(app) as pilot:
        await pilot.pause()
        monkeypatch.setattr(DataTable, "_render_cell", counted)
        await poll(pilot, 2)
        monkeypatch.undo()
        table = app.dashboard.query_one("#errors").query_one(PanelTable)
        assert table.get_row_at(0)[1] == "41"
    assert drawn == [(0, 1)]  # the 1h count of the first row, not its whole line


@pytest.mark.parametrize("moves", [0, 2], ids=["cursor on the first row", "cursor moved"])
async def test_cells_from_memory_look_as_drawn_anew(moves: int) -> None:
    first = with_errors(healthy(), seen=40)
    second = with_errors(healthy(), seen=41)
    updated = make_app(source=StaticSource([first, second]), interval=3600)
    fresh = make_app(second, interval=3600)
    shots = []
    for app, polls in ((updated, 2), (fresh, 1)):
        async with running(app) as pilot:
            await pilot.press("3")  # the Errors panel
            for _ in range(moves):
                await pilot.press("down")
            if polls > 1:
                await poll(pilot, polls)
            await pilot.pause()
            shots.append(app.export_screenshot())
    assert shots[0] == shots[1]
