"""Faults of the demo world, switchable by name at run time.

A `FaultSet` is shared by the receiver (which consults it for receiver-side faults), the
traffic generator (sender- and storefront-side faults) and whoever toggles them: code,
the receiver's loopback admin endpoint (`POST /_sim/faults`), the CLI and the dashboard
through `set_fault(base_url, name, on)`. Each fault leaves the traces that the guide's
queries and the console's finding ids look for (`FAULTS[name].findings`). Disabling a
fault stops new damage; what it left behind stays for the recovery actions to fix.

This module also holds the damage that is not a side effect of traffic: the connection
hog (idle-in-transaction sessions filling the pool and most of max_connections) and the
abandoned orders of `stuck_orders`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import psycopg


@dataclass(frozen=True)
class FaultSpec:
    """What a fault does, where it acts, which findings it should light, its knobs."""

    name: str
    description: str
    acts_on: str  # "sender", "storefront", "receiver" or "database"
    findings: tuple[str, ...]
    defaults: Mapping[str, Any] = field(default_factory=dict)


def _spec(
    name: str, acts_on: str, findings: tuple[str, ...], description: str, **defaults: Any
) -> FaultSpec:
    return FaultSpec(name, description, acts_on, findings, MappingProxyType(defaults))


FAULTS: dict[str, FaultSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "wrong_secret",
            "sender",
            ("signature_failures", "high_error_rate", "security_anomaly"),
            "deliveries are signed with a secret the receiver does not know",
            secret=None,
        ),
        _spec(
            "clock_skew",
            "sender",
            ("event_age_failures", "high_error_rate"),
            "the sender's clock is off by more than the tolerance (negative: behind)",
            seconds=None,
        ),
        _spec(
            "duplicate_deliveries",
            "sender",
            ("idempotency_conflicts",),
            "events are delivered twice at once and race past a non-atomic duplicate check",
            copies=2,
            ratio=1.0,
        ),
        _spec(
            "connection_hog",
            "database",
            ("db_connection_failure",),
            "idle-in-transaction sessions fill the receiver's pool and >90 % of max_connections",
            fill_ratio=0.92,
            connections=None,
        ),
        _spec(
            "retry_storm",
            "sender",
            ("rate_limiting", "high_error_rate"),
            "bursts of redeliveries exceed the receiver's rate limit",
            burst=None,
        ),
        _spec(
            "stuck_orders",
            "storefront",
            ("stuck_orders",),
            "orders are abandoned in pending / pending_payment (backdated beyond 1 h)",
            per_second=1.0,
            age_seconds=7_200.0,
        ),
        _spec(
            "paid_without_payment",
            "receiver",
            ("inconsistent_orders",),
            "orders are marked paid but the payment row is never written",
            ratio=1.0,
        ),
        _spec(
            "processor_down",
            "receiver",
            ("processing_down", "payments_not_processing"),
            "deliveries are accepted and recorded but never processed",
        ),
        _spec(
            "slow_processing",
            "receiver",
            ("processing_delay", "performance_degradation"),
            "events are processed seconds after receipt (backdate=true: without waiting)",
            seconds=12.0,
            backdate=False,
        ),
        _spec(
            "notification_failures",
            "receiver",
            ("notification_failures",),
            "notifications after a payment fail to send",
            ratio=0.5,
            error="SMTP error: connection to mail server timed out",
        ),
    )
}


class FaultError(ValueError):
    """An unknown fault or parameter; the message lists what exists."""


@dataclass(frozen=True)
class ActiveFault:
    name: str
    params: Mapping[str, Any]
    since: float

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "params": dict(self.params), "since": self.since}


Listener = Callable[[str, bool], None]


def _coerce(name: str, key: str, value: Any, default: Any) -> Any:
    if default is None or value is None:
        return value
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        return type(default)(value)
    except (TypeError, ValueError):
        raise FaultError(f"fault {name}: {key} must be a {type(default).__name__}") from None


class FaultSet:
    """The faults switched on now. Thread-safe; listeners hear every change."""

    def __init__(self) -> None:
        self._active: dict[str, ActiveFault] = {}
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def enable(self, name: str, **params: Any) -> ActiveFault:
        spec = FAULTS.get(name)
        if spec is None:
            raise FaultError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        unknown = sorted(set(params) - set(spec.defaults))
        if unknown:
            allowed = ", ".join(spec.defaults) or "none"
            raise FaultError(f"fault {name} has no parameter {unknown[0]!r} (allowed: {allowed})")
        merged = {
            key: _coerce(name, key, params.get(key, default), default)
            for key, default in spec.defaults.items()
        }
        fault = ActiveFault(name, MappingProxyType(merged), time.time())
        with self._lock:
            self._active[name] = fault
            listeners = list(self._listeners)
        for listener in listeners:
            listener(name, True)
        return fault

    def disable(self, name: str) -> bool:
        if name not in FAULTS:
            raise FaultError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            was_on = self._active.pop(name, None) is not None
            listeners = list(self._listeners)
        if was_on:
            for listener in listeners:
                listener(name, False)
        return was_on

    def set(self, name: str, on: bool, **params: Any) -> None:
        if on:
            self.enable(name, **params)
        else:
            self.disable(name)

    def active(self) -> dict[str, Mapping[str, Any]]:
        """Name -> parameters of every fault switched on."""
        with self._lock:
            return {name: fault.params for name, fault in self._active.items()}

    def get(self, name: str) -> Mapping[str, Any] | None:
        """The parameters of `name` if it is on, else None."""
        with self._lock:
            fault = self._active.get(name)
        return fault.params if fault else None

    def is_on(self, name: str) -> bool:
        return self.get(name) is not None

    def clear(self) -> None:
        for name in list(self.active()):
            self.disable(name)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(name, on)` on every change; returns the unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def describe(self) -> list[dict[str, Any]]:
        """Every known fault with its state, for `GET /_sim/faults` and `--list-faults`."""
        with self._lock:
            active = dict(self._active)
        return [
            {
                "name": spec.name,
                "on": spec.name in active,
                "acts_on": spec.acts_on,
                "findings": list(spec.findings),
                "description": spec.description,
                "params": dict(active[spec.name].params if spec.name in active else spec.defaults),
            }
            for spec in FAULTS.values()
        ]


def parse_fault_spec(text: str) -> list[tuple[str, dict[str, str]]]:
    """`"wrong_secret,slow_processing:seconds=15"` -> [(name, params)], checked against FAULTS.

    The form the CLI's `--scenario` takes; values stay text (FaultSet.enable coerces them).
    """
    parsed: list[tuple[str, dict[str, str]]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, *pairs = (piece.strip() for piece in item.split(":"))
        spec = FAULTS.get(name)
        if spec is None:
            raise FaultError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        params: dict[str, str] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or key.strip() not in spec.defaults:
                allowed = ", ".join(spec.defaults) or "none"
                raise FaultError(f"fault {name}: bad parameter {pair!r} (allowed: {allowed})")
            params[key.strip()] = value.strip()
        parsed.append((name, params))
    return parsed


def random_wrong_secret() -> str:
    return "whsec_" + secrets.token_hex(16)


# --- toggling over HTTP -----------------------------------------------------------------


class FaultToggleError(RuntimeError):
    """The receiver refused or could not be reached; one line saying why."""


def set_fault_sync(
    base_url: str, name: str, on: bool, timeout: float = 5.0, **params: Any
) -> dict[str, Any]:
    """Switch a fault on the running receiver at `base_url`; returns its fault list."""
    body = json.dumps({"name": name, "on": on, "params": params}).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + "/_sim/faults",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("error", exc.reason)
        except (ValueError, AttributeError):
            detail = exc.reason
        raise FaultToggleError(f"receiver refused: {detail}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FaultToggleError(f"cannot reach the receiver at {base_url}: {reason}") from None


async def set_fault(
    base_url: str, name: str, on: bool, timeout: float = 5.0, **params: Any
) -> dict[str, Any]:
    """The async twin of `set_fault_sync` (runs it in a thread: no event-loop blocking)."""
    return await asyncio.to_thread(set_fault_sync, base_url, name, on, timeout, **params)


# --- damage that is not a side effect of traffic ---------------------------------------


async def create_stuck_orders(
    conn: psycopg.AsyncConnection[Any], count: int, age_seconds: float
) -> int:
    """Abandoned checkouts: orders left in pending / pending_payment, backdated."""
    if count <= 0:
        return 0
    rows = [
        (
            "pending" if i % 2 == 0 else "pending_payment",
            None if i % 2 == 0 else f"pi_{secrets.token_hex(12)}",
            1_000 + (i * 137) % 20_000,
            float(age_seconds) + i,
        )
        for i in range(count)
    ]
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO orders (state, stripe_payment_intent_id, total_amount_cents,"
            " created_at, updated_at)"
            " VALUES (%s, %s, %s, now() - %s * interval '1 second',"
            " now() - %s * interval '1 second')",
            [(state, pi, amount, age, age) for state, pi, amount, age in rows],
        )
    return count


MAX_HOG_CONNECTIONS = 200


class ConnectionHog:
    """Idle-in-transaction sessions: the pool's own connections, then extra ones.

    Taking every connection of the receiver's pool makes the receiver answer 503 (pool
    exhausted); opening more, under the receiver's application_name, pushes the server
    past `fill_ratio` of max_connections, which is what db_connection_failure looks for.
    """

    def __init__(self, dsn: str, application_name: str) -> None:
        self._dsn = dsn
        self._application_name = application_name
        self._pool_conns: list[psycopg.AsyncConnection[Any]] = []
        self._extra: list[psycopg.AsyncConnection[Any]] = []
        self._pool: Any = None
        self.last_error: str | None = None

    @property
    def held(self) -> int:
        return len(self._pool_conns) + len(self._extra)

    async def start(
        self, pool: Any, *, fill_ratio: float = 0.92, connections: int | None = None
    ) -> int:
        """Hold the pool's connections and enough extra ones; returns how many are held."""
        self._pool = pool
        if pool is not None:
            for _ in range(pool.max_size):
                try:
                    conn = await pool.getconn(timeout=1.0)
                except Exception as exc:  # pool already empty or closing
                    self.last_error = str(exc)
                    break
                await _idle_in_transaction(conn)
                self._pool_conns.append(conn)
        target = connections
        if target is None:
            target = await _connections_needed(self._dsn, fill_ratio)
        for _ in range(max(0, target)):
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._dsn,
                    autocommit=True,
                    application_name=self._application_name,
                    connect_timeout=5,
                )
            except psycopg.Error as exc:  # server full: that is the point
                self.last_error = str(exc).strip().splitlines()[0] if str(exc) else "full"
                break
            await _idle_in_transaction(conn)
            self._extra.append(conn)
        return self.held

    async def stop(self) -> None:
        """Roll back and give everything back (a terminated backend is simply dropped)."""
        for conn in self._pool_conns:
            with contextlib.suppress(Exception):
                await conn.execute("ROLLBACK")
            if self._pool is not None:
                with contextlib.suppress(Exception):
                    await self._pool.putconn(conn)
        for conn in self._extra:
            with contextlib.suppress(Exception):
                await conn.close()
        self._pool_conns.clear()
        self._extra.clear()


