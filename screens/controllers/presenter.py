"""What the screens show from the poll state: the panels, the status bar, the findings.

Rendering is skipped while paused or while a dialog is over the dashboard, and caught up
when the dashboard is visible again (it posts `RenderWanted`). The status bar of every
visible screen is refreshed from the latest poll, not from what the dashboard last drew
(the top screen's every second and after each poll, one behind a dialog when more than
the clock changed): on a runbook or the timeline it tells the live severity and data
age. A finding that fires while the dashboard is not in front raises a notification
naming it and `!`, the key that opens its runbook. The checklist index follows the
polls too, while it is open.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from textual.app import App
from textual.screen import Screen

from screens.controllers.polling import PollState
from screens.findings import FindingLike
from screens.options import DashboardOptions
from screens.views.checklist_index import ChecklistScreen
from screens.views.dashboard import DashboardScreen
from screens.widgets.panel import RenderContext
from screens.widgets.status_bar import StatusBar, StatusInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def steady(info: StatusInfo) -> StatusInfo:
    """`info` without what ticks every second (the clock, the data's age, countdowns).

    A bar behind a dialog is repainted through the dialog (Textual redraws the whole
    screen in front, ~10 KB at 80x24), so it takes a new severity, connection state or
    mode at once, but not each second's clock."""
    return replace(
        info,
        now=EPOCH,
        data_taken_at=None,
        connection=re.sub(r"\d+", "", info.connection),
        incident=re.sub(r"\d+", "", info.incident),
        write_left=re.sub(r"\d+", "", info.write_left),
    )


@dataclass(eq=False)
class DashboardPresenter:
    """Turns the `PollState` into a `RenderContext` for the panels and a `StatusInfo`."""

    app: App[Any]
    dashboard: DashboardScreen
    state: PollState
    options: DashboardOptions
    _: KW_ONLY
    incident_clock: Callable[[datetime], str]

    def __post_init__(self) -> None:
        # Writable now: --allow-write and a window open (kept by write_windows.py).
        self.allow_write = self.options.allow_write
        # What the panels show now (drill-downs open from it: the row the operator saw).
        self.rendered: RenderContext | None = None
        # Who is on the shared incident, for the status bar (set by the incident controller).
        self.people: Callable[[], str] = lambda: ""
        # The finding ids of the last poll seen, and the newest one that fired.
        self._seen: set[str] = set()
        self.fired: FindingLike | None = None
        # The write window's time left, for the status bar (set by write_windows.py).
        self.write_left: Callable[[], str] = lambda: ""
        # Each screen's status bars, found once: a query walks the screen's whole DOM,
        # every second (only screens that have one are remembered, while mounted).
        self._bars: WeakKeyDictionary[Screen[Any], list[StatusBar]] = WeakKeyDictionary()

    @property
    def dashboard_on_top(self) -> bool:
        """The dashboard is visible: mounted, and no dialog over it (nor shutting down)."""
        try:
            stack = self.app.screen_stack
        except KeyError:  # the mode's stack is gone while the app shuts down
            return False
        return bool(stack) and stack[-1] is self.dashboard and self.dashboard.is_mounted

    @property
    def can_render(self) -> bool:
        return self.dashboard_on_top and not self.state.paused

    def context(self) -> RenderContext:
        size = self.app.size
        return RenderContext(
            snapshot=self.state.snapshot,
            now=self.options.clock(),
            findings=tuple(self.state.shown_findings()),
            findings_error=self.state.findings_error,
            db_error=self.state.error,
            event_filter=self.state.event_filter,
            compact=size.width < 120,
            width=max(20, size.width // (2 if size.width < 120 else 3) - 4),
        )

    def render_now(self) -> None:
        """Render panels and status, unless paused or a dialog is open (then later)."""
        self._tell_fired()
        if self.can_render:
            self.rendered = self.context()
            self.dashboard.show(self.rendered)
        elif not self.state.paused:
            top = self.top()
            if isinstance(top, ChecklistScreen):
                top.show_findings(self.current_findings())
        self.render_status()

    def top(self) -> Screen[Any] | None:
        try:
            return self.app.screen
        except Exception:  # no screen while the app shuts down
            return None

    def _tell_fired(self) -> None:
        """Findings new since the last poll, while the operator is elsewhere: say so."""
        findings = list(self.state.shown_findings())
        new = [f for f in findings if f.id not in self._seen]
        self._seen = {f.id for f in findings}
        if not new:
            return
        self.fired = new[0]
        if self.dashboard_on_top:
            return  # the Findings panel shows it
        for finding in new:
            self.app.notify(
                f"{finding.severity} {finding.title}: press ! to open its runbook",
                title="Finding fired",
                severity="error" if finding.severity in ("P0", "P1") else "warning",
                timeout=15,
            )

    def visible_screens(self) -> list[Screen[Any]]:
        """The top screen and, under a dialog, the screens seen behind it."""
        try:
            stack = list(self.app.screen_stack)
        except Exception:  # no stack while the app shuts down
            return []
        visible: list[Screen[Any]] = []
        for screen in reversed(stack):
            visible.append(screen)
            if not screen.is_modal:
                break
        return visible

    def render_status(self) -> None:
        bars = [
            bar
            for screen in self.visible_screens()
            if screen.is_mounted
            for bar in self.status_bars(screen)
        ]
        if not bars:
            return
        now = self.options.clock()
        # Paused, the status tells what the frozen panels show; else the latest poll.
        frozen = self.state.paused and self.rendered is not None
        shown = self.rendered.findings if frozen and self.rendered else self.current_findings()
        snap = self.rendered.snapshot if frozen and self.rendered else self.state.snapshot
        info = StatusInfo(
            environment=self.options.environment,
            db_host=self.options.db_host,
            allow_write=self.allow_write,
            severity=min((f.severity for f in shown), default=None),
            now=now,
            data_taken_at=snap.taken_at if snap else None,
            connection=self.state.connection_text(now),
            paused=self.state.paused,
            interval_seconds=self.state.interval,
            event_filter=self.state.event_filter,
            incident=self.incident_clock(now),
            people=self.people(),
            read_only_proven=getattr(snap, "read_only_proven", None),
            write_left=self.write_left(),
        )
        top = self.top()
        for bar in bars:
            behind = bar.screen is not top
            if behind and bar.info is not None and steady(bar.info) == steady(info):
                continue  # only the clock moved: not worth a repaint of the dialog in front
            bar.info = info

    def status_bars(self, screen: Screen[Any]) -> list[StatusBar]:
        """The screen's status bars, as found the last time while they stay on it."""
        held = self._bars.get(screen)
        if held and all(bar.is_attached and bar.screen is screen for bar in held):
            return held
        found = list(screen.query(StatusBar))
        if found:
            self._bars[screen] = found
        return found

    def current_findings(self) -> list[FindingLike]:
        """The findings of the last poll, most severe first."""
        return list(self.state.shown_findings())

    def selected_finding(self) -> FindingLike | None:
        """The finding under the Findings panel's cursor, else the most severe one."""
        findings = self.current_findings()
        key = self.dashboard.selected_finding_id()
        chosen = next((f for f in findings if f.id == key), None)
        return chosen or (findings[0] if findings else None)
