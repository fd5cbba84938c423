"""SVG snapshots of the checklist index with P1 items lit, and of the action confirm dialog.

The clock is frozen and the preview is a fixed Plan value (as `actions.plan` returns it),
so every run draws the same frame. Review a changed snapshot before accepting it.
"""

from __future__ import annotations

import pytest
from support.checklist_samples import checklist_app, frozen_plan
from support.dashboard_samples import settle
from textual.widgets import Input

from screens.dialogs.action_confirm import ActionConfirmScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_checklist_index_with_p1_lit(snap_compare, size, tmp_path) -> None:
    app = checklist_app(None, tmp_path)

    async def open_index(pilot) -> None:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_index)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_action_confirm_dialog(snap_compare, size, tmp_path) -> None:
    app = checklist_app(None, tmp_path, allow_write=True)

    async def open_dialog(pilot) -> None:
        await settle(pilot)
        app.open_runbook("issue_state_transitions")
        await pilot.pause()
        app.push_screen(ActionConfirmScreen(frozen_plan(), app.recovery_controller))
        await pilot.pause()
        app.screen.query_one(Input).cursor_blink = False
        await pilot.press("1")  # a wrong digit typed: Apply stays disabled
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_dialog)
