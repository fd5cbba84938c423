"""The Collector's tuning: the cadences, budgets and size caps of one poll, in one value.

Why one value: the defaults are what the console runs with; tests, the training session
and triage change a few of them (a cadence of 0 to check every part at every poll, an
infinite first budget to load the whole window at once), and a frozen dataclass keeps
each change named and typed, and shared by `dataclasses.replace`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class CollectorTuning:
    """How often each part of a poll is read, how long the first polls may take, how big
    the backlog and the tables may grow before a cheaper read takes over."""

    # --- cadences, in seconds ---
    # the margin the watermarks step back by, so a row committed late is still counted
    overlap_seconds: float = 30.0
    # the slow cadence: the backlog's old history, the index guard, stuck orders' recount
    slow_interval_seconds: float = 60.0
    # duplicates, notification failures and paid orders are judged this often, so those
    # faults light within seconds (never less often than the slow cadence)
    detector_interval_seconds: float = 10.0
    # a panel switched off by a passing failure (a timeout) is tried again after this
    panel_retry_seconds: float = 60.0

    def detector_interval(self) -> float:
        """The detector inputs' cadence, never slower than the slow cadence."""
        return min(self.detector_interval_seconds, self.slow_interval_seconds)

    def overlap(self) -> timedelta:
        """The overlap margin, as the deltas step back by it."""
        return timedelta(seconds=self.overlap_seconds)

    # --- the unprocessed backlog (tracked.py, unprocessed.py) ---
    # past this many unprocessed rows in the window the backlog is summarised per minute
    # in SQL instead of tracked by id, so the console's memory stays flat
    max_backlog_rows: int = 1_000
    # the backlog's recent part, re-read whole each poll
    recent_seconds: float = 300.0
    # the backlog's settled part is checked by hash this often
    settled_check_seconds: float = 5.0

    def recent(self) -> timedelta:
        """The backlog's recent part, as the tracked rows measure it."""
        return timedelta(seconds=self.recent_seconds)

    # --- the first polls' budgets, and what counts as a big table (rows: estimates) ---
    # The first poll loads the last minutes, then older history while this lasts; each
    # later poll loads more within its own budget (initial_load.py).
    first_data_seconds: float = 0.3
    history_seconds_per_poll: float = 0.25
    # a panel whose index is missing on a table above this says so instead of scanning it
    index_guard_rows: int = 200_000
    # The backlog's history (the window's settled minutes, ~27k rows, and the failed
    # history before it, ~160k, at 10M events: 0.4-0.8 s together): past this many
    # unprocessed rows (the partial index's estimate) the first poll reads only the
    # last minutes of the backlog, the rest on the next poll, the panel saying so.
    backlog_first_poll_rows: int = 50_000
    # a table estimated above this: the first poll reads the last minutes only; the
    # older history, stuck orders and the detector inputs fill in behind
    first_poll_big_rows: int = 1_000_000
