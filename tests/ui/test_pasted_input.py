"""A check step that needs pasted input (guide Issue 1: verify a failed delivery's
Stripe-Signature header and raw body) asks for it in a dialog on the runbook screen,
instead of being skipped: paste-safe (a multi-line body never sends the dialog), and no
secret, nor the pasted header, is ever echoed."""

from __future__ import annotations

import time
from pathlib import Path

from support.checklist_samples import checklist_app, open_runbook, wait_for
from support.dashboard_samples import running, screen_text
from support.pilot import wait_screen
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from console.checks.signature import sign
from console.core.config import Settings
from console.core.masking import Secret
from screens.dialogs.pasted_input import PastedInputScreen
from screens.views.runbook_screen import RunbookScreen

SECRET = "whsec_" + "k3y" * 12
BODY = '{\n  "id": "evt_1",\n  "type": "payment_intent.succeeded"\n}\n'


async def ask_for_paste(pilot: Pilot) -> PastedInputScreen:
    """Issue 1's pasted signature step run: its dialog, on top and mounted."""
    await open_runbook(pilot, "issue_signature", "paste")
    await pilot.press("r")
    dialog: PastedInputScreen = await wait_screen(pilot, PastedInputScreen)
    return dialog


async def test_the_pasted_signature_step_asks_verifies_and_echoes_nothing(tmp_path: Path) -> None:
    settings = Settings(stripe_webhook_secret=Secret(SECRET))
    header = sign(BODY.encode(), SECRET, int(time.time()))
    app = checklist_app(None, tmp_path, settings=settings)
    async with running(app) as pilot:
        dialog = await ask_for_paste(pilot)
        app.post_message(events.Paste(header))  # the header field has the focus
        await wait_for(pilot, lambda: dialog.query_one("#in-header", Input).value == header)
        assert "a header with a timestamp and 1 v1 signature(s)" in screen_text(app)
        area = dialog.query_one("#in-payload", TextArea)
        area.focus()
        await pilot.pause()
        app.post_message(events.Paste(BODY))  # as a terminal pastes: to the focused widget
        await wait_for(pilot, lambda: area.text == BODY)
        assert isinstance(app.screen, PastedInputScreen)
        shown = screen_text(app)
        assert header not in shown and header.split("v1=")[1][:16] not in shown
        await pilot.press("ctrl+s")
        await wait_screen(pilot, RunbookScreen)
        state = app.checklists.state("issue_signature", "paste")
        await wait_for(pilot, lambda: state.status not in ("pending", "running"))
        assert state.status == "ok", state.verdict
        assert state.verdict.startswith("valid: signed with secret #1")
        shown = screen_text(app)
        assert SECRET not in shown and SECRET not in state.verdict
        assert header.split("v1=")[1][:16] not in shown


async def test_a_pasted_secret_is_refused_by_name_and_never_shown(tmp_path: Path) -> None:
    app = checklist_app(None, tmp_path, settings=Settings(stripe_webhook_secret=Secret(SECRET)))
    async with running(app) as pilot:
        dialog = await ask_for_paste(pilot)
        app.post_message(events.Paste(SECRET))
        await wait_for(pilot, lambda: "secret or an API key" in screen_text(app))
        dialog.query_one("#in-payload", TextArea).insert(BODY)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PastedInputScreen)  # refused, still asking
        assert SECRET not in screen_text(app)
        await pilot.press("escape")
        await wait_screen(pilot, RunbookScreen)
        assert app.checklists.state("issue_signature", "paste").status == "pending"
