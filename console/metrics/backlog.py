"""The unprocessed backlog as groups: one row each when small, per minute when large.

While the backlog is small the Collector reads it row by row (exact, and it can tell a
deleted or late-processed row apart); when it grows past a limit (processing is down and
events pile up) it switches to a per-minute summary computed in the database, so the
console's own cost stays flat exactly when the database is under stress. Unprocessed rows
older than the 24 h window (failed history, kept for good) are always aggregated per type
and error in SQL. All arrive here as `PendingGroup`s and give the same Backlog fields.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from console.metrics.snapshot import Backlog

PAYMENT_EVENT_PREFIX = "payment_intent."
MAX_PAYMENT_AGES = 1000
DAY = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class PendingGroup:
    """Unprocessed events of one type and error, created between first_at and last_at."""

    first_at: datetime
    last_at: datetime
    event_type: str
    error_message: str | None
    count: int
    retryable: int  # how many have retry_count below the retry limit


def build_backlog(groups: Sequence[PendingGroup], now: datetime, retry_limit: int) -> Backlog:
    failed = [g for g in groups if g.error_message is not None]
    waiting = [g for g in groups if g.error_message is None]
    oldest = min((g.first_at for g in groups), default=None)
    oldest_waiting = min((g.first_at for g in waiting), default=None)
    by_type: Counter[str] = Counter()
    for group in groups:
        by_type[group.event_type] += group.count
    return Backlog(
        unprocessed=sum(g.count for g in groups),
        unprocessed_without_error=sum(g.count for g in waiting),
        oldest_unprocessed_age_seconds=_age(now, oldest),
        failed_24h=sum(g.count for g in failed if g.first_at > now - DAY),
        retryable_failed=sum(g.retryable for g in failed),
        retry_limit=retry_limit,
        oldest_without_error_age_seconds=_age(now, oldest_waiting),
        unprocessed_by_type=MappingProxyType(dict(by_type)),
        payment_waiting_seconds=_payment_ages(waiting, now),
    )


class BacklogIndex:
    """The backlog's groups, sorted once when they change, then read cheaply every poll.

    Why: the tracked backlog is one group per unprocessed row of the window (thousands in
    a busy history) and is usually unchanged between polls; only the figures that depend
    on `now` (ages, the 24 h cut for failed_24h) are worked out per Snapshot, by bisection.
    """

    def __init__(self, groups: Sequence[PendingGroup], retry_limit: int) -> None:
        self.groups = tuple(groups)
        self.retry_limit = retry_limit
        failed = sorted((g for g in groups if g.error_message is not None), key=_first)
        waiting = [g for g in groups if g.error_message is None]
        self._failed_at = [g.first_at for g in failed]
        self._failed_after = _suffix_counts(failed)  # [i]: rows of failed[i:]
        self._first_at = sorted(g.first_at for g in groups)
        self._waiting = waiting
        self._payments = sorted(
            (g for g in waiting if g.event_type.startswith(PAYMENT_EVENT_PREFIX)), key=_first
        )
        by_type: Counter[str] = Counter()
        for group in groups:
            by_type[group.event_type] += group.count
        self._by_type = MappingProxyType(dict(by_type))
        self.count = self._unprocessed = sum(g.count for g in groups)
        self._without_error = sum(g.count for g in waiting)
        self._retryable = sum(g.retryable for g in failed)
        self._oldest_waiting = min((g.first_at for g in waiting), default=None)

    def build(self, now: datetime) -> Backlog:
        """The same figures as build_backlog(groups, now, retry_limit)."""
        day_ago = bisect_right(self._failed_at, now - DAY)
        return Backlog(
            unprocessed=self._unprocessed,
            unprocessed_without_error=self._without_error,
            oldest_unprocessed_age_seconds=_age(now, self._first_at[0] if self._first_at else None),
            failed_24h=self._failed_after[day_ago],
            retryable_failed=self._retryable,
            retry_limit=self.retry_limit,
            oldest_without_error_age_seconds=_age(now, self._oldest_waiting),
            unprocessed_by_type=self._by_type,
            payment_waiting_seconds=_payment_ages(self._payments, now, presorted=True),
        )

    @property
    def by_type(self) -> Mapping[str, int]:
        return self._by_type

    @property
    def payments(self) -> Sequence[PendingGroup]:
        """The waiting payment_intent.* groups, oldest first."""
        return self._payments

    @property
    def latest(self) -> datetime | None:
        """The latest creation time of a group's first event (None: no groups)."""
        return self._first_at[-1] if self._first_at else None

    def oldest_since(self, since: datetime) -> datetime | None:
        """The earliest creation time among unprocessed events created at or after `since`."""
        index = bisect_left(self._first_at, since)
        return self._first_at[index] if index < len(self._first_at) else None


