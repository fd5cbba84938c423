"""The Collector's history: the 24 h window aggregated in SQL, newest first, a chunk at a time.

Why aggregated: shipping a day of events row by row would put the very load the console
is meant to avoid on a database in trouble. `live/initial_buckets` groups them per minute,
event type, latency bin and kept error, so start-up ships thousands of rows, not a day
of events.

Why newest first and in chunks: on a big table the whole day takes seconds to aggregate,
and the first minutes of an incident are exactly when the console is opened. The first
poll loads the last 15 minutes (what the error rate, throughput and processing
detectors judge first) and then older hours only while its budget lasts (none on a big
table: at 10M events one hour costs more than the whole budget); every later poll loads
more within its own budget, until the window is complete. Until then the Snapshot's
`loading` names the panels whose longer windows are partial. Each chunk is one
statement applied as soon as it returns, so memory holds one hour's aggregate at most and
a failed chunk is simply retried on a later poll.

Every chunk counts processed events with processed_at before the first poll's watermark
(`processed_since`, fixed for the whole history); events processed after it are counted
by the processed delta. Accepted blind spot: an unprocessed row inserted backdated into a
not-yet-loaded hour during the loading is counted by both (one arrival too many).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from console.metrics.buckets import MetricWindow
from console.metrics.panels import EVENTS
from console.metrics.patterns import ErrorClassifier
from console.metrics.reader import PanelReader

INITIAL_CHUNK = timedelta(hours=1)  # older history is aggregated an hour per statement
FIRST_DATA = timedelta(minutes=15)  # the first poll always loads these (5, 10, 15 min windows)


async def load_chunk(
    reader: PanelReader,
    window: MetricWindow,
    classifier: ErrorClassifier,
    *,
    start: datetime,
    cut: datetime,
    processed_since: datetime,
) -> bool:
    """Aggregate [start, cut) into `window`; False (nothing loaded) if the query failed."""
    rows = await reader.fetch(
        EVENTS,
        "live/initial_buckets",
        {"start": start, "cut": cut, "processed_since": processed_since},
    )
    if rows is None:
        return False
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


class History:
    """The part of the window not loaded yet: [window start, `loaded_from`), newest first."""

    def __init__(
        self,
        window: MetricWindow,
        classifier: ErrorClassifier,
        *,
        first_budget: float,
        poll_budget: float,
    ) -> None:
        self.window = window
        self.classifier = classifier
        self.first_budget = first_budget
        self.poll_budget = poll_budget
        self.loaded_from: datetime | None = None  # None: nothing loaded yet
        self._processed_since: datetime | None = None

    def complete(self, start: datetime) -> bool:
        return self.loaded_from is not None and self.loaded_from <= start

    async def first(
        self,
        reader: PanelReader,
        *,
        start: datetime,
        cut: datetime,
        processed_since: datetime,
        recent_only: bool = False,
    ) -> bool:
        """The first poll: the last minutes, then older hours while the budget lasts
        (`recent_only`: none, the table is known to be too big for the budget)."""
        started = time.monotonic()
        recent = max(start, cut - FIRST_DATA)
        if not await self._load(reader, recent, cut, processed_since):
            return False
        self.loaded_from, self._processed_since = recent, processed_since
        if not recent_only:
            await self._more(reader, start, started + self.first_budget, at_least_one=False)
        return True

    async def more(self, reader: PanelReader, start: datetime) -> None:
        """A later poll: at least one older hour, more while this poll's budget lasts."""
        deadline = time.monotonic() + self.poll_budget
        await self._more(reader, start, deadline, at_least_one=True)

    async def _more(
        self, reader: PanelReader, start: datetime, deadline: float, *, at_least_one: bool
    ) -> None:
        first = at_least_one
        while self.loaded_from is not None and self._processed_since is not None:
            if self.loaded_from <= start or (not first and time.monotonic() >= deadline):
                return
            first = False
            chunk_start = max(start, self.loaded_from - INITIAL_CHUNK)
            if not await self._load(reader, chunk_start, self.loaded_from, self._processed_since):
                return  # retried on a later poll (the panel says why)
            self.loaded_from = chunk_start

    async def _load(
        self, reader: PanelReader, start: datetime, cut: datetime, processed_since: datetime
    ) -> bool:
        return await load_chunk(
            reader,
            self.window,
            self.classifier,
            start=start,
            cut=cut,
            processed_since=processed_since,
        )
