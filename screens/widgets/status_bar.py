"""The one-line status bar: where am I, can I write, how bad is it, how fresh is this.

At 80 columns not everything fits, so parts first switch to their short form and then
are dropped by priority (least useful first) rather than cut: the write mode, the
severity and the connection state always stay, as words, so they read the same
without colour.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.css.scalar import Scalar
from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget

from screens.formatting import duration, severity_word
from screens.widgets.quiet import (
    QuietRefresh,
    can_diff,
    refresh_changed,
    render_strips,
    same_content,
)

SEPARATOR = " │ "
SEVERITY_STYLE = {"P0": "bold reverse red", "P1": "bold red", "P2": "bold yellow"}


@dataclass(frozen=True)
class StatusInfo:
    environment: str
    db_host: str
    allow_write: bool
    severity: str | None
    now: datetime
    data_taken_at: datetime | None = None
    connection: str = ""  # e.g. "DB DOWN: reconnecting in 4 s"; empty when healthy
    paused: bool = False
    interval_seconds: float = 2.0
    event_filter: str = ""
    incident: str = ""  # the open incident's phase clock, e.g. "P1 INCIDENT Investigation +7m"
    people: str = ""  # the shared incident: "you: operator · 3 on · 1 approval waiting"
    read_only_proven: bool | None = None  # False: the server did not refuse the startup write
    write_left: str = ""  # the write window's time left ("30m", "45 s"), while one is open


@dataclass
class Part:
    priority: int  # 0 never drops; higher drops first
    full: Text
    short: Text


def _part(priority: int, full: str, short: str | None = None, style: str = "") -> Part:
    return Part(priority, Text(full, style=style), Text(short or full, style=style))


def status_parts(info: StatusInfo) -> list[Part]:
    """The parts in display order."""
    mode, mode_style = ("WRITE", "bold reverse red") if info.allow_write else ("READ-ONLY", "bold")
    mode_full = f" {mode} "
    if info.allow_write and info.write_left:  # the write window's countdown
        mode_full, mode = f" WRITE {info.write_left} left ", f"WRITE {info.write_left}"
    if not info.allow_write and info.read_only_proven is False:
        mode_full, mode, mode_style = " READ-ONLY NOT PROVEN ", "RO UNPROVEN", "bold reverse red"
    age, age_short = "no data yet", "no data"
    if info.data_taken_at is not None:
        seconds = max(0.0, (info.now - info.data_taken_at).total_seconds())
        age_short = f"{duration(seconds) if seconds >= 60 else f'{seconds:.0f}s'} old"
        age = f"data {age_short}"
    severity_full, severity_short = severity_word(info.severity), info.severity or "OK"
    if info.severity is None and info.data_taken_at is None:
        severity_full, severity_short = "severity unknown", "?"
    parts = [
        _part(1, info.environment or "environment?", style="bold"),
        _part(2, f"db {info.db_host}", info.db_host),
        _part(0, mode_full, mode, style=mode_style),
        _part(
            0,
            severity_full,
            severity_short,
            style=SEVERITY_STYLE.get(info.severity or "", "bold"),
        ),
        _part(4, info.now.strftime("%H:%M:%S UTC"), info.now.strftime("%H:%M:%SZ")),
        _part(3, age, age_short),
    ]
    if info.connection:
        brief = info.connection.replace("reconnecting in ", "retry ").replace(
            "retrying in ", "retry "
        )
        parts.append(_part(0, info.connection, brief.replace(" s", "s"), style="bold reverse"))
    if info.incident:
        brief = info.incident.replace("Immediate Response", "Immediate")
        parts.append(_part(1, info.incident, brief, style="bold reverse"))
    if info.people:
        brief = info.people.replace("you: ", "").replace(" waiting", "")
        waiting = "approval" in info.people  # someone waits for a decision: keep it longer
        parts.append(_part(2 if waiting else 5, info.people, brief))
    if info.paused:
        parts.append(_part(1, " PAUSED ", "PAUSED", style="bold reverse"))
    parts.append(_part(7, f"every {duration(info.interval_seconds)}"))
    if info.event_filter:
        parts.append(_part(5, f"filter: {info.event_filter}", f"/{info.event_filter}"))
    return parts


def _join(parts: list[Part], short: set[int]) -> Text:
    return Text(SEPARATOR).join(p.short if i in short else p.full for i, p in enumerate(parts))


def fit_status(info: StatusInfo, width: int) -> Text:
    """Degrade step by step until the line fits `width`: shorten the minor parts, drop
    the optional ones (clock, age, interval, filter), shorten the essential ones, then
    drop all but the essentials (write mode, severity, connection state)."""
    parts = status_parts(info)
    short: set[int] = set()

    def fits() -> bool:
        return _join(parts, short).cell_len <= width

    def shorten_where(keep: Callable[[int], bool]) -> None:
        for index in sorted(range(len(parts)), key=lambda i: (-parts[i].priority, i)):
            if fits():
                return
            if keep(parts[index].priority):
                short.add(index)

    def drop_where(keep: Callable[[int], bool]) -> None:
        nonlocal short
        while not fits():
            candidates = [i for i, p in enumerate(parts) if keep(p.priority)]
            if not candidates:
                return
            drop = max(candidates, key=lambda i: (parts[i].priority, i))
            parts.pop(drop)
            short = {i - (i > drop) for i in short if i != drop}

    shorten_where(lambda p: p >= 1)
    drop_where(lambda p: p >= 3)
    shorten_where(lambda p: True)
    drop_where(lambda p: p > 0)
    text = _join(parts, short)
    text.truncate(width, overflow="ellipsis")
    return text


TICKING = re.compile(r"\d\d:\d\d:\d\d|\S+ old\b|no data")


def ticking_offset(text: Text) -> int:
    """Where the parts that change every second (clock, data age) begin."""
    found = TICKING.search(text.plain)
    return found.start() if found else 0


class StatusPart(QuietRefresh, Widget):
    """One side of the status bar; a new text repaints only the cells that changed.

    The lines drawn for a text are kept: the next second's comparison starts from them
    instead of drawing the old text again."""

    _text: Text = Text()
    _drawn: tuple[Text, Size, VisualStyle, list[Strip]] | None = None

    def render(self) -> Text:
        return self._text

    def show(self, text: Text, width: int | None = None) -> None:
        if width is not None and self.styles.width != Scalar.from_number(width):
            self._text = text
            self.styles.width = width  # lays out again: both sides are repainted
            self.refresh()
        elif not same_content(text, self._text):
            self._show_quietly(text)

    def _show_quietly(self, text: Text) -> None:
        if not can_diff(self):
            self._text = text
            self.refresh()
            return
        drawn, shape = self._drawn, (self.size, self.visual_style)
        if drawn is not None and drawn[0] is self._text and drawn[1:3] == shape:
            before = drawn[3]
        else:
            before = render_strips(self, self._text)
        self._text = text
        after = render_strips(self, text)
        self._drawn = (text, *shape, after)
        if len(before) != len(after):
            self.refresh()
        else:
            refresh_changed(self, before, after)


class StatusBar(Widget):
    """Renders a StatusInfo to the current width.

    Set every second for the clock and the data's age. Textual repaints a changed line
    of a widget from the widget's left edge, so the line is drawn by two widgets: the
    steady parts (environment, host, write mode, severity) and, from the clock on, the
    ticking ones, of which only the changed cells are repainted."""

    DEFAULT_CSS = """
    StatusBar { height: 1; dock: top; background: $panel; layout: horizontal; }
    StatusBar > StatusPart { height: 1; width: 1fr; }
    """

    _info: StatusInfo | None = None
    # the two sides, kept from compose: set every second, never looked up in the DOM
    _parts: tuple[StatusPart, StatusPart] | None = None

    def compose(self) -> ComposeResult:
        self._parts = (StatusPart(classes="steady"), StatusPart(classes="ticking"))
        yield from self._parts

    @property
    def info(self) -> StatusInfo | None:
        return self._info

    @info.setter
    def info(self, info: StatusInfo | None) -> None:
        self._info = info
        self.show_parts()

    def on_mount(self) -> None:
        self.show_parts()

    def on_resize(self) -> None:
        self.show_parts()

    def show_parts(self) -> None:
        if self._parts is None or not self.is_mounted:
            return
        steady_part, ticking_part = self._parts
        text = self.render()
        cut = ticking_offset(text)
        steady, ticking = text[:cut], text[cut:]
        steady_part.show(steady, width=steady.cell_len)
        ticking_part.show(ticking)

    def render(self) -> Text:
        if self.info is None:
            return Text("incident-console: starting…")
        return fit_status(self.info, self.size.width)
