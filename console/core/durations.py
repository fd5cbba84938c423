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
from decimal import Decimal
from typing import Any

_SECONDS_COLUMN = re.compile(r"(^|_)(seconds?|secs|age|time|duration|interval|elapsed)$")


def human_duration(seconds: float | None) -> str:
    """`seconds` the way a person says it; '—' when unknown."""
    if seconds is None:
        return "—"
    seconds = max(0.0, float(seconds))
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


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
