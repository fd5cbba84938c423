"""The Snapshot: everything the live panels and the detectors need, at one instant.

A Snapshot is a frozen value built by the metrics Collector after each poll and handed
across layers (to triage, to the dashboard, to `check --json`). Times are the database
server's clock (timezone-aware UTC), so a console on a host with a skewed clock still
judges windows correctly. A panel whose query failed (no privilege, timeout, missing
optional table) is not faked: its field keeps the last value or None and `panel_errors`
says why, so the others go on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from console.queries.backend_row import BackendRow


def _frozen_map(data: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(data or {}))


@dataclass(frozen=True)
class MinuteBucket:
    """One minute of webhook traffic (by created_at)."""

    minute: datetime
    by_type: Mapping[str, int] = field(default_factory=_frozen_map)
    errors: int = 0
    processed: int = 0
    latency_sum_seconds: float = 0.0
    latency_count: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


@dataclass(frozen=True)
class ErrorGroup:
    """Errors of one message pattern (the guide's wording by default)."""

    message: str
    pattern: str
    count_1h: int
    count_24h: int
    last_seen: datetime | None
    event_types: int = 0
    count_5m: int = 0
    first_seen: datetime | None = None  # earliest within the 24 h window
    first_seen_5m: datetime | None = None


@dataclass(frozen=True)
class LatencyStats:
    """Processing time (processed_at - created_at) of one event type over the last hour."""

    event_type: str
    count: int
    avg_seconds: float | None
    p95_seconds: float | None
    max_seconds: float | None = None


@dataclass(frozen=True)
class Backlog:
    unprocessed: int = 0
    unprocessed_without_error: int = 0
    oldest_unprocessed_age_seconds: float | None = None
    failed_24h: int = 0
    retryable_failed: int = 0
    retry_limit: int = 3
    oldest_without_error_age_seconds: float | None = None
    unprocessed_by_type: Mapping[str, int] = field(default_factory=_frozen_map)
    # ages (seconds, oldest first, at most 1000) of payment_intent.* events waiting unprocessed
    # without an error: what "payment events not processing" is judged on
    payment_waiting_seconds: tuple[float, ...] = ()


@dataclass(frozen=True)
class StuckOrders:
    by_state: Mapping[str, int] = field(default_factory=_frozen_map)
    older_than_minutes: float = 60.0
    oldest_updated_at: datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.by_state.values())


@dataclass(frozen=True)
class Session(BackendRow):
    """One server backend, as pg_stat_activity shows it."""

    blocked_by: tuple[int, ...] = ()


@dataclass(frozen=True)
class Connections:
    total: int = 0
    max_connections: int = 0
    by_state: Mapping[str, int] = field(default_factory=_frozen_map)
    longest: Session | None = None
    blocked: tuple[Session, ...] = ()
    idle_in_transaction: tuple[Session, ...] = ()
    sessions: tuple[Session, ...] = ()

    @property
    def usage(self) -> float:
        return self.total / self.max_connections if self.max_connections else 0.0


@dataclass(frozen=True)
class Duplicates:
    """event_ids seen more than once among the last hour's events (Issue 3)."""

    duplicated_event_ids: int = 0
    extra_copies: int = 0
    examples: tuple[str, ...] = ()
    first_seen: datetime | None = None


@dataclass(frozen=True)
class PaidWithoutPayment:
    """Orders marked paid in the last 24 h with no completed payment (Data Consistency)."""

    count: int = 0
    examples: tuple[str, ...] = ()  # order ids as text
    oldest_updated_at: datetime | None = None


@dataclass(frozen=True)
class NotificationStats:
    """The optional notifications table over the last hour."""

    total_1h: int = 0
    failed_1h: int = 0
    first_failed: datetime | None = None

    @property
    def failure_rate(self) -> float:
        """Percent of the last hour's notifications that failed."""
        return 100.0 * self.failed_1h / self.total_1h if self.total_1h else 0.0