class JoinedIndex:
    """Several BacklogIndexes read as one: the figures of all their groups together.

    Why: a large backlog's groups come in parts that change at different rates (the old
    failed history on the slow cadence, the settled minutes on theirs, the recent ones
    every poll); sorting ~7k settled groups again each poll for a change to the last few
    minutes was most of the console's own CPU at 10M events. Each part is indexed once
    when it changes; a Snapshot asks every part (a bisection each) and adds up.
    """

    def __init__(self, parts: Sequence[BacklogIndex], retry_limit: int) -> None:
        self.parts = tuple(part for part in parts if part.groups)
        self.retry_limit = retry_limit
        by_type: Counter[str] = Counter()
        for part in self.parts:
            by_type.update(part.by_type)
        self._by_type = MappingProxyType(dict(by_type))

    @property
    def count(self) -> int:
        return sum(part.count for part in self.parts)

    def build(self, now: datetime) -> Backlog:
        """The same figures as build_backlog(every part's groups, now, retry_limit)."""
        if len(self.parts) == 1:
            return self.parts[0].build(now)
        built = [part.build(now) for part in self.parts]
        payments = heapq.merge(*(part.payments for part in self.parts), key=_first)
        return Backlog(
            unprocessed=sum(b.unprocessed for b in built),
            unprocessed_without_error=sum(b.unprocessed_without_error for b in built),
            oldest_unprocessed_age_seconds=_oldest_age(
                b.oldest_unprocessed_age_seconds for b in built
            ),
            failed_24h=sum(b.failed_24h for b in built),
            retryable_failed=sum(b.retryable_failed for b in built),
            retry_limit=self.retry_limit,
            oldest_without_error_age_seconds=_oldest_age(
                b.oldest_without_error_age_seconds for b in built
            ),
            unprocessed_by_type=self._by_type,
            payment_waiting_seconds=_payment_ages(payments, now, presorted=True),
        )

    def oldest_since(self, since: datetime) -> datetime | None:
        """The earliest creation time among unprocessed events created at or after `since`."""
        found = [at for part in self.parts if (at := part.oldest_since(since)) is not None]
        return min(found, default=None)


def _oldest_age(ages: Iterable[float | None]) -> float | None:
    return max((age for age in ages if age is not None), default=None)


def _first(group: PendingGroup) -> datetime:
    return group.first_at


def _suffix_counts(groups: Sequence[PendingGroup]) -> list[int]:
    counts = [0] * (len(groups) + 1)
    for index in range(len(groups) - 1, -1, -1):
        counts[index] = counts[index + 1] + groups[index].count
    return counts


def oldest_since(groups: Iterable[PendingGroup], since: datetime) -> datetime | None:
    """The earliest creation time among unprocessed events created at or after `since`."""
    return min((g.first_at for g in groups if g.first_at >= since), default=None)


def _payment_ages(
    waiting: Iterable[PendingGroup], now: datetime, *, presorted: bool = False
) -> tuple[float, ...]:
    """Ages of waiting payment_intent.* events, oldest first (a group's age is its oldest).

    `presorted`: the groups are waiting payment groups already in creation order."""
    ages: list[float] = []
    if not presorted:
        payment = [g for g in waiting if g.event_type.startswith(PAYMENT_EVENT_PREFIX)]
        waiting = sorted(payment, key=_first)
    for group in waiting:
        ages.extend([(now - group.first_at).total_seconds()] * group.count)
        if len(ages) >= MAX_PAYMENT_AGES:
            break
    return tuple(ages[:MAX_PAYMENT_AGES])


def _age(now: datetime, since: datetime | None) -> float | None:
    return (now - since).total_seconds() if since is not None else None
