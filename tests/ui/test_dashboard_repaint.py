"""Steady-state repaint: over SSH every repainted cell is bytes on the wire.

The app's real poll and render path is fed the same Snapshot again (or only the clock
moves), and what Textual is asked to repaint is counted through its own hook: every
`Widget.refresh` call, with the regions it names (none = the whole widget).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta

from support.dashboard_samples import (
    NOW,
    TAKEN,
    healthy,
    make_app,
    panel_text,
    running,
    screen_text,
    settle,
    status_text,
)
from textual.geometry import Region
from textual.widget import Widget

from console.metrics.snapshot import Backlog, Snapshot
from screens.controllers.source import StaticSource
from screens.widgets.status_bar import StatusBar
from screens.widgets.throughput import steady_scale

Refresh = tuple[Widget, tuple[Region, ...]]


@contextmanager
def counting_refreshes() -> Iterator[list[Refresh]]:
    """Record every repaint request made through Textual's `Widget.refresh`."""
    calls: list[Refresh] = []
    original = Widget.refresh

    def recording(self: Widget, *regions: Region, **kwargs: bool) -> Widget:
        if kwargs.get("repaint", True):
            calls.append((self, regions))
        return original(self, *regions, **kwargs)

    Widget.refresh = recording  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        Widget.refresh = original  # type: ignore[method-assign]


def in_panels(calls: list[Refresh]) -> list[Refresh]:
    return [(w, r) for w, r in calls if any("panel" in a.classes for a in w.ancestors_with_self)]


def cells(regions: tuple[Region, ...], widget: Widget) -> int:
    return sum(r.area for r in regions) if regions else widget.outer_size.area


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def poll_again(pilot, polls: int) -> None:
    pilot.app.action_poll_now()
    await settle(pilot, polls=polls)
    await pilot.pause()


async def test_the_same_snapshot_again_repaints_no_panel() -> None:
    app = make_app(healthy(), interval=60)
    async with running(app) as pilot:
        await pilot.pause()
        shown = {key: panel_text(app, key) for key in ("throughput", "errors", "connections")}
        with counting_refreshes() as calls:
            await poll_again(pilot, polls=2)
        assert app.state.polls == 2
        assert in_panels(calls) == []
        assert {key: panel_text(app, key) for key in shown} == shown


async def test_only_the_clock_ticking_repaints_a_few_status_cells() -> None:
    clock = Clock(NOW)
    app = make_app(healthy(), interval=60, clock=clock)
    async with running(app) as pilot:
        await pilot.pause()
        with counting_refreshes() as calls:
            clock.now = NOW + timedelta(seconds=1)
            app.render_status()
            await pilot.pause()
        assert "03:00:01" in status_text(app) and "3s old" in status_text(app)
        assert in_panels(calls) == []
        bar = app.dashboard.query_one(StatusBar)
        assert calls and all(bar in widget.ancestors_with_self for widget, _ in calls)
        repainted = sum(cells(regions, widget) for widget, regions in calls)
        assert 0 < repainted <= 20  # "1 UTC │ data 3", not the 120-cell line
        # and Textual sends a changed line from the widget's left edge: the ticking
        # parts of the bar are their own widget, starting at the clock
        (widget,) = {widget for widget, _ in calls}
        assert widget.region.x > 40 and str(widget.render()).startswith("03:00:01")


async def test_a_changed_value_repaints_its_cells_not_the_panels() -> None:
    first = healthy()
    second = replace(first, backlog=replace(first.backlog, unprocessed=4))
    assert isinstance(second.backlog, Backlog)
    app = make_app(source=StaticSource([first, second]), interval=60)
    async with running(app) as pilot:
        await pilot.pause()
        with counting_refreshes() as calls:
            await poll_again(pilot, polls=2)
        assert "Unprocessed 4" in panel_text(app, "backlog")
        repainted = in_panels(calls)
        assert repainted, "the new value was not repainted"
        assert {w.parent.id for w, _ in repainted if w.parent is not None} == {"backlog"}
        assert sum(cells(regions, widget) for widget, regions in repainted) <= 10


async def test_ages_moving_on_repaint_changed_cells_not_whole_widgets() -> None:
    first = healthy()
    later = TAKEN + timedelta(seconds=30)
    second = replace(first, taken_at=later)  # same rows: ages and the plot move on
    app = make_app(source=StaticSource([first, second]), interval=60)
    async with running(app) as pilot:
        await pilot.pause()
        with counting_refreshes() as calls:
            await poll_again(pilot, polls=2)
        whole = [w for w, regions in in_panels(calls) if not regions]
        assert whole == [], f"whole widgets repainted: {whole}"


def busier(snapshot: Snapshot) -> Snapshot:
    """The next poll: more traffic this minute, an error counted, a session gone."""
    last = snapshot.throughput[-1]
    grown = replace(last, by_type={k: v + 40 for k, v in last.by_type.items()})
    return replace(
        snapshot,
        throughput=(*snapshot.throughput[:-1], grown),
        errors=tuple(replace(g, count_1h=g.count_1h + 1) for g in snapshot.errors),
        connections=replace(snapshot.connections, sessions=snapshot.connections.sessions[:1]),
        backlog=replace(snapshot.backlog, unprocessed=123_456),
    )


async def test_cells_updated_in_place_show_what_a_fresh_dashboard_shows() -> None:
    """Whatever was repainted in place, the screen reads as if drawn from scratch."""
    first = healthy()
    second = busier(first)
    updated = make_app(source=StaticSource([first, second]), interval=60)
    fresh = make_app(second, interval=60)
    async with running(updated) as pilot:
        await poll_again(pilot, polls=2)
        await pilot.pause()
        seen = screen_text(updated)
    async with running(fresh) as pilot:
        await pilot.pause()
        expected = screen_text(fresh)
    assert "123,456" in seen and "Invalid signature" in seen
    assert seen == expected


def test_the_filling_minute_keeps_the_plot_scale_of_the_complete_minutes() -> None:
    assert steady_scale([5.0, 9.0, 7.0, 0.0]) == [5.0, 9.0, 7.0, 5.0]  # shows lowest
    assert steady_scale([5.0, 9.0, 7.0, 30.0]) == [5.0, 9.0, 7.0, 9.0]  # shows full
    assert steady_scale([5.0, 9.0, 7.0, 6.0]) == [5.0, 9.0, 7.0, 6.0]
