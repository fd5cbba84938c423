"""The dashboard's plot draws what Textual's sparkline draws, cell for cell and colour for
colour (it copies that drawing to blend each bar colour once): a Textual release that draws
differently fails here, not silently on screen. And the one-pass minute series agree with
counting each type on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.color import Color
from rich.console import Console
from textual.renderables.sparkline import Sparkline

from console.metrics.snapshot import MinuteBucket
from screens.formatting import per_minute, per_minute_by_type
from screens.widgets.plot import SteadySparkline


def drawn(renderable: object, width: int) -> list[tuple[str, object]]:
    console = Console(width=width, color_system="truecolor", force_terminal=True)
    segments = console.render(renderable, console.options.update_width(width))
    return [(s.text, s.style) for s in segments]


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.floats(min_value=0, max_value=1e6), min_size=0, max_size=200),
    width=st.integers(min_value=1, max_value=120),
    height=st.integers(min_value=1, max_value=4),
)
def test_steady_sparkline_draws_what_textual_draws(
    data: list[float], width: int, height: int
) -> None:
    textual = Sparkline(
        data,
        width=width,
        height=height,
        min_color=Color.from_rgb(0, 90, 160),
        max_color=Color.from_rgb(240, 60, 20),
    )
    steady = SteadySparkline(textual, {})
    assert drawn(steady, width) == drawn(textual, width)


def test_a_shared_colour_memory_draws_the_same_twice() -> None:
    textual = Sparkline([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0], width=8, height=2)
    blends: dict = {}
    first = drawn(SteadySparkline(textual, blends), 8)
    assert blends, "bar colours are remembered between drawings"
    assert drawn(SteadySparkline(textual, blends), 8) == first == drawn(textual, 8)


def test_one_pass_series_agree_with_counting_each_type() -> None:
    end = datetime(2026, 12, 2, 8, 30, 40, tzinfo=UTC)
    first = end.replace(second=0)
    buckets = [
        MinuteBucket(
            minute=first - timedelta(minutes=m),
            by_type={"payment_intent.succeeded": m % 7, "charge.refunded": m % 3},
        )
        for m in range(90)
        if m % 11  # sparse: some minutes have no bucket
    ]
    by_type = per_minute_by_type(buckets, end, 60)
    for event_type in ("payment_intent.succeeded", "charge.refunded"):
        alone = [0] * 60
        for bucket in buckets:
            index = 59 - int((end.replace(second=0) - bucket.minute).total_seconds() // 60)
            if 0 <= index < 60:
                alone[index] += bucket.by_type.get(event_type, 0)
        assert by_type[event_type] == alone
        assert per_minute(buckets, end, 60, [event_type]) == alone
    assert per_minute(buckets, end, 60) == [sum(s) for s in zip(*by_type.values(), strict=True)]


def test_a_day_oldest_first_gives_the_hour_a_whole_scan_gives() -> None:
    """The Snapshot's order (oldest first) skips to the hour; the counts are the same."""
    end = datetime(2026, 12, 2, 8, 30, 40, tzinfo=UTC)
    first = end.replace(second=0)
    day = [
        MinuteBucket(minute=first - timedelta(minutes=m), by_type={"charge.refunded": m % 5})
        for m in range(1440)
        if m % 13
    ]
    newest_first, oldest_first = day, day[::-1]
    assert per_minute_by_type(oldest_first, end, 60) == per_minute_by_type(newest_first, end, 60)
    assert per_minute(oldest_first, end, 60) == per_minute(newest_first, end, 60)
    assert sum(per_minute(oldest_first, end, 60)) == sum(m % 5 for m in range(60) if m % 13)