async def _idle_in_transaction(conn: psycopg.AsyncConnection[Any]) -> None:
    """Open a transaction and leave it open (what a leaked connection looks like)."""
    with contextlib.suppress(Exception):
        await conn.execute("SET idle_in_transaction_session_timeout = 0")
        await conn.execute("BEGIN")
        await conn.execute("SELECT count(*) FROM orders")


async def _connections_needed(dsn: str, fill_ratio: float) -> int:
    """How many more sessions bring the server above fill_ratio of max_connections."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        cur = await conn.execute(
            "SELECT current_setting('max_connections')::int,"
            " current_setting('superuser_reserved_connections')::int,"
            " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        )
        row = await cur.fetchone()
    assert row is not None
    max_connections, reserved, in_use = int(row[0]), int(row[1]), int(row[2])
    wanted = int(max_connections * fill_ratio) + 1 - in_use + 1  # +1: this probe has closed
    # Leave two ordinary slots free (the console must still get in), and never open
    # hundreds of sessions against a server configured far beyond the demo's 100.
    return max(0, min(wanted, max_connections - reserved - in_use - 1, MAX_HOG_CONNECTIONS))


def fault_command(args: Any) -> int:
    """`incident-console fault NAME[:k=v] [--off] --url URL`: toggle a running demo's fault."""
    import sys

    try:
        [(name, params)] = parse_fault_spec(args.spec) or [("", {})]
        if not name:
            raise FaultError("name a fault, e.g. wrong_secret")
        faults = set_fault_sync(args.url, name, not args.off, **params)
    except (FaultError, FaultToggleError, ValueError) as exc:
        print(f"incident-console: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(faults))
    else:
        print(f"{name}: {'off' if args.off else 'on'}", file=sys.stderr)
    return 0
