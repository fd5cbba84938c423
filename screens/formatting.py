"""Small pure helpers that turn numbers and times into short, honest text for panels.

Kept free of Textual so they are trivially testable and reusable by any front end.
Shortening always cuts at a word boundary and says so with an ellipsis: an operator
should never read half a word as if it were the whole message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from console.core.durations import DurationStyle, as_duration, human_duration
from console.metrics.snapshot import MinuteBucket

SEVERITY_WORDS = {
    "P0": "P0 CRITICAL",
    "P1": "P1 HIGH",
    "P2": "P2 MEDIUM",
}
_BLOCKS = "▁▂▃▄▅▆▇█"


def shorten(text: str, width: int) -> str:
    """`text` on one line, at most `width` cells, cut at a word boundary with '…'."""
    flat = " ".join(str(text).split())
    if width <= 0:
        return ""
    if len(flat) <= width:
        return flat
    if width == 1:
        return "…"
    cut = flat[: width - 1]
    space = cut.rfind(" ")
    if space >= 1 and flat[width - 1] != " ":  # a word would be cut: drop it whole
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def shorten_left(text: str, width: int) -> str:
    """Keep the end of a dotted name (the part that differs), cut at a '.' or '_'."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    tail = text[-(width - 1) :]
    if text[-width] in "._":
        return "…" + tail
    for index, char in enumerate(tail):
        if char in "._" and index + 1 < len(tail):
            return "…" + tail[index + 1 :]
    return "…" + tail


def _elide_middle(name: str, width: int) -> str:
    """The first dotted part, '…', and as many of the last parts as fit: the start says
    which family (checkout, charge), the end what happened."""
    parts = name.split(".")
    if len(parts) < 3 or len(parts[0]) + 2 > width:
        return shorten_left(name, width)
    head, tail = parts[0], parts[-1]
    for index in range(len(parts) - 2, 0, -1):  # add middle parts from the right
        wider = ".".join(parts[index:])
        if len(head) + 1 + len(wider) > width:
            break
        tail = wider
    short = f"{head}…{tail}"
    return short if len(short) <= width else shorten_left(name, width)


def distinct_names(names: Sequence[str], width: int) -> dict[str, str]:
    """Each dotted name in at most `width` cells, keeping the part that tells it from the
    others: a prefix the names share (`payment_intent.`) is elided first, then the middle
    (`checkout…completed`), never the distinguishing start of a name alone."""
    out: dict[str, str] = {}
    for name in names:
        if len(name) <= width:
            out[name] = name
            continue
        family = name.split(".", 1)[0] + "."
        shares = sum(1 for other in names if other.startswith(family)) > 1
        rest = name[len(family) :]
        if shares and "." in name and len(rest) + 1 <= width:
            out[name] = "…" + rest
        else:
            out[name] = _elide_middle(name, width)
    return out


# A panel's durations: no space before the unit, seconds cut, hours up to two days.
COMPACT_DURATION = DurationStyle(
    unit_gap="", rounds=False, hours_before_days=48, padded_day_hours=False
)


def duration(seconds: float | None) -> str:
    """Compact duration: 850ms, 4.2s, 3m05s, 2h10m, 3d4h; '—' when unknown."""
    return human_duration(seconds, COMPACT_DURATION)


def ago(then: datetime | None, now: datetime) -> str:
    """'3m05s ago' relative to `now` (both aware datetimes); '—' when unknown."""
    if then is None:
        return "—"
    return f"{duration((now - then).total_seconds())} ago"


def count(value: int | float) -> str:
    """Thousands separators for counts; one decimal for small rates."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def cell(value: Any, width: int = 80, column: str = "") -> str:
    """A table cell: times to the second, durations as people read them (`2h00m`, also
    a column of seconds by its name), long text cut."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if (spoken := as_duration(column, value)) is not None:
        return spoken
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:  # step results carry times as ISO text
            return cell(datetime.fromisoformat(value), width, column)
        except ValueError:
            pass
    return str(value)[:width]


def percent(value: float) -> str:
    return f"{value:.1f}%"


def severity_word(severity: str | None) -> str:
    """The severity as words, readable without colour."""
    if severity is None:
        return "OK"
    return SEVERITY_WORDS.get(severity, severity)


def minute_floor(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def per_minute(
    buckets: Sequence[MinuteBucket],
    end: datetime,
    minutes: int = 60,
    event_types: Iterable[str] | None = None,
) -> list[int]:
    """A dense series of events per minute over the `minutes` ending at `end`, oldest first.

    Buckets may be sparse (quiet minutes absent); missing minutes count as zero. With
    `event_types`, only those types are counted.
    """
    if event_types is None:
        series = [0] * minutes
        for index, bucket in _in_window(buckets, end, minutes):
            series[index] += bucket.total
        return series
    by_type = per_minute_by_type(buckets, end, minutes)
    return sum_series([by_type[t] for t in set(event_types) if t in by_type], minutes)


def sum_series(series: Iterable[Sequence[int]], minutes: int) -> list[int]:
    """The minute-by-minute sum of several `minutes`-long series."""
    total = [0] * minutes
    for one in series:
        for index, n in enumerate(one):
            total[index] += n
    return total


def per_minute_by_type(
    buckets: Sequence[MinuteBucket], end: datetime, minutes: int = 60
) -> dict[str, list[int]]:
    """`per_minute` for every event type seen in the window, in one pass over the buckets
    (the Snapshot holds a day of them; the panel wants an hour per type every poll)."""
    by_type: dict[str, list[int]] = {}
    for index, bucket in _in_window(buckets, end, minutes):
        for event_type, n in bucket.by_type.items():
            series = by_type.get(event_type)
            if series is None:
                series = by_type[event_type] = [0] * minutes
            series[index] += n
    return by_type


def _in_window(
    buckets: Sequence[MinuteBucket], end: datetime, minutes: int
) -> Iterator[tuple[int, MinuteBucket]]:
    """(minute index, bucket) for the buckets within the `minutes` ending at `end`.

    The window's first minute is whole, so comparing a bucket's own time with it (and its
    offset from it) answers as the bucket's minute would, without flooring each bucket."""
    first = minute_floor(end) - timedelta(minutes=minutes - 1)
    stop = first + timedelta(minutes=minutes)
    for bucket in buckets:
        if first <= bucket.minute < stop:
            yield int((bucket.minute - first).total_seconds() // 60), bucket


def sparkline(values: Sequence[float], width: int) -> str:
    """Values as block characters, `width` cells wide (groups averaged), '·' for zero."""
    if width <= 0 or not values:
        return ""
    groups: list[float] = []
    size = len(values) / width if len(values) > width else 1.0
    position = 0.0
    while round(position) < len(values) and len(groups) < width:
        chunk = values[round(position) : max(round(position + size), round(position) + 1)]
        groups.append(sum(chunk) / len(chunk))
        position += size
    top = max(groups)
    cells = []
    for value in groups:
        if value <= 0 or top <= 0:
            cells.append("·")
        else:
            cells.append(_BLOCKS[min(len(_BLOCKS) - 1, int(value / top * (len(_BLOCKS) - 1)))])
    return "".join(cells)


def matches_filter(event_type: str, text: str) -> bool:
    """Case-insensitive substring match; an empty filter matches everything."""
    return not text or text.lower() in event_type.lower()
