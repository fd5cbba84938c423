"""The demo world's history: days of healthy webhook traffic, orders, payments, notifications.

`generate_world` fills the guide's tables (already created by `apply_monitored_schema`) with
a history ending at `now`, entirely in set-based SQL (`sql/world/*.sql`, run in order in
one transaction), so a million events load in seconds rather than minutes.

The world is built from orders, not from events: each order draws its path through the
guide's state machine (Issue 6, Solution 3) once, every webhook event is a step of that
path, and the order's stored state is simply the last step that has taken effect by `now`.
That is what keeps the tables consistent with each other (created_at <= paid_at <=
updated_at, a completed payment for every paid order, notifications after payment) and
keeps the history *healthy* for the default detectors: pending states never last an hour,
errors stay near 0.5 %, latency is log-normal around 0.4 s, and the last minutes carry
steady traffic with no rejected deliveries. Faults, injected later, create the problems.

Randomness comes from `setseed()` and one sequential pass that draws every number an order
needs, plus hashes of a world key for per-event choices; the same seed and `now` give
the same world. Ids are whatever the database assigns (bigint or uuid): rows are joined
back to their orders by the payment intent id, a generated natural key.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from console.core.db import SessionLimits, connect_sync, translate
from console.sim import statements

#: ~50k events for the default 7 days: the demo shows live data within 5 s on 2 cores.
DEFAULT_EVENTS_PER_DAY = 7_200

#: From this many events on (into tables holding fewer rows than that), secondary indexes
#: are dropped for the load and rebuilt after: building an index once is cheaper than
#: maintaining it row by row. Measured here (backend CPU, 2 shared cores): 1M events 21 s
#: rebuilt vs 37 s maintained; 200k 5.1 vs 6.1 s; 100k and 50k no difference.
REBUILD_INDEXES_FROM = 100_000

STEPS: tuple[str, ...] = (
    "world/params",
    "world/minutes",
    "world/plan",
    "world/map_table",
)
FILLED_TABLES: tuple[str, ...] = ("orders", "webhook_events", "payments", "notifications")


@dataclass(frozen=True)
class Mix:
    """How orders behave: path probabilities, error and retry rates, latency, traffic shape."""

    p_abandon: float = 0.06  # pending -> cancelled (never reached checkout)
    p_expire: float = 0.02  # pending_payment -> cancelled (checkout expired)
    p_fail: float = 0.07  # pending_payment -> payment_failed
    p_retry: float = 0.6  # of failed: -> pending_payment -> paid; else -> cancelled
    p_refund: float = 0.03  # of paid: -> refunded
    p_dispute: float = 0.006  # of paid: -> disputed
    p_dispute_refund: float = 0.4  # of disputed: -> refunded
    p_dispute_release: float = 0.45  # of disputed: -> released (the rest stay disputed)
    p_error: float = 0.005  # rejected deliveries per real one (~0.5 % of events)
    p_event_retry: float = 0.004  # per webhook slot: processed only after a retry
    quiet_seconds: float = 900.0  # no rejected deliveries this close to `now`
    latency_median: float = 0.27  # seconds; log-normal: avg ~0.4 s, p95 ~1.2 s
    latency_sigma: float = 0.9
    latency_cap: float = 30.0
    p_notify_fail: float = 0.02
    p_notify_fail_recent: float = 0.01  # in the last hour
    amplitude: float = 0.55  # diurnal swing around the mean traffic
    peak_hour: float = 3.0  # UTC, i.e. early afternoon in Sydney (prices are AUD)

    @property
    def paid_fraction(self) -> float:
        return 1 - self.p_abandon - self.p_expire - self.p_fail + self.p_fail * self.p_retry

    @property
    def events_per_order(self) -> float:
        """Expected webhook events per order over a full life (rejected ones included)."""
        lifecycle = (
            (1 - self.p_abandon)  # checkout.session.completed
            + self.p_fail  # payment_intent.payment_failed
            + self.paid_fraction
            * (1 + self.p_refund + self.p_dispute * (1 + self.p_dispute_refund))
        )
        return lifecycle * (1 + self.p_error)


@dataclass(frozen=True)
class WorldSummary:
    """What was generated: rows per table, the time span, and how long it took.

    Only JSON-native values (times as ISO 8601 text), so `asdict()` goes straight into a
    `--json` document; `start_at`/`end_at` give them back as datetimes.
    """

    orders: int
    webhook_events: int
    payments: int
    notifications: int
    seconds: float
    start: str
    end: str
    seed: int
    indexes_rebuilt: bool = False

    @property
    def start_at(self) -> datetime:
        return datetime.fromisoformat(self.start)

    @property
    def end_at(self) -> datetime:
        return datetime.fromisoformat(self.end)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_event_count(days: float) -> int:
    return max(1, round(days * DEFAULT_EVENTS_PER_DAY))


def _seed_value(seed: int) -> float:
    """setseed() takes a float in [-1, 1]; spread integer seeds over it reproducibly."""
    return random.Random(seed).uniform(-1.0, 1.0)


Say = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


@contextmanager
def _timed(say: Say, label: str) -> Iterator[None]:
    """Tell `say` how long one step of the load took (the bench logs them: where time goes)."""
    started = time.perf_counter()
    yield
    say(f"world: {label} {time.perf_counter() - started:.1f} s")


def _run(conn: psycopg.Connection[Any], name: str, params: dict[str, Any] | None = None) -> int:
    """Run one generator step; the number of rows it wrote."""
    cur = (
        conn.execute(*statements.bound(name, **params))
        if params
        else conn.execute(statements.text(name))
    )
    return cur.rowcount


def _value(conn: psycopg.Connection[Any], name: str) -> Any:
    """The one value a one-row statement returns."""
    row = conn.execute(statements.text(name)).fetchone()
    assert row is not None, name
    return next(iter(row.values()))


def _secondary_indexes(conn: psycopg.Connection[Any]) -> list[tuple[tuple[str, str], str]]:
    """Plain indexes on the filled tables (not backing a constraint): (name, definition)."""
    rows = conn.execute(
        *statements.bound("world/secondary_indexes", tables=list(FILLED_TABLES))
    ).fetchall()
    return [((row["schema"], row["name"]), row["definition"]) for row in rows]


def _skip_triggers(conn: psycopg.Connection[Any]) -> bool:
    """Skip per-row foreign-key triggers for this transaction when the role may.

    The generated rows reference their orders by construction (ids come back from
    RETURNING), and the per-row checks cost as much as the inserts themselves. Only a
    superuser (or a role granted SET on the parameter) may do this; others just pay.
    """
    try:
        with conn.transaction():
            conn.execute(statements.text("world/skip_triggers"))
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


def _skip_wal(conn: psycopg.Connection[Any], tables: list[str]) -> bool:
    """Empty tables get new files for the load, so their rows skip the WAL; True if they did.

    Only on a server running at `wal_level = minimal` (the bench's), where a table truncated
    in the same transaction is written straight to its files and synced at commit: the same
    table, logged as before from then on, for about a third less work per row. Only when
    every filled table is empty (checked under an exclusive lock, so nothing is lost) and
    the role may truncate them; otherwise the load simply writes the WAL.
    """
    if _value(conn, "world/wal_level") != "minimal":
        return False
    try:
        with conn.transaction():
            conn.execute(statements.composed("world/lock_tables", tables=tables))
            for table in tables:
                if not conn.execute(
                    statements.composed("world/table_empty", table=table)
                ).fetchone()["empty"]:
                    return False
            conn.execute(statements.composed("world/truncate", tables=tables))
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.FeatureNotSupported):
        return False
    return True


def _existing_events(conn: psycopg.Connection[Any]) -> float:
    """Rows already in webhook_events, estimated (rebuilding a big table's indexes is slow)."""
    row = conn.execute(statements.text("world/existing_events")).fetchone()
    return float(row["n"]) if row else 0.0


def _column_exists(conn: psycopg.Connection[Any], table: str, column: str) -> bool:
    row = conn.execute(
        *statements.bound("world/column_exists", table=table, column=column)
    ).fetchone()
    return bool(row and row["n"])


def _table_exists(conn: psycopg.Connection[Any], table: str) -> bool:
    row = conn.execute(*statements.bound("sim/table_exists", table=table)).fetchone()
    return bool(row and row["present"])


def generate_world(
    dsn: str,
    *,
    days: float = 7.0,
    events: int | None = None,
    seed: int = 0,
    now: datetime | None = None,
    mix: Mix | None = None,
    rebuild_indexes: bool | None = None,
    say: Say | None = None,
) -> WorldSummary:
    """Fill the guide's tables with `days` of healthy history ending at `now` (server time).

    `events` sets the volume (about that many webhook events; the last hour always gets
    at least one new order a minute); by default the history is sized for a quick demo
    start. Everything happens in one transaction: on error nothing is left behind.

    Meant for a database nobody else is writing to yet (the demo, training, benchmarks):
    big loads drop and rebuild the tables' secondary indexes (`rebuild_indexes`, default
    from 100k events), which locks the tables until commit, and a role that may do so
    skips the per-row foreign-key triggers (`session_replication_role = replica`).
    `say` hears how long each step took.
    """
    say = say or _quiet
    if days <= 0:
        raise ValueError(f"days must be positive, got {days}")
    if events is not None and events < 1:
        raise ValueError(f"events must be at least 1, got {events}")
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware (e.g. datetime.now(UTC))")
    mix = mix or Mix()
    target = events if events is not None else default_event_count(days)
    orders_total = max(1, round(target / mix.events_per_order))
    started = time.perf_counter()
    limits = SessionLimits(
        statement_timeout_ms=30 * 60 * 1000,
        lock_timeout_ms=10_000,
        idle_in_transaction_timeout_ms=5 * 60 * 1000,
    )
    try:
        with connect_sync(dsn, allow_write=True, limits=limits, role="world") as conn:
            with _timed(say, "load, commit included"), conn.transaction():
                rebuild = rebuild_indexes
                if rebuild is None:
                    rebuild = target >= REBUILD_INDEXES_FROM and _existing_events(conn) < target
                summary = _load(conn, mix, days, seed, now, orders_total, rebuild, started, say)
            with _timed(say, "analyze"):
                for table in FILLED_TABLES:  # fresh statistics: the console's plans need them
                    if _table_exists(conn, table):
                        conn.execute(statements.composed("world/analyze", table=table))
    except psycopg.Error as exc:
        raise translate(exc, dsn) from None
    return WorldSummary(**{**asdict(summary), "seconds": time.perf_counter() - started})


def _load(
    conn: psycopg.Connection[Any],
    mix: Mix,
    days: float,
    seed: int,
    now: datetime | None,
    orders_total: int,
    rebuild: bool,
    started: float,
    say: Say,
) -> WorldSummary:
    for setting, value in (
        ("temp_buffers", "4GB"),  # the plan (1.2 GB at 10M events) lives in temp tables: in memory
        ("max_parallel_workers_per_gather", "0"),  # one process: random() order is fixed
        # the events' sort (1.3 GB at 10M) stays in memory (spilled: 43.9 vs 38.0 s CPU, one
        # side-by-side run; within the noise of a loaded machine in a whole load)
        ("work_mem", "2GB"),
        ("maintenance_work_mem", "1GB"),
        ("synchronous_commit", "off"),
    ):
        conn.execute(*statements.bound("world/set_config", setting=setting, value=value))
    _skip_triggers(conn)
    end: datetime = now or _value(conn, "world/server_now")
    conn.execute(*statements.bound("world/setseed", seed=_seed_value(seed)))
    params = {
        "now": end,
        "days": days,
        "orders_total": orders_total,
        "key": f"{seed}:{end.timestamp():.6f}",
        "mix": Jsonb(asdict(mix)),
    }
    for step in STEPS:
        with _timed(say, step):
            _run(conn, step, params if step == "world/params" else None)
    dropped = _secondary_indexes(conn) if rebuild else []
    if rebuild:
        _skip_wal(conn, [table for table in FILLED_TABLES if _table_exists(conn, table)])
    for name, _ in dropped:
        conn.execute(statements.composed("world/drop_index", index=name))
    with _timed(say, "world/insert_orders"):
        _run(conn, "world/insert_orders")
    with _timed(say, "analyze scratch tables"):
        # Statistics on the scratch tables give the joins below hash plans instead of sorts.
        for scratch in ("world_plan", "world_map"):
            conn.execute(statements.composed("world/analyze", table=scratch))
    order_count = _value(conn, "world/plan_count")
    with _timed(say, "world/insert_events"):
        event_count = _run(conn, "world/insert_events")
    with _timed(say, "world/insert_payments"):
        payment_count = _run(conn, "world/insert_payments")
    with _timed(say, "world/insert_notifications"):
        notification_count = (
            _run(conn, "world/insert_notifications") if _table_exists(conn, "notifications") else 0
        )
    if _column_exists(conn, "webhook_events", "payload"):
        with _timed(say, "world/payloads"):
            _run(conn, "world/payloads")
    for (_, name), definition in dropped:
        with _timed(say, f"rebuild {name}"):
            conn.execute(definition)  # type: ignore[arg-type]  # pg_get_indexdef output
    start = _value(conn, "world/start_at")
    return WorldSummary(
        orders=int(order_count),
        webhook_events=event_count,
        payments=payment_count,
        notifications=notification_count,
        seconds=time.perf_counter() - started,
        start=start.isoformat(),
        end=end.isoformat(),
        seed=seed,
        indexes_rebuilt=bool(dropped),
    )
