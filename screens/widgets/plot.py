"""The throughput plot: a sparkline drawn once per change, and repainted by the cell.

Textual's sparkline blends a colour for every cell it draws, and a plot polled every
second is drawn several times a poll (the comparison before and after a change, the
repaint, each of its two sides). Here the whole plot is drawn once per new series, each
bar height's colour is blended once, and both sides crop that one drawing.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.renderables.sparkline import Sparkline as SparklineRenderable
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Sparkline

from screens.widgets.quiet import QuietRefresh, can_diff, refresh_changed


def blend_colors(low: Color, high: Color, ratio: float) -> Color:
    """The bar colour Textual's sparkline draws (its private renderables._blend_colors),
    written here so a Textual release that moves that module cannot break the dashboard."""
    if low.triplet is None or high.triplet is None:
        return high
    r1, g1, b1 = low.triplet
    r2, g2, b2 = high.triplet
    return Color.from_rgb(r1 + (r2 - r1) * ratio, g1 + (g2 - g1) * ratio, b1 + (b2 - b1) * ratio)


PlotKey = tuple[object, ...]
Lines = list[list[Segment]]
BlendKey = tuple[Color, Color, float]
BLENDS_KEPT = 4096  # bar colours remembered (a plot of 60 minutes needs about 60)


class SteadySparkline(SparklineRenderable[float]):
    """Textual's sparkline, cell for cell, with each bar height's colour blended once
    (`blends` outlives one drawing: past minutes keep their height, so their colour)."""

    def __init__(self, plot: SparklineRenderable[float], blends: dict[BlendKey, Style]):
        super().__init__(plot.data, width=plot.width, height=plot.height)
        self.min_color, self.max_color = plot.min_color, plot.max_color
        self.summary_function = plot.summary_function
        self.blends = blends

    def bar_style(self, low: Color, high: Color, ratio: float) -> Style:
        key = (low, high, ratio)
        style = self.blends.get(key)
        if style is None:
            if len(self.blends) >= BLENDS_KEPT:
                self.blends.clear()
            style = self.blends[key] = Style.from_color(blend_colors(low, high, ratio))
        return style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if len(self.data) < 2:  # a flat line: Textual's own drawing
            yield from super().__rich_console__(console, options)
            return
        width = self.width or options.max_width
        height = self.height or 1
        bar_line_segments = len(self.BARS)
        bar_segments = bar_line_segments * height - 1
        minimum, maximum = min(self.data), max(self.data)
        extent = maximum - minimum or 1
        low, high = self.min_color.color, self.max_color.color
        assert low is not None and high is not None
        buckets = tuple(self._buckets(list(self.data), num_buckets=width))
        step, index = len(buckets) / width, 0.0  # summed step by step, as Textual does
        ratios = []
        for _ in range(width):
            ratios.append((self.summary_function(buckets[int(index)]) - minimum) / extent)
            index += step
        for row in reversed(range(height)):
            yield from self._row(ratios, row, bar_line_segments, bar_segments, low, high)
            if row > 0:
                yield Segment.line()

    def _row(
        self,
        ratios: Sequence[float],
        row: int,
        bar_line_segments: int,
        bar_segments: int,
        low: Color,
        high: Color,
    ) -> RenderResult:
        bottom, top = row * bar_line_segments, (row + 1) * bar_line_segments
        for ratio in ratios:
            bar_index = int(ratio * bar_segments)
            if bar_index < bottom:
                yield Segment(" ", None)
            elif bar_index >= top:
                yield Segment("█", self.bar_style(low, high, ratio))
            else:
                yield Segment(
                    self.BARS[bar_index % bar_line_segments], self.bar_style(low, high, ratio)
                )


class _Columns:
    """Columns [start, end) of `renderable` drawn `full` cells wide and `height` high.

    The whole plot's lines are kept in `drawn` under `key` (what they were drawn from):
    both sides of a QuietPlot, the comparison before and after a change, and the repaint
    that follows all crop the same drawing."""

    def __init__(
        self,
        renderable: RenderableType,
        full: int,
        start: int,
        end: int,
        height: int,
        drawn: dict[PlotKey, Lines] | None = None,
        key: PlotKey = (),
    ):
        self.renderable, self.full, self.start, self.end = renderable, full, start, end
        self.height, self.drawn, self.key = height, drawn, key

    def _lines(self, console: Console, options: ConsoleOptions) -> Lines:
        lines = self.drawn.get(self.key) if self.drawn is not None else None
        if lines is None:
            wide = options.update(width=self.full, height=self.height)
            lines = console.render_lines(self.renderable, wide, pad=True)
            if self.drawn is not None:
                while len(self.drawn) >= 2:  # the drawing shown and the one replacing it
                    self.drawn.pop(next(iter(self.drawn)))
                self.drawn[self.key] = lines
        return lines

    def crop(self, line: list[Segment]) -> Strip:
        """This side's columns of one line of the whole plot."""
        parts = list(Segment.divide(line, [self.start, self.end]))
        return Strip(parts[1] if len(parts) > 1 else [])

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = self._lines(console, options)
        for index, line in enumerate(lines):
            yield from self.crop(line)
            if index < len(lines) - 1:
                yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.end - self.start, self.end - self.start)