@dataclass(frozen=True)
class StripeSide:
    """Stripe's undelivered events of the recent window sorted against webhook_events
    (console.stripe.watch; only with a Stripe key). Counts leave out events younger than
    the grace period, which may still be on their way."""

    checked_at: datetime
    window_seconds: float
    grace_seconds: float
    listed: int = 0
    missing: int = 0
    failed: int = 0
    unprocessed: int = 0
    by_type: Mapping[str, int] = field(default_factory=_frozen_map)  # missing + failed
    examples: tuple[str, ...] = ()
    oldest_created: datetime | None = None
    complete: bool = True
    mode: str = "test"
    error: str | None = None  # the one line Stripe's answer became; nothing measured

    @property
    def undelivered(self) -> int:
        return self.missing + self.failed


@dataclass(frozen=True)
class Snapshot:
    """The whole live picture after one poll."""

    taken_at: datetime
    database: str = ""
    server_version: str = ""
    throughput: tuple[MinuteBucket, ...] = ()  # oldest first, covering the last 24 h
    event_types: tuple[str, ...] = ()
    events_per_minute: float = 0.0  # average over the last 5 minutes
    events_5m: int = 0
    errors_5m: int = 0
    error_rate_5m: float = 0.0  # percent
    errors: tuple[ErrorGroup, ...] = ()
    latency: tuple[LatencyStats, ...] = ()
    avg_processing_seconds_1h: float | None = None
    p95_processing_seconds_1h: float | None = None
    backlog: Backlog = field(default_factory=Backlog)
    stuck_orders: StuckOrders = field(default_factory=StuckOrders)
    connections: Connections = field(default_factory=Connections)
    panel_errors: Mapping[str, str] = field(default_factory=_frozen_map)
    poll_seconds: float = 0.0
    extra: Mapping[str, Any] = field(default_factory=_frozen_map)
    # --- added for the detectors (windows judged by the events' own created_at) ---
    events_10m: int = 0
    processed_10m: int = 0
    oldest_unprocessed_10m_age_seconds: float | None = None
    processed_5m: int = 0
    avg_processing_seconds_5m: float | None = None
    p95_processing_seconds_15m: float | None = None
    p95_processing_seconds_baseline: float | None = None  # the 24 h before the last 15 min
    security_rejections_5m: int = 0  # "Invalid signature" + "Event too old"
    security_baseline_per_5m: float = 0.0  # their average per 5 min over the rest of 24 h
    duplicates_1h: Duplicates | None = None  # None: not measured (see panel_errors)
    paid_without_payment: PaidWithoutPayment | None = None
    notifications: NotificationStats | None = None
    webhook_health: str | None = None  # "up", or "down: why"; None when not configured
    stripe: StripeSide | None = None  # None: no Stripe key configured (or not measured yet)
    connection_error: str | None = None  # set when the database could not be polled at all
    last_processed_at: datetime | None = None  # newest processed_at in the table
    rows_read: int = 0  # rows fetched by this poll (cost grows with this, not table size)
    queries_run: int = 0
    read_only_proven: bool | None = None  # core.db.prove_read_only at start; None: not run
    # panel (console/metrics/panels.py) -> what of it is still loading: its longer windows
    # are partial (the first poll answers the last minutes first; see initial_load.py)
    loading: Mapping[str, str] = field(default_factory=_frozen_map)

    def metrics_json(self) -> dict[str, Any]:
        """The `metrics` object of `check --json` (DESIGN.md's contract keys)."""
        return {
            "events_per_minute": round(self.events_per_minute, 3),
            "error_rate_5m": round(self.error_rate_5m, 3),
            "avg_processing_seconds_1h": self.avg_processing_seconds_1h,
            "p95_processing_seconds_1h": self.p95_processing_seconds_1h,
            "unprocessed": self.backlog.unprocessed,
            "stuck_orders": self.stuck_orders.total,
            "connections": {
                "total": self.connections.total,
                "max": self.connections.max_connections,
                "by_state": dict(self.connections.by_state),
            },
        }
