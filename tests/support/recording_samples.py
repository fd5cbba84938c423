"""Snapshots shaped like the Collector's, at a 2 s refresh, for measuring recordings.

Shaped after a real demo-world Snapshot: 24 h of per-minute buckets over five event types
(the Collector reuses the frozen bucket of a minute that did not change, and so does this),
the guide's six error groups, per-type latency, a backlog with the ages of waiting payment
events, and a pool of 20 server sessions whose states and times move every poll. Between
`outage` minutes the processor is down: nothing processed, the backlog and the payment
waits grow (to the Collector's cap of 1000), which is the expensive part to record.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from console.incidents.model import Incident
from console.metrics.snapshot import (
    Backlog,
    Connections,
    Duplicates,
    ErrorGroup,
    LatencyStats,
    MinuteBucket,
    NotificationStats,
    PaidWithoutPayment,
    Session,
    Snapshot,
    StuckOrders,
)
from console.recording.recording import Recording
from console.recording.writer import Recorder

START = datetime(2026, 11, 28, 0, 0, 0, tzinfo=UTC)
TYPES = (
    "payment_intent.succeeded",
    "checkout.session.completed",
    "payment_intent.payment_failed",
    "charge.refunded",
    "charge.dispute.created",
)
WEIGHTS = (0.45, 0.35, 0.1, 0.07, 0.03)
MESSAGES = (
    ("Invalid signature", "%signature%"),
    ("Event too old", "%too old%"),
    ("Rate limit exceeded", "%rate limit%"),
    ("Invalid state transition", "%state transition%"),
    ("Connection/timeout error", "%timeout%"),
    ("Other error", "%"),
)
QUERIES = (
    "UPDATE orders SET state = 'paid', paid_at = now() WHERE id = $1",
    "INSERT INTO webhook_events (event_id, event_type, order_id) VALUES ($1, $2, $3)",
    "SELECT id, state FROM orders WHERE stripe_payment_intent_id = $1",
    "COMMIT",
    "SELECT 1",
)


@dataclass
class SyntheticSystem:
    """A webhook system's numbers evolving poll by poll (deterministic for a seed)."""

    seed: int = 7
    per_minute: float = 60.0
    outage: tuple[float, float] = (600.0, 630.0)  # minutes after START
    refresh_seconds: float = 2.0
    sessions: int = 20
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._buckets: list[MinuteBucket] = [
            self._bucket(START - timedelta(minutes=1440 - i), self._counts(), 0)
            for i in range(1440)
        ]
        self._waiting: list[datetime] = []
        self._unprocessed = 240
        self._sessions = [self._session(i, START) for i in range(self.sessions)]
        self._errors = {m: self.rng.randint(0, 40) for m, _ in MESSAGES}

    def _counts(self) -> dict[str, int]:
        total = max(0, int(self.rng.gauss(self.per_minute, self.per_minute**0.5)))
        counts = dict.fromkeys(TYPES, 0)
        for name in self.rng.choices(TYPES, WEIGHTS, k=total):
            counts[name] += 1
        return {k: v for k, v in counts.items() if v}

    def _bucket(self, minute: datetime, counts: dict[str, int], errors: int) -> MinuteBucket:
        processed = sum(counts.values()) - errors
        return MinuteBucket(
            minute=minute.replace(second=0, microsecond=0),
            by_type=MappingProxyType(counts),
            errors=errors,
            processed=max(0, processed),
            latency_sum_seconds=round(max(0, processed) * self.rng.uniform(0.3, 0.6), 6),
            latency_count=max(0, processed),
        )

    def _session(self, pid: int, now: datetime) -> Session:
        active = self.rng.random() < 0.3
        started = now - timedelta(seconds=self.rng.uniform(0.0, 2.0))
        return Session(
            pid=20_000 + pid,
            state="active" if active else "idle",
            usename="orders_app",
            application_name="orders-api" if pid % 4 else "webhook-receiver",
            client_addr=f"10.0.3.{pid + 10}/32",
            backend_start=START - timedelta(hours=3, seconds=pid),
            xact_start=started if active else None,
            query_start=started,
            state_change=started,
            wait_event_type=None if active else "Client",
            wait_event=None if active else "ClientRead",
            query=self.rng.choice(QUERIES),
            duration_seconds=round((now - started).total_seconds(), 6) if active else None,
        )

    def snapshots(self, count: int) -> Iterator[Snapshot]:
        """`count` consecutive polls, `refresh_seconds` apart, from START."""
        for i in range(count):
            yield self.poll(START + timedelta(seconds=i * self.refresh_seconds))

    def poll(self, now: datetime) -> Snapshot:
        rng = self.rng
        minutes_in = (now - START).total_seconds() / 60
        down = self.outage[0] <= minutes_in < self.outage[1]
        minute = now.replace(second=0, microsecond=0)
        if self._buckets[-1].minute != minute:
            self._buckets = [*self._buckets[1:], self._bucket(minute, {}, 0)]
        last = self._buckets[-1]
        counts = dict(last.by_type)
        arrived = rng.choices(TYPES, WEIGHTS, k=rng.randint(0, 4))
        for name in arrived:
            counts[name] = counts.get(name, 0) + 1
        errors = last.errors + (1 if rng.random() < 0.02 else 0)
        bucket = self._bucket(minute, counts, errors)
        if down:
            bucket = MinuteBucket(minute, bucket.by_type, errors, 0, 0.0, 0)
            self._unprocessed += len(arrived)
            self._waiting += [now] * sum(1 for a in arrived if a.startswith("payment_intent"))
            self._waiting = self._waiting[-1000:]
        else:
            self._unprocessed = max(200, self._unprocessed - rng.randint(0, 30))
            self._waiting = [now - timedelta(seconds=rng.uniform(0, 3)) for _ in range(3)]
        self._buckets[-1] = bucket
        for index in rng.sample(range(len(self._sessions)), 4):
            self._sessions[index] = self._session(index, now)
        if rng.random() < 0.01:
            name = rng.choice(MESSAGES)[0]
            self._errors[name] += 1
        window = self._buckets[-5:]
        events_5m = sum(b.total for b in window)
        errors_5m = sum(b.errors for b in window)
        waiting = tuple(round((now - at).total_seconds(), 6) for at in sorted(self._waiting))
        p95 = round(rng.uniform(1.2, 1.9), 6) if not down else None
        return Snapshot(
            taken_at=now,
            database="orders",
            server_version="16.4",
            throughput=tuple(self._buckets),
            event_types=TYPES,
            events_per_minute=events_5m / 5,
            events_5m=events_5m,
            errors_5m=errors_5m,
            error_rate_5m=100 * errors_5m / events_5m if events_5m else 0.0,
            errors=tuple(
                ErrorGroup(
                    message=m,
                    pattern=p,
                    count_1h=self._errors[m] // 4,
                    count_24h=self._errors[m],
                    last_seen=START + timedelta(minutes=self._errors[m]),
                    event_types=3,
                    count_5m=0,
                    first_seen=START - timedelta(hours=20),
                )
                for m, p in MESSAGES
            ),
            latency=tuple(
                LatencyStats(
                    t,
                    200 + rng.randint(0, 20),
                    round(rng.uniform(0.4, 0.7), 6),
                    round(rng.uniform(1.2, 1.9), 6),
                    round(rng.uniform(2.0, 5.0), 6),
                )
                for t in TYPES
            ),
            avg_processing_seconds_1h=round(rng.uniform(0.4, 0.6), 6),
            p95_processing_seconds_1h=round(rng.uniform(1.3, 1.6), 6),
            backlog=Backlog(
                unprocessed=self._unprocessed,
                unprocessed_without_error=len(self._waiting) + 5,
                oldest_unprocessed_age_seconds=round(603_000 + minutes_in * 60, 6),
                failed_24h=43,
                retryable_failed=192,
                oldest_without_error_age_seconds=waiting[0] if waiting else None,
                unprocessed_by_type=MappingProxyType(
                    {TYPES[0]: self._unprocessed // 2, TYPES[1]: self._unprocessed // 3}
                ),
                payment_waiting_seconds=waiting,
            ),
            stuck_orders=StuckOrders(),
            connections=Connections(
                total=len(self._sessions),
                max_connections=100,
                by_state=MappingProxyType(
                    {
                        "active": sum(1 for s in self._sessions if s.state == "active"),
                        "idle": sum(1 for s in self._sessions if s.state == "idle"),
                    }
                ),
                sessions=tuple(self._sessions),
            ),
            poll_seconds=round(rng.uniform(0.03, 0.08), 9),
            events_10m=sum(b.total for b in self._buckets[-10:]),
            processed_10m=sum(b.processed for b in self._buckets[-10:]),
            oldest_unprocessed_10m_age_seconds=waiting[0] if waiting else None,
            processed_5m=sum(b.processed for b in window),
            avg_processing_seconds_5m=round(rng.uniform(0.4, 0.6), 6),
            p95_processing_seconds_15m=p95,
            p95_processing_seconds_baseline=1.21,
            security_baseline_per_5m=0.0766,
            duplicates_1h=Duplicates(),
            paid_without_payment=PaidWithoutPayment(),
            notifications=NotificationStats(total_1h=160 + rng.randint(0, 5), failed_1h=2),
            last_processed_at=now - timedelta(seconds=rng.uniform(0, 2)) if not down else None,
            rows_read=rng.randint(10, 80),
            queries_run=9,
        )


@dataclass(frozen=True)
class SampleFinding:
    """A triage Finding's shape, for recordings made without running triage."""

    id: str
    severity: str = "P0"
    title: str = "Webhook processing completely down"
    value: float = 1.0
    threshold: float = 0.0
    runbook: str = "processing_down"
    evidence: dict[str, object] = field(default_factory=dict)
    since: datetime | None = None


@dataclass(frozen=True)
class SampleEntry:
    """An incident timeline entry's shape."""

    id: str
    at: datetime
    kind: str
    text: str
    author: str = "ann"
    incident_id: str = "00000000-0000-0000-0000-000000000001"
    data: dict[str, object] = field(default_factory=dict)


class FakeTime:
    """The recorder's wall clock and monotonic clock, moved by the test."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start
        self.seconds = 0.0

    def clock(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.seconds += seconds


def sample_incident(
    title: str, severity: str = "P1", who: str = "ana", opened_at: datetime | None = None
) -> Incident:
    """An open incident as the store returns it: `who` opened it and leads it."""
    return Incident(
        id=uuid.uuid4(),
        title=title,
        severity=severity,
        commander=who,
        opened_by=who,
        opened_at=opened_at or datetime.now(UTC),
    )


def outage_findings(system: SyntheticSystem, at: datetime) -> list[SampleFinding]:
    """processing_down lit one minute into the outage until its end."""
    minutes = (at - START).total_seconds() / 60
    if system.outage[0] + 1 <= minutes < system.outage[1]:
        return [SampleFinding("processing_down")]
    return []


Findings = Callable[["SyntheticSystem", datetime], list[SampleFinding]]


def record_polls(
    path: Path,
    system: SyntheticSystem,
    polls: int,
    *,
    findings: Findings = outage_findings,
    entries: Mapping[int, Callable[[datetime], SampleEntry]] | None = None,
    phases: Mapping[int, tuple[str, str]] | None = None,
    failures: Mapping[int, tuple[str, str]] | None = None,
    **recorder: Any,
) -> list[Snapshot]:
    """Record `polls` polls of `system` on a FakeTime at its refresh, with the timeline
    entries, phases and failed polls (error, state) given by poll number; the snapshots
    taken, in order."""
    time = FakeTime()
    taken: list[Snapshot] = []
    with Recorder(path, clock=time.clock, monotonic=time.monotonic, **recorder) as writer:
        for poll in range(polls):
            if failures and poll in failures:
                writer.poll_failed(*failures[poll])
            else:
                taken.append(system.poll(time.now))
                writer.snapshot(taken[-1], findings(system, time.now))
            if entries and poll in entries:
                writer.entry(entries[poll](time.now))
            if phases and poll in phases:
                writer.phase(*phases[poll])
            time.advance(system.refresh_seconds)
    return taken


class ManualClock:
    """A monotonic clock the test moves by setting `now`."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def outage_recording(
    path: Path, failures: Mapping[int, tuple[str, str]] | None = None
) -> Recording:
    """Ten minutes at 2 s; processing_down lit 03:00-05:00; a note at 04:00; opened."""
    note = {120: lambda at: SampleEntry("n1", at, "note", "restarting the worker")}
    record_polls(path, SyntheticSystem(outage=(2, 5)), 300, entries=note, failures=failures)
    return Recording.open(path)