class PlotPart(QuietRefresh, Sparkline):
    """One side of a QuietPlot: the whole sparkline is drawn, this side's columns shown."""

    def render(self) -> RenderableType:
        plot = super().render()
        full = self.parent.size.width if isinstance(self.parent, Widget) else self.size.width
        width, height = self.size
        start = 0 if self.has_class("past") else max(0, full - width)
        assert isinstance(plot, SparklineRenderable)
        plot.width = full
        owner = self.parent if isinstance(self.parent, QuietPlot) else None
        if owner is None:
            return _Columns(plot, full, start, start + width, height)
        key = (
            tuple(plot.data),
            full,
            height,
            plot.min_color,
            plot.max_color,
            plot.summary_function,
        )
        steady = SteadySparkline(plot, owner.blends)
        return _Columns(steady, full, start, start + width, height, owner.drawn, key)


class QuietPlot(Horizontal):
    """A sparkline split in two widgets at its last few columns.

    Textual repaints a changed line of a widget from the widget's left edge, and every
    cell of a sparkline has its own colour (about 2 KB a line). The current minute's bar
    changes with every poll: drawn by its own narrow widget, it repaints a few cells; the
    past minutes repaint only when they change (a new minute, a new maximum)."""

    DEFAULT_CSS = """
    QuietPlot { height: 1; }
    QuietPlot > PlotPart { height: 1fr; }
    QuietPlot > PlotPart.past { width: 1fr; }
    QuietPlot > PlotPart.now { width: 3; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        # the whole plot as last drawn, shared by both sides (see _Columns)
        self.drawn: dict[PlotKey, Lines] = {}
        self.blends: dict[BlendKey, Style] = {}

    def compose(self) -> ComposeResult:
        self._parts = (PlotPart([], classes="past"), PlotPart([], classes="now"))
        yield from self._parts

    @property
    def data(self) -> list[float]:
        return list(self.query_one(PlotPart).data or [])

    _parts: tuple[PlotPart, ...] = ()

    def show_data(self, data: list[float]) -> None:
        """Set the series; repaint only the cells whose drawing changed. The whole plot
        is drawn once for the new series (the repaint crops the same drawing) and each
        side's columns of it are compared with the drawing shown, segment by segment."""
        parts = [part for part in self._parts if list(part.data or []) != data]
        if not parts:
            return
        if not all(can_diff(part) for part in parts):
            for part in parts:
                part.data = data
            return
        before = [self.drawn_columns(part) for part in parts]
        for part in parts:
            with part.holding_refresh():
                part.data = data
        for part, old in zip(parts, before, strict=True):
            new = self.drawn_columns(part)
            if old is None or new is None or len(old) != len(new):
                part.refresh()
            else:
                refresh_changed(part, old, new)

    def drawn_columns(self, part: PlotPart) -> list[Strip] | None:
        """The lines `part` shows of the plot drawn for its data (from the drawing kept)."""
        columns = part.render()
        if not isinstance(columns, _Columns):
            return None
        options = self.app.console_options.update(highlight=False)  # as Textual renders
        return [columns.crop(line) for line in columns._lines(self.app.console, options)]

    def on_resize(self) -> None:
        """Each side draws the whole plot at the container's width: redraw both."""
        for part in self.query(PlotPart):
            part.refresh()
