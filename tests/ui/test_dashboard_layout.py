"""Steady layout: a poll whose data fits the panels as they are lays nothing out again.

A layout pass arranges the whole screen again and repaints what moved (about 10 ms of
CPU at 120x40). Sessions come and go on every busy database, short queries make the
Connections panel's "Longest" line come and go: neither may move the panels. The count
is taken through Textual's own `Screen._refresh_layout`, on the app's real poll path.
A panel whose part of the Snapshot did not change is not rendered again at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from support.dashboard_samples import healthy, make_app, panel_text, running, screen_text, session
from textual.screen import Screen

from console.metrics.snapshot import Snapshot
from screens.controllers.source import StaticSource
from screens.views.dashboard import PANELS
from screens.widgets.panel import Panel, RenderContext

SIZES = [(120, 40), (80, 24)]


@contextmanager
def counting_layouts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Screen]]:
    passes: list[Screen] = []
    original = Screen._refresh_layout

    def counted(self: Screen, *args: object, **kwargs: object) -> None:
        passes.append(self)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    yield passes
    monkeypatch.undo()


def sessions_come_and_go() -> list[Snapshot]:
    """Polls of a busy database: a session more, then fewer, the longest query gone."""
    first = healthy()
    conn = first.connections
    extra = session(4300, "active", "SELECT count(*) FROM orders", 2.5)
    more = replace(conn, total=13, sessions=(*conn.sessions, extra), longest=extra)
    fewer = replace(conn, total=11, sessions=conn.sessions[1:], longest=None)
    return [first, replace(first, connections=more), replace(first, connections=fewer), first]


async def poll(pilot, polls: int) -> None:
    pilot.app.action_poll_now()
    while pilot.app.state.polls < polls:
        await pilot.pause(0.01)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_sessions_coming_and_going_lay_nothing_out_again(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    polls = sessions_come_and_go()
    app = make_app(source=StaticSource(polls), interval=3600)
    async with running(app, size=size) as pilot:
        await pilot.pause()
        for number, snapshot in enumerate(polls[1:], start=2):
            with counting_layouts(monkeypatch) as passes:
                await poll(pilot, number)
            assert passes == [], f"poll {number} laid the screen out again"
            shown = panel_text(app, "connections")
            for s in snapshot.connections.sessions:
                assert str(s.pid) in shown
            if size[0] >= 120:  # compact, the table's first rows stand for it
                assert ("Longest" in shown) == (snapshot.connections.longest is not None)
        seen = screen_text(app)
    fresh = make_app(polls[-1], interval=3600)
    async with running(fresh, size=size) as pilot:
        await pilot.pause()
        assert seen == screen_text(fresh)  # what stayed in place reads as drawn anew


async def test_a_blocked_session_still_gets_its_summary_line() -> None:
    """The held height is a floor: a summary that needs more lines grows (and lays out)."""
    first = healthy()
    conn = first.connections
    waiter = session(4301, "active", "UPDATE orders SET state = 'paid'", 9.0, blocked_by=(4242,))
    blocked = replace(conn, total=13, sessions=(*conn.sessions, waiter), blocked=(waiter,))
    app = make_app(source=StaticSource([first, replace(first, connections=blocked)]), interval=3600)
    async with running(app) as pilot:
        await poll(pilot, 2)
        assert "Blocked: 4301 waits for 4242" in panel_text(app, "connections")
        seen = screen_text(app)
    fresh = make_app(replace(first, connections=blocked), interval=3600)
    async with running(fresh) as pilot:
        await pilot.pause()
        assert seen == screen_text(fresh)


async def test_a_poll_renders_only_the_panels_whose_part_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The backlog moved, nothing else: the other panels are not even rebuilt."""
    first = healthy()
    second = replace(first, backlog=replace(first.backlog, unprocessed=4))
    app = make_app(source=StaticSource([first, second, second]), interval=3600)
    rendered: list[str] = []
    for panel in PANELS:
        original = panel.render_body

        def recording(self: Panel, ctx: RenderContext, original=original) -> None:
            rendered.append(self.key)
            original(self, ctx)

        monkeypatch.setattr(panel, "render_body", recording)
    async with running(app) as pilot:
        await pilot.pause()
        rendered.clear()
        await poll(pilot, 2)
        assert rendered == ["backlog"]
        assert "Unprocessed 4" in panel_text(app, "backlog")
        rendered.clear()
        await poll(pilot, 3)
        assert rendered == []
