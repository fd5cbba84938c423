"""The postmortem's four charts: throughput, error rate, p95 latency and backlog over the
incident window, with the moments findings fired and actions were applied marked.

matplotlib draws them with its Agg canvas through the object API (no pyplot, no global
backend, nothing shown), imported only here and only when a postmortem is written, so the
console starts without it. Each chart is a PNG of CHART_SIZE pixels written as a private
file beside the Markdown (a chart shows what the team watched; RELIABILITY 31).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.core.private_files import write_private
from console.recording.series import Marker, Series

CHART_SIZE = (1000, 360)  # pixels
DPI = 100


@dataclass(frozen=True)
class ChartSpec:
    name: str  # file suffix
    title: str
    unit: str
    lines: tuple[tuple[str, str], ...]  # (series metric, legend)


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "throughput",
        "Throughput",
        "events / min (5 min average)",
        (("received", "received"), ("processed", "processed")),
    ),
    ChartSpec(
        "error-rate", "Error rate", "% of the last 5 min's events", (("error_rate", "errors"),)
    ),
    ChartSpec(
        "p95-latency",
        "p95 processing latency",
        "seconds (15 min window)",
        (("p95", "p95 created → processed"),),
    ),
    ChartSpec("backlog", "Backlog", "events waiting unprocessed", (("backlog", "unprocessed"),)),
)

_MARKER_STYLE = {
    "fired": {"color": "#d62728", "linestyle": "--"},
    "cleared": {"color": "#2ca02c", "linestyle": ":"},
    "action": {"color": "#9467bd", "linestyle": "-"},
}
_MARKER_LEGEND = {
    "fired": "finding fired",
    "cleared": "finding cleared",
    "action": "action applied",
}


@dataclass(frozen=True)
class Chart:
    title: str
    path: Path


class ChartsUnavailable(RuntimeError):
    """matplotlib is not installed: the postmortem is written without its charts."""


def _figure() -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ChartsUnavailable(
            "charts need matplotlib (pip install matplotlib); the draft has none"
        ) from None
    figure = Figure(figsize=(CHART_SIZE[0] / DPI, CHART_SIZE[1] / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def draw(spec: ChartSpec, data: Series, marks: Sequence[Marker]) -> bytes:
    """One chart as PNG bytes."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    figure = _figure()
    axes = figure.add_subplot(1, 1, 1)
    for metric, legend in spec.lines:
        values = [float("nan") if v is None else v for v in data.values.get(metric, ())]
        axes.plot(list(data.times), values, label=legend, linewidth=1.6)
    if data.times:
        first, last = data.times[0], data.times[-1]
        shown: set[str] = set()
        for mark in marks:
            if not first <= mark.at <= last:
                continue
            style = _MARKER_STYLE.get(mark.kind, _MARKER_STYLE["action"])
            label = None if mark.kind in shown else _MARKER_LEGEND.get(mark.kind, mark.kind)
            shown.add(mark.kind)
            axes.axvline(mark.at, linewidth=1.2, label=label, **style)
            axes.annotate(
                mark.label,
                xy=(mark.at, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, -10),
                textcoords="offset points",
                fontsize=7,
                color=style["color"],
                rotation=90,
                va="top",
            )
        locator = AutoDateLocator()
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    else:
        axes.text(
            0.5, 0.5, "nothing recorded in this window", ha="center", transform=axes.transAxes
        )
    axes.set_title(f"{spec.title} (UTC)", fontsize=11, loc="left")
    axes.set_ylabel(spec.unit, fontsize=8)
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper right", fontsize=8, framealpha=0.8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def write_charts(data: Series, marks: Sequence[Marker], folder: Path, stem: str) -> list[Chart]:
    """The four charts as `<stem>-<name>.png` in `folder` (private files)."""
    charts = []
    for spec in CHARTS:
        path = folder / f"{stem}-{spec.name}.png"
        write_private(path, draw(spec, data, marks))
        charts.append(Chart(spec.title, path))
    return charts


def chart_links(charts: Sequence[Chart], markdown: Path) -> list[str]:
    """Markdown image lines for the charts, relative to the draft's folder."""
    lines: list[str] = []
    for chart in charts:
        try:
            target = chart.path.relative_to(markdown.parent)
        except ValueError:
            target = chart.path
        lines += [f"![{chart.title}]({target.as_posix()})", ""]
    return lines
