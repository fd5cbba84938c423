"""When an expensive read is next due: its base interval, stretched by what it cost.

Why: on a small database every panel query costs a millisecond and runs at its base
interval; at 10M events a scan of half a million stuck orders or an hour of event ids
costs tens of milliseconds, and running it every two seconds is most of the console's
database cost. A read that cost more than `CHEAP_SECONDS` twice in a row (one slow run on a busy
host is not the table's size) waits `COST_FACTOR` times its cost (at most `ceiling`), so
no single read takes more than ~1/300 of a database core. A full recount whose changes
are also followed by cheap increments between recounts (the stuck orders, the old failed
history) may wait longer (`factor`), as it only corrects what the increments cannot see;
for the same reason it stretches from its first slow run (waiting costs no freshness),
so the 0.8 s first count of a 10M table's old history is not repeated a minute later.
"""

from __future__ import annotations

import time
from collections.abc import Callable

CHEAP_SECONDS = 0.05
COST_FACTOR = 300.0
# a full recount that cheap increments keep current in between: ~1/1200 of a core
RECOUNT_FACTOR = 1200.0


class Cadence:
    """The next due time of one read, from its base interval and its last cost."""

    def __init__(
        self,
        base: float,
        ceiling: float,
        *,
        factor: float = COST_FACTOR,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base
        self.ceiling = max(base, ceiling)
        self.factor = factor
        self._due = 0.0  # due at once
        self._started = 0.0
        self._slow_runs = 0
        self._slow_runs_to_stretch = 1 if factor > COST_FACTOR else 2
        self._clock = clock

    def due(self) -> bool:
        return self._clock() >= self._due

    def start(self) -> None:
        self._started = self._clock()

    def done(self) -> None:
        """The read just finished: schedule the next one from what it cost."""
        took = self._clock() - self._started
        self._slow_runs = self._slow_runs + 1 if took >= CHEAP_SECONDS else 0
        stretch = self._slow_runs >= self._slow_runs_to_stretch
        wait = min(self.ceiling, took * self.factor) if stretch else self.base
        self._due = self._clock() + max(self.base, wait)
