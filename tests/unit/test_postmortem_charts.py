"""The postmortem's four charts: drawn from a recording, the size promised, not blank,
with the findings and actions marked, private on disk."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from support.recording_samples import (
    START,
    SampleEntry,
    SyntheticSystem,
    record_polls,
)

from console.incidents.postmortem_charts import CHART_SIZE, CHARTS, chart_links, write_charts
from console.recording.recording import Recording
from console.recording.series import markers, series


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """20 minutes; the processor down 05:00-12:00, processing_down lit 06:00-12:00, an
    action applied at 10:00."""
    path = tmp_path_factory.mktemp("rec") / "r.icrec.gz"
    action = {"action_id": "restart"}
    restart = {300: lambda at: SampleEntry("a1", at, "action_applied", "restart", data=action)}
    record_polls(path, SyntheticSystem(outage=(5, 12)), 600, entries=restart)
    return Recording.open(path)


def test_the_series_hold_the_peaks_and_the_window_totals(recording: Recording) -> None:
    data = series(recording, START + timedelta(minutes=4), START + timedelta(minutes=14))
    assert data.times[0] >= START + timedelta(minutes=4)
    assert data.times[-1] <= START + timedelta(minutes=14)
    assert data.peaks["backlog"] is not None and data.peaks["backlog"] > 300
    assert data.totals["received"] > 0
    kinds = [(m.kind, m.label) for m in markers(recording)]
    assert kinds == [
        ("fired", "processing_down"),
        ("action", "restart"),
        ("cleared", "processing_down"),
    ]


def test_four_charts_of_the_promised_size_none_blank(recording: Recording, tmp_path: Path) -> None:
    charts = write_charts(series(recording), markers(recording), tmp_path / "pm", "pm-x")
    assert [c.path.name for c in charts] == [f"pm-x-{spec.name}.png" for spec in CHARTS]
    assert [c.title for c in charts] == [
        "Throughput",
        "Error rate",
        "p95 processing latency",
        "Backlog",
    ]
    for chart in charts:
        assert stat.S_IMODE(chart.path.stat().st_mode) == 0o600
        with Image.open(chart.path) as image:
            assert image.size == CHART_SIZE
            grey = image.convert("L")
            spread = ImageStat.Stat(grey).stddev[0]
            assert spread > 10, f"{chart.path.name} looks blank (stddev {spread:.1f})"
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
            assert len(colours) > 50
            marked = sum(n for n, rgb in colours if rgb[0] > 180 and rgb[1] < 90 and rgb[2] < 90)
            assert marked > 100, f"{chart.path.name}: the finding-fired marker is missing"
    links = chart_links(charts, tmp_path / "pm" / "pm-x.md")
    assert links[0] == "![Throughput](pm-x-throughput.png)"


def test_an_empty_window_still_gives_a_chart_saying_so(
    recording: Recording, tmp_path: Path
) -> None:
    later = START + timedelta(days=2)
    charts = write_charts(series(recording, later, later), [], tmp_path, "empty")
    with Image.open(charts[0].path) as image:
        assert image.size == CHART_SIZE
