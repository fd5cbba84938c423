"""SVG snapshots of the dashboard at 80x24 and 160x48: healthy, a P1 firing, database down.

The clock shown is frozen and the poll interval long, so every run draws the same frame.
Review a changed snapshot (`pytest --snapshot-update`, then read the SVG) before
accepting it.
"""

from __future__ import annotations

import pytest
from support.dashboard_samples import P1_FINDINGS, healthy, make_app, p1_firing, settle

from console.core.db import ConnectionFailed
from screens.controllers.source import StaticSource

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_healthy(snap_compare, size) -> None:
    app = make_app(healthy(), interval=60)
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_p1_firing(snap_compare, size) -> None:
    app = make_app(p1_firing(), findings=P1_FINDINGS, interval=60)
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_database_down(snap_compare, size) -> None:
    down = ConnectionFailed("cannot reach the database at db.internal:5432: connection refused")
    app = make_app(source=StaticSource(error=down), interval=60)
    assert snap_compare(app, terminal_size=size, run_before=settle)


def test_snapshot_help_at_80x24(snap_compare) -> None:
    app = make_app(healthy(), interval=60)

    async def open_help(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_help)
