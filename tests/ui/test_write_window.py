"""Accountable write mode in the real app: `--allow-write` asks why, lasts a bounded time,
`W` opens and ends a window, and the console says when it is read-only again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.checklist_samples import checklist_app, seed_stuck_orders, states, wait_for
from support.dashboard_samples import screen_text, settle, status_text

from screens.dialogs.action_confirm import ActionConfirmScreen
from screens.dialogs.prompt import PromptScreen
from tests.conftest import TestDatabase


def asking_app(dsn: str | None, tmp_path: Path) -> Any:
    """Started with --allow-write and no reason yet, as `incident-console --allow-write`."""
    app = checklist_app(dsn, tmp_path, allow_write=True)
    app.write_windows.reason = None
    return app


def toasts(app: Any) -> str:
    """The notifications on screen now (a toast wraps its words across rows)."""
    return " | ".join(n.message for n in app._notifications)


def audit_lines(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_allow_write_asks_why_first_and_esc_stays_read_only(tmp_path: Path) -> None:
    app = asking_app(None, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        assert "Why does this console need to write?" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard)
        await settle(pilot)
        assert "READ-ONLY" in status_text(app) and "WRITE" not in status_text(app)
        assert not app.recovery_controller.allow_write
        assert "No write window is open" in app.recovery_controller.read_only_help


async def test_w_opens_a_window_with_its_reason_then_ends_it(tmp_path: Path) -> None:
    app = asking_app(None, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard)
        await pilot.press("W")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"stuck orders", "enter")
        await wait_for(pilot, lambda: "WRITE 30m left" in status_text(app))
        assert app.recovery_controller.allow_write
        await wait_for(pilot, lambda: any(r["phase"] == "opened" for r in audit_lines(tmp_path)))
        opened = audit_lines(tmp_path)[0]
        assert (opened["action_id"], opened["detail"]["reason"]) == ("write_window", "stuck orders")
        await pilot.press("W")  # ends it now
        await wait_for(pilot, lambda: "READ-ONLY" in status_text(app))
        await wait_for(pilot, lambda: "read-only again" in toasts(app))
        await wait_for(pilot, lambda: len(audit_lines(tmp_path)) == 2)
        assert audit_lines(tmp_path)[1]["detail"]["why"] == "ended by you"


async def test_the_window_runs_out_and_an_apply_is_then_refused(
    db: TestDatabase, tmp_path: Path
) -> None:
    with db.connect() as conn:
        seed_stuck_orders(conn, 2)
    app = asking_app(db.dsn, tmp_path)
    app.recovery_controller.mode.minutes = 0.05  # 3 s instead of 30 min
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"drill", "enter")
        await wait_for(pilot, lambda: "WRITE" in status_text(app))
        await wait_for(pilot, lambda: "READ-ONLY" in status_text(app), timeout=10)
        await wait_for(pilot, lambda: "ran out: the console is read-only again" in toasts(app))
        app.open_runbook("issue_state_transitions")
        await pilot.pause()
        step = next(s for s in app.screen.runbook.steps if s.kind == "action")
        app.screen.select(step.id)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionConfirmScreen))
        assert "No write window is open" in screen_text(app)  # no token to type
        with db.connect() as conn:
            assert states(conn) == {"pending": 3}
