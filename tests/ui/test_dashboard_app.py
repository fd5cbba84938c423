"""The dashboard driven through Textual's Pilot: every key, the panels, and the poll loop.

Data comes from a StaticSource (a replay of hand-built Snapshots) through the app's real
poll worker and rendering path.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

import pytest
from support.dashboard_samples import (
    NOW,
    P1_FINDINGS,
    TAKEN,
    healthy,
    make_app,
    p1_firing,
    panel_text,
    running,
    screen_text,
    settle,
    status_text,
)
from textual import events
from textual.command import CommandPalette
from textual.widgets import DataTable, Input, Static

from console.core.db import ConnectionFailed, NoDatabaseConfigured
from console.metrics.snapshot import ErrorGroup, Snapshot
from screens.app import dashboard_command
from screens.controllers.source import StaticSource
from screens.dialogs.confirm import ConfirmScreen
from screens.dialogs.filter import FilterScreen
from screens.dialogs.help import HelpScreen
from screens.views.drilldown import RowsScreen, TextScreen
from screens.views.runbook_screen import RunbookScreen


def focused_panel(app) -> str | None:
    focused = app.focused
    while focused is not None and "panel" not in focused.classes:
        focused = focused.parent
    return focused.id if focused is not None else None


async def test_healthy_snapshot_renders_every_panel() -> None:
    app = make_app(healthy())
    async with running(app, size=(160, 48)):
        assert "No findings" in panel_text(app, "findings")
        assert "payment_intent.succeeded" in panel_text(app, "throughput")
        assert "Invalid signature" in panel_text(app, "errors")
        assert "420ms" in panel_text(app, "latency")
        assert "Unprocessed 3" in panel_text(app, "backlog")
        assert "0 not updated" in panel_text(app, "stuck_orders")
        assert "12 of max 100" in panel_text(app, "connections")
        status = status_text(app)
        for part in ("production", "db.internal:5432", "READ-ONLY", "OK", "03:00:00", "2s old"):
            assert part in status


async def test_findings_sorted_by_severity_with_runbooks_and_text_severity() -> None:
    reversed_findings = tuple(reversed(P1_FINDINGS))
    app = make_app(p1_firing(), findings=reversed_findings)
    async with running(app, size=(160, 48)):
        table = app.screen.query_one("#findings DataTable", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [str(r[0]) for r in rows] == ["P1", "P1", "P2"]
        assert [str(r[4]) for r in rows] == ["high_error_rate", "stuck_orders", "rate_limiting"]
        assert "P1 HIGH" in status_text(app)
        assert "worst P1 HIGH" in panel_text(app, "findings")


async def test_failed_panel_query_is_shown_and_the_others_go_on() -> None:
    app = make_app(p1_firing(), findings=P1_FINDINGS)
    async with running(app, size=(160, 48)):
        failed = "query failed: canceling statement due to statement timeout"
        assert failed in panel_text(app, "errors")
        assert "query failed: canceling statement due to…" in panel_text(app, "latency")  # narrow
        assert "Invalid state transition" in panel_text(app, "errors")  # last good values
        assert "query failed" not in panel_text(app, "throughput")
        assert "5002 waits for 5001" in panel_text(app, "connections")


async def test_number_keys_focus_panels_and_m_maximises() -> None:
    app = make_app(p1_firing())
    async with running(app, size=(80, 24)) as pilot:
        expected = {
            "1": "findings",
            "2": "throughput",
            "3": "errors",
            "4": "latency",
            "5": "backlog",
            "6": "stuck_orders",
            "7": "connections",
        }
        for key, panel in expected.items():
            await pilot.press(key)
            assert focused_panel(app) == panel, key
        errors_table = app.dashboard.query_one("#errors DataTable", DataTable)
        labels = lambda: [str(c.label) for c in errors_table.columns.values()]  # noqa: E731
        assert labels()[-1] == "Last"  # condensed at 80x24
        await pilot.press("3", "m")
        assert app.screen.maximized is not None and app.screen.maximized.id == "errors"
        await pilot.pause()
        assert labels()[-1] == "Last seen"  # maximised: the panel uses the room
        await pilot.press("7")
        assert app.screen.maximized.id == "connections"
        await pilot.press("m")
        assert app.screen.maximized is None
        await pilot.press("m", "escape")
        assert app.screen.maximized is None


async def test_slash_filters_event_types_and_empty_filter_clears() -> None:
    app = make_app(healthy())
    async with running(app, size=(160, 48)) as pilot:
        await pilot.press("slash")
        assert isinstance(app.screen, FilterScreen)
        await pilot.press(*"refund", "enter")
        assert not isinstance(app.screen, FilterScreen)
        throughput = panel_text(app, "throughput")
        assert "charge.refunded" in throughput
        assert "payment_intent.succeeded" not in throughput
        assert "filter: refund" in status_text(app)
        await pilot.press("slash")
        app.screen.query_one(Input).value = ""
        await pilot.press("enter")
        assert "payment_intent.succeeded" in panel_text(app, "throughput")
        assert "filter" not in status_text(app)


async def test_filter_text_with_injection_characters_is_only_a_filter() -> None:
    app = make_app(healthy())
    async with running(app, size=(160, 48)) as pilot:
        await pilot.press("slash")
        app.screen.query_one(Input).value = "'; DROP TABLE x; --"
        await pilot.press("enter")
        assert app.state.event_filter == "'; DROP TABLE x; --"
        table = app.screen.query_one("#throughput DataTable", DataTable)
        assert table.row_count == 0


async def test_p_pauses_rendering_and_resumes_with_the_latest_data() -> None:
    first = healthy(events_per_minute=11.0)
    second = healthy(events_per_minute=99.0, taken_at=TAKEN + timedelta(seconds=1))
    source = StaticSource([first, second])
    app = make_app(source=source, interval=60)
    async with running(app, size=(80, 24)) as pilot:
        await pilot.press("p")
        assert "PAUSED" in status_text(app)
        await pilot.press("r")  # poll now: a poll lands while paused
        await settle(pilot, polls=2)
        assert app.state.snapshot is second
        assert "11/min" in panel_text(app, "throughput")
        await pilot.press("p")
        assert "99/min" in panel_text(app, "throughput")
        assert "PAUSED" not in status_text(app)


async def test_no_rendering_under_a_dialog_then_catch_up_when_it_closes() -> None:
    first = healthy(events_per_minute=11.0)
    second = healthy(events_per_minute=99.0, taken_at=TAKEN + timedelta(seconds=1))
    app = make_app(source=StaticSource([first, second]), interval=60)
    async with running(app, size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        app.action_poll_now()  # (r is not bound under a dialog) a poll lands meanwhile
        await settle(pilot, polls=2)
        assert "11/min" in panel_text(app, "throughput")
        await pilot.press("escape")
        assert "99/min" in panel_text(app, "throughput")


async def test_plus_and_minus_change_the_refresh_interval() -> None:
    app = make_app(healthy())
    async with running(app, size=(160, 48)) as pilot:
        assert "every 2.0s" in status_text(app)
        await pilot.press("plus")
        assert app.state.interval == 5.0
        assert "every 5.0s" in status_text(app)
        await pilot.press("minus", "minus")
        assert app.state.interval == 1.0
        for _ in range(10):
            await pilot.press("minus")
        assert app.state.interval == 0.5


async def test_a_shorter_interval_takes_effect_at_once() -> None:
    app = make_app(healthy(), interval=60)
    async with running(app, size=(80, 24)) as pilot:
        await pilot.press("minus", "minus", "minus", "minus", "minus", "minus")
        assert app.state.interval == 0.5
        await settle(pilot, polls=2, timeout=2.0)  # not 60 s later


async def test_question_mark_shows_keys_and_the_guide_http_codes() -> None:
    app = make_app(healthy())
    async with running(app, size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.keys)
        assert keys["p"] == "Pause" and keys["/"] == "Filter" and keys["q"] == "Quit"
        shown = screen_text(app)
        assert "Pause" in shown and "Filter" in shown
        assert "429" in shown and "Too Many Requests" in shown and "Rate limit exceeded" in shown
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_ctrl_p_opens_the_command_palette_and_q_quits() -> None:
    app = make_app(healthy())
    async with running(app, size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Pause / resume")
        for _ in range(100):  # the palette searches in the background
            await pilot.pause(0.02)
            if "Pause / resume" in screen_text(app):
                break
        await pilot.press("enter")
        await pilot.pause()
        assert app.state.paused
        assert app.screen is app.dashboard
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_the_selected_row_follows_its_key_when_the_order_changes() -> None:
    def groups(x: int, y: int) -> Snapshot:
        return healthy(
            errors=(
                ErrorGroup("Invalid signature", "%Invalid signature%", x, x, TAKEN),
                ErrorGroup("Rate limit exceeded", "%Rate limit exceeded%", y, y, TAKEN),
            )
        )

    app = make_app(source=StaticSource([groups(10, 5), groups(10, 50)]), interval=60)
    async with running(app, size=(160, 48)) as pilot:
        await pilot.press("3")
        table = app.dashboard.query_one("#errors DataTable", DataTable)
        assert table.get_row_at(table.cursor_row)[0] == "Invalid signature"
        await pilot.press("r")
        await settle(pilot, polls=2)
        assert table.get_row_at(0)[0] == "Rate limit exceeded"  # re-sorted
        assert table.get_row_at(table.cursor_row)[0] == "Invalid signature"  # still selected


async def test_e_on_a_finding_shows_its_evidence() -> None:
    app = make_app(p1_firing(), findings=P1_FINDINGS)
    async with running(app, size=(160, 48)) as pilot:
        await pilot.press("1", "e")
        assert isinstance(app.screen, TextScreen)
        body = str(app.screen.body)
        assert "31 of 190 events failed" in body and "runbook: high_error_rate" in body
        await pilot.press("q")  # q closes a dialog; it quits only from the dashboard
        assert app.screen is app.dashboard
        assert app.is_running


async def test_mouse_click_on_a_finding_row_opens_it() -> None:
    app = make_app(p1_firing(), findings=P1_FINDINGS)
    async with running(app, size=(160, 48)) as pilot:
        table = app.dashboard.query_one("#findings DataTable", DataTable)
        await pilot.click(table, offset=(3, 2))  # header row, then the second finding
        await pilot.click(table, offset=(3, 2))  # a click on the selected row selects it
        await pilot.pause()
        assert isinstance(app.screen, RunbookScreen)  # Enter/click opens the runbook
        assert app.screen.runbook.id == "issue_state_transitions"  # stuck_orders' runbook


async def test_database_down_shows_p0_and_reconnects_with_backoff() -> None:
    source = StaticSource(error=ConnectionFailed("cannot reach the database at db:5432"))
    app = make_app(source=source, interval=0.05, max_backoff=0.2)
    async with running(app, size=(80, 24)) as pilot:
        status = status_text(app)
        assert "DB DOWN" in status and "reconnecting in 1 s" in status
        assert "P0" in status
        findings = panel_text(app, "findings")
        assert "db_connection_failure" in findings and "P0" in findings
        assert "no data: cannot reach the database" in panel_text(app, "errors")
        delays = [app.state.backoff()]
        await settle(pilot, polls=3)
        delays.append(app.state.backoff())
        assert delays[1] >= delays[0]
        # the database comes back: the next poll clears the alarm
        source.error = None
        source.snapshots = [healthy()]
        await settle(pilot, polls=app.state.failures + 1)
        assert "DB DOWN" not in status_text(app)
        assert "No findings" in panel_text(app, "findings")


async def test_keys_answer_in_under_100ms_while_a_poll_is_blocked() -> None:
    gate = asyncio.Event()  # never set: the database does not answer
    source = StaticSource([healthy()], gate=gate)
    ticks = iter(range(10_000))
    app = make_app(source=source, clock=lambda: NOW + timedelta(seconds=next(ticks)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        assert source.polls == 1
        loop = asyncio.get_running_loop()
        for key, changed in (("plus", lambda: app.state.interval == 5.0),
                             ("p", lambda: app.state.paused)):  # fmt: skip
            started = loop.time()
            app.post_message(events.Key(key, None))
            while not changed():
                assert loop.time() - started < 0.1, f"{key} not answered within 100 ms"
                await asyncio.sleep(0.002)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        app.render_status()
        assert "waiting for database" in status_text(app)
        assert source.polls == 1  # no second poll piled up behind the blocked one


async def test_a_poll_with_no_answer_times_out_and_retries() -> None:
    source = StaticSource([healthy()], gate=asyncio.Event())
    app = make_app(source=source, poll_timeout=0.1, max_backoff=0.1)
    async with running(app, size=(80, 24)):
        assert app.state.error_kind == "no_answer"
        assert "DB DOWN" in status_text(app)
        assert source.closed  # the stuck source is dropped and rebuilt on the next try


async def test_polls_never_overlap() -> None:
    class CountingSource(StaticSource):
        in_flight = 0
        most = 0

        async def poll(self) -> Snapshot:
            CountingSource.in_flight += 1
            CountingSource.most = max(CountingSource.most, CountingSource.in_flight)
            await asyncio.sleep(0.03)
            CountingSource.in_flight -= 1
            return await super().poll()

    source = CountingSource([healthy()])
    app = make_app(source=source, interval=0.001)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, polls=2)
        await pilot.press("r", "r", "r", "r")  # "poll now", impatiently
        await settle(pilot, polls=6)
    assert source.polls >= 6
    assert CountingSource.most == 1


async def test_a_crashing_triage_is_shown_in_findings_and_panels_still_render() -> None:
    def broken(snapshot: Snapshot):
        raise ValueError("threshold 'x' is not a number")

    app = make_app(healthy())
    app.evaluate = broken
    async with running(app, size=(160, 48)):
        assert "triage: ValueError: threshold 'x' is not a number" in panel_text(app, "findings")
        assert "payment_intent.succeeded" in panel_text(app, "throughput")


async def test_a_crashing_drilldown_shows_its_error_in_place() -> None:
    async def broken() -> list[list[str]]:
        raise KeyError("event_type")

    app = make_app(healthy())
    async with running(app, size=(80, 24)) as pilot:
        app.push_screen(RowsScreen("Events", ("id",), broken))
        for _ in range(100):
            await pilot.pause(0.02)
            if "KeyError" in str(app.screen.query_one("#drill-status", Static).render()):
                break
        assert "! KeyError: 'event_type'" in str(
            app.screen.query_one("#drill-status", Static).render()
        )
        await pilot.press("escape")
        assert app.screen is app.dashboard and app.is_running


async def test_panels_do_not_overlap_and_fit_at_80x24_and_160x48() -> None:
    for size in ((80, 24), (160, 48)):
        app = make_app(p1_firing(), findings=P1_FINDINGS)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            regions = [p.region for p in app.screen.query(".panel")]
            assert len(regions) == 7
            screen = app.screen.region
            for i, region in enumerate(regions):
                assert screen.contains_region(region), (size, region)
                assert region.height >= 3, (size, region)
                for other in regions[i + 1 :]:
                    assert not region.overlaps(other), (size, region, other)


async def test_no_color_keeps_severity_readable_as_words(monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(p1_firing(), findings=P1_FINDINGS)
    async with running(app, size=(80, 24)):
        assert app.no_color
        svg = app.export_screenshot()
        shown = screen_text(app)
    assert "P1 HIGH" in shown and "READ-ONLY" in shown
    assert "\n P1 " in shown and "\n P2 " in shown  # the findings rows name their severity
    assert 'fill="#ff0000"' not in svg


async def test_confirm_stays_visible_at_40x10_and_after_a_resize() -> None:
    app = make_app(healthy(), interval=60)
    answers: list[bool | None] = []
    async with running(app, size=(40, 10)) as pilot:
        question = "Terminate backend 12345? Its connection closes; an open transaction rolls back."
        app.push_screen(ConfirmScreen(question, "12345"), answers.append)
        await pilot.pause()
        for size in ((40, 10), (80, 24), (40, 10)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            field = app.screen.query_one(Input)
            assert app.screen.region.contains_region(field.region), size
            assert field.region.height >= 1 and app.focused is field
            assert "Terminate backend 12345?" in screen_text(app)
        await pilot.press("enter")
        assert "nothing typed" in screen_text(app)
        await pilot.press(*"12345", "enter")
    assert answers == [True]


async def test_an_unexpected_poll_error_is_shown_and_the_last_data_stays() -> None:
    source = StaticSource([healthy()])
    app = make_app(source=source, interval=0.05, max_backoff=60)
    async with running(app, size=(80, 24)) as pilot:
        source.error = RuntimeError("collector bug")
        await settle(pilot, polls=app.state.polls + 1)
        assert "POLL FAILED" in status_text(app)
        assert app.state.error == "RuntimeError: collector bug"
        assert "intent.succeeded" in panel_text(app, "throughput")  # last good data stays
        await pilot.press("2")  # still answering keys
        assert app.focused is not None


def test_dashboard_command_without_a_database_says_so(monkeypatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("INCIDENT_CONSOLE_CONFIG", raising=False)
    args = argparse.Namespace(dsn=None, config=None, allow_write=False)
    with pytest.raises(NoDatabaseConfigured, match="no database configured"):
        dashboard_command(args)
