"""The Collector's first poll: the 24 h window aggregated in SQL, an hour per statement.

Why aggregated: shipping a day of events row by row would put the very load the console
is meant to avoid on a database in trouble. `live/initial_buckets` groups them per minute,
event type, latency bin and kept error, so start-up ships thousands of rows, not a day
of events. Why hours: a busy day (over a million events) takes longer to aggregate than
the session's statement_timeout in one statement; hours of it do not, and all of them
see the same snapshot (one REPEATABLE READ transaction). Nothing is applied unless every
hour succeeded, so a failed first poll leaves the window empty and is simply retried.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from console.metrics.buckets import MetricWindow
from console.metrics.panels import EVENTS
from console.metrics.patterns import ErrorClassifier
from console.metrics.reader import PanelReader

INITIAL_CHUNK = timedelta(hours=1)  # the first poll aggregates the window an hour at a time


async def initial_load(
    reader: PanelReader,
    window: MetricWindow,
    classifier: ErrorClassifier,
    *,
    start: datetime,
    cut: datetime,
    processed_since: datetime,
) -> bool:
    """Load [start, cut) into `window`; False (and nothing loaded) if any hour failed."""
    rows: list[dict[str, Any]] = []
    chunk_start = start
    while chunk_start < cut:
        chunk_end = min(cut, chunk_start + INITIAL_CHUNK)
        chunk = await reader.fetch(
            EVENTS,
            "live/initial_buckets",
            {"start": chunk_start, "cut": chunk_end, "processed_since": processed_since},
        )
        if chunk is None:
            return False
        rows.extend(chunk)
        chunk_start = chunk_end
    for row in rows:
        window.add_arrival(row["minute"], row["event_type"], int(row["events"]))
        if not row["counted"]:
            continue
        message = row["error_message"]
        window.add_processed_group(
            row["minute"],
            row["event_type"],
            int(row["bin"]),
            int(row["events"]),
            int(row["sum_us"]),
            int(row["max_us"]),
            classifier.classify(message) if message is not None else None,
            row["first_at"],
            row["last_at"],
        )
    return True
