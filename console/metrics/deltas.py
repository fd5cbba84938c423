"""New and newly processed events since the last poll, by index, into the window.

Why deltas: the guide's dashboard queries rescan a day of events on every refresh and
grow with the table. After the initial load (initial_load.py) each poll asks only for
what changed:

- new events by `created_at >= watermark - overlap`, for throughput by type;
- newly processed events by `processed_at >= watermark - overlap`, for latency and the
  errors they kept; processed rows are then final.

Ids seen inside the overlap margin are remembered and skipped, so a row committed late
(its timestamp a little before the watermark) is counted once. Ids are bigint or uuid;
they are only compared for equality, never used as a cursor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from console.metrics.buckets import MetricWindow, minute_of
from console.metrics.initial_load import History
from console.metrics.latency import latency_us
from console.metrics.panels import EVENTS, PROCESSED
from console.metrics.patterns import ErrorClassifier
from console.metrics.reader import PanelReader


@dataclass
class Delta:
    """What one poll's deltas saw, for the backlog to reconcile against."""

    events_since: datetime  # where this poll's arrivals delta started
    fetched: dict[Any, dict[str, Any]] = field(default_factory=dict)  # arrivals by id
    processed_now: set[Any] = field(default_factory=set)  # ids counted processed this poll
    processed_minutes: set[datetime] = field(default_factory=set)  # their creation minutes
    arrived_event_ids: set[str] = field(default_factory=set)  # of the rows new this poll


class EventDeltas:
    """Arrivals and processed events since the watermarks, counted once into the window."""

    def __init__(
        self,
        window: MetricWindow,
        classifier: ErrorClassifier,
        overlap: timedelta,
        *,
        first_budget: float = 0.5,
        poll_budget: float = 0.25,
    ) -> None:
        self.window = window
        self.history = History(
            window, classifier, first_budget=first_budget, poll_budget=poll_budget
        )
        self.classifier = classifier
        self.overlap = overlap
        self.seen_arrivals: dict[Any, datetime] = {}
        self._seen_processed: dict[Any, datetime] = {}
        # Where the next poll's delta queries start (None: the initial load is still due).
        self._events_from: datetime | None = None
        self._processed_from: datetime | None = None

    async def read(
        self,
        reader: PanelReader,
        now: datetime,
        start: datetime,
        pending: Mapping[Any, Any] | None,
        *,
        recent_only: bool = False,
    ) -> Delta | None:
        """This poll's deltas (the initial load first); None if the initial load failed.

        `pending` is the backlog as last read by id (None while it is not tracked by id):
        a processed row that neither arrived nor waited there arrived late.
        `recent_only`: the initial load reads the last minutes only (a big table).
        """
        first_load = self._events_from is None
        events_since = max(start, self._events_from or start)
        processed_since = self._processed_from or now - self.overlap
        if first_load:
            # Everything older than the overlap margin arrives pre-aggregated; only the
            # last moments come row by row, so their ids can be deduplicated next time.
            cut = max(start, now - self.overlap)
            loaded = await self.history.first(
                reader,
                start=start,
                cut=cut,
                processed_since=processed_since,
                recent_only=recent_only,
            )
            if not loaded:
                return None  # retried on a later poll (the panel says why)
            events_since = self._events_from = cut
        elif not self.history.complete(start):
            await self.history.more(reader, start)
        delta = Delta(events_since)

        arrivals = await reader.fetch(EVENTS, "live/events_since", {"since": events_since})
        if arrivals is not None:
            for row in arrivals:
                delta.fetched[row["id"]] = row
                if row["id"] in self.seen_arrivals:
                    continue
                self.seen_arrivals[row["id"]] = row["created_at"]
                delta.arrived_event_ids.add(row["event_id"])
                self.window.add_arrival(row["created_at"], row["event_type"])
                done = row["processed_at"]
                if done is not None and done < processed_since:
                    # processed before the processed-delta range starts: count it here
                    self.count_processed(row, start)
                    delta.processed_now.add(row["id"])
                    delta.processed_minutes.add(minute_of(row["created_at"]))
            self._events_from = now - self.overlap

        processed = await reader.fetch(
            PROCESSED, "live/processed_since", {"since": processed_since, "window_start": start}
        )
        if processed is not None:
            for row in processed:
                if row["id"] in self._seen_processed or row["id"] in delta.processed_now:
                    continue
                self._seen_processed[row["id"]] = row["processed_at"]
                delta.processed_now.add(row["id"])
                delta.processed_minutes.add(minute_of(row["created_at"]))
                self.count_processed(row, start)
                late = (
                    pending is not None
                    and row["id"] not in self.seen_arrivals
                    and row["id"] not in pending
                    and row["created_at"] < events_since
                )
                if late and arrivals is not None:
                    self.window.add_arrival(row["created_at"], row["event_type"])
            self._processed_from = now - self.overlap
        elif self._processed_from is None:
            self._processed_from = processed_since  # the initial load counted up to here
        return delta

    def count_processed(self, row: Mapping[str, Any], start: datetime) -> None:
        """Count one processed event (its latency, and the error it kept) in its minute."""
        if row["created_at"] < start:
            return
        message = row["error_message"]
        group = self.classifier.classify(message) if message is not None else None
        self.window.add_processed(
            row["created_at"],
            row["event_type"],
            latency_us(row["created_at"], row["processed_at"]),
            group,
        )

    def prune(self, now: datetime, start: datetime) -> None:
        """Drop minutes before the window and remembered ids older than the overlap."""
        self.window.prune(start)
        horizon = now - self.overlap
        self.seen_arrivals = {k: v for k, v in self.seen_arrivals.items() if v >= horizon}
        self._seen_processed = {k: v for k, v in self._seen_processed.items() if v >= horizon}
