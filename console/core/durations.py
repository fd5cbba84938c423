"""Durations as people read them: `850 ms`, `36 s`, `3m05s`, `2h00m`, `3d04h`.

One formatter for every interval a step result prints (the runbook screen, the confirm
dialog's sample rows, `incident-console run`): a Postgres interval arrives as a timedelta,
and an `extract(epoch …)` column as a float of seconds (`7215.657063`), which no one
reads at a glance. A column is taken for seconds by its name (`age_seconds`,
`avg_processing_time`, `transaction_age`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_SECONDS_COLUMN = re.compile(r"(^|_)(seconds?|secs|age|time|duration|interval|elapsed)$")


@dataclass(frozen=True)
class DurationStyle:
    """How a duration is spelled: every front end climbs the same ladder (ms, s, m+s, h+m,
    d+h) and only these choices differ (a panel's `3m05s` cuts, a step result's rounds)."""

    unit_gap: str = " "  # "850 ms" or "850ms"
    rounds: bool = True  # whole seconds rounded (184.6 s is 3m05s) or cut (3m04s)
    hours_before_days: int = 24  # below this many hours, hours and minutes
    padded_day_hours: bool = True  # "3d04h" or "3d4h"


SPOKEN = DurationStyle()


def human_duration(seconds: float | None, style: DurationStyle = SPOKEN) -> str:
    """`seconds` the way a person says it; '—' when unknown."""
    if seconds is None:
        return "—"
    seconds = max(0.0, float(seconds))
    gap = style.unit_gap
    if seconds < 1:
        return f"{seconds * 1000:.0f}{gap}ms"
    if seconds < 10:
        return f"{seconds:.1f}{gap}s"
    if seconds < 60:
        return f"{seconds:.0f}{gap}s"
    minutes, secs = divmod(round(seconds) if style.rounds else int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < style.hours_before_days:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h" if style.padded_day_hours else f"{days}d{hours}h"


def is_seconds_column(column: str) -> bool:
    """A column whose number is a count of seconds, by its name."""
    return bool(_SECONDS_COLUMN.search(column.lower()))


def as_duration(column: str, value: Any) -> str | None:
    """The value as a duration when it is one (an interval, or seconds by the column's
    name), else None."""
    if isinstance(value, dt.timedelta):
        return human_duration(value.total_seconds())
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return human_duration(float(value)) if is_seconds_column(column) else None
