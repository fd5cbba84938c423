"""The recovery-action tests' shared harness: seeded rows, a snapshot proving nothing
changed, plan-then-apply, a killed backend, smaller batches, and a proxy that swallows
the reply to a COMMIT.

Concurrent situations are built with real connections to the test's own server, never
mocks; every helper takes the connection it should use.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import psycopg
import pytest

from console.core.db import SessionLimits
from console.recovery import actions
from console.recovery.audit import AuditLog

FAST = SessionLimits(statement_timeout_ms=3_000, lock_timeout_ms=300)


# --- seeding ---------------------------------------------------------------------------------


def seed_failed_events(conn: psycopg.Connection[Any], n: int, *, prefix: str = "evt_f") -> None:
    """n retryable failed events, plus rows that must never be reset."""
    conn.execute(
        "INSERT INTO webhook_events (event_id, event_type, error_message, retry_count, created_at)"
        " SELECT %s || g, 'payment_intent.succeeded', 'Invalid state transition', 0,"
        " now() - interval '10 minutes' FROM generate_series(1, %s) AS g",
        (prefix, n),
    )
    # At the retry limit, too old, and a failed copy of an event already processed.
    conn.execute(
        "INSERT INTO webhook_events (event_id, event_type, error_message, retry_count, created_at,"
        " processed_at) VALUES"
        " ('evt_limit', 'charge.succeeded', 'boom', 3, now(), NULL),"
        " ('evt_old', 'charge.succeeded', 'boom', 0, now() - interval '3 days', NULL),"
        " ('evt_done', 'charge.succeeded', NULL, 0, now(), now()),"
        " ('evt_done', 'charge.succeeded', 'boom', 0, now(), NULL)"
    )


def reset_count(conn: psycopg.Connection[Any]) -> int:
    """How many events a reset_failed_events apply changed (error cleared, one retry)."""
    row = conn.execute(
        "SELECT count(*) FROM webhook_events WHERE error_message IS NULL AND retry_count = 1"
    ).fetchone()
    assert row is not None
    return int(row[0])


def seed_duplicates(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        "INSERT INTO webhook_events (event_id, event_type, created_at, processed_at) VALUES"
        # processed copy + two unprocessed twins: both twins go, the processed one stays
        " ('evt_a', 't', now() - interval '3 min', now()),"
        " ('evt_a', 't', now() - interval '2 min', NULL),"
        " ('evt_a', 't', now() - interval '1 min', NULL),"
        # three unprocessed copies: the newest stays
        " ('evt_b', 't', now() - interval '3 min', NULL),"
        " ('evt_b', 't', now() - interval '2 min', NULL),"
        " ('evt_b', 't', now() - interval '1 min', NULL),"
        # not duplicated
        " ('evt_c', 't', now(), NULL)"
    )


def seed_orders(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        "INSERT INTO orders (state, created_at, updated_at, paid_at, stripe_payment_intent_id,"
        " total_amount_cents) VALUES"
        # stuck pending (2), pending but recently updated, pending with an intent
        " ('pending', now() - interval '3 h', now() - interval '2 h', NULL, NULL, 100),"
        " ('pending', now() - interval '3 h', now() - interval '2 h', NULL, NULL, 100),"
        " ('pending', now() - interval '3 h', now() - interval '1 min', NULL, NULL, 100),"
        " ('pending', now() - interval '3 h', now() - interval '2 h', NULL, 'pi_x', 100),"
        # paid without paid_at and without any payment (revert, 2)
        " ('paid', now() - interval '2 h', now(), NULL, 'pi_r1', 500),"
        " ('paid', now() - interval '2 h', now(), NULL, 'pi_r2', 500),"
        # paid with paid_at and no payment (insert, 3)
        " ('paid', now() - interval '2 h', now(), now() - interval '1 h', 'pi_i1', 700),"
        " ('paid', now() - interval '2 h', now(), now() - interval '1 h', 'pi_i2', 800),"
        " ('paid', now() - interval '2 h', now(), now() - interval '1 h', 'pi_i3', 900)"
    )
    # A paid order with a failed payment (investigate by hand: no action may touch it) and
    # a payment with a NULL order_id (the guide's NOT IN trap).
    conn.execute(
        "WITH o AS (INSERT INTO orders (state, paid_at, total_amount_cents)"
        " VALUES ('paid', NULL, 50) RETURNING id)"
        " INSERT INTO payments (order_id, amount_cents, status) SELECT id, 50, 'failed' FROM o"
    )
    conn.execute("INSERT INTO payments (order_id, amount_cents, status) VALUES (NULL, 1, 'x')")


# --- what changed --------------------------------------------------------------------------


def snapshot(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Everything an action could change, to prove that nothing did."""
    out: dict[str, Any] = {}
    for table in ("webhook_events", "orders", "payments"):
        rows = conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
        out[table] = [tuple(r) for r in rows]
    return out


def changed_rows(before: dict[str, Any], after: dict[str, Any]) -> int:
    """Rows added, removed or modified across the three tables."""
    total = 0
    for table in before:
        old, new = set(before[table]), set(after[table])
        total += max(len(old - new), len(new - old))
    return total


# --- running actions -------------------------------------------------------------------------


def plan_apply(
    reader: psycopg.Connection[Any],
    writer: psycopg.Connection[Any],
    audit: AuditLog,
    action_id: str,
    params: dict[str, Any] | None = None,
    **kwargs: Any,
) -> actions.ActionResult:
    """Preview on `reader`, then apply with the plan's own token on `writer`."""
    return apply_own_token(writer, actions.plan(reader, action_id, params), audit, **kwargs)


def apply_own_token(
    writer: psycopg.Connection[Any], plan: actions.Plan, audit: AuditLog, **kwargs: Any
) -> actions.ActionResult:
    """Apply `plan` on `writer`, confirmed with its own token (as the operator types it)."""
    return actions.apply(writer, plan, plan.token, audit=audit, **kwargs)


def planned_reset(
    conn: psycopg.Connection[Any], reader: psycopg.Connection[Any], n: int
) -> actions.Plan:
    """`n` failed events seeded on `conn` (see seed_failed_events), their reset previewed."""
    seed_failed_events(conn, n)
    return actions.plan(reader, "reset_failed_events")


def small_batches(monkeypatch: pytest.MonkeyPatch, action_id: str, size: int) -> None:
    """Register the action with `size` keys per batch, for this test only."""
    spec = actions.ACTIONS[action_id]
    monkeypatch.setitem(
        actions.ACTIONS, action_id, spec.__class__(**{**spec.__dict__, "batch_size": size})
    )


def wait_backend_gone(conn: psycopg.Connection[Any], pid: int, timeout: float = 3.0) -> None:
    """Wait until `pid` has left pg_stat_activity."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
        if row.fetchone() == (0,):
            return
        time.sleep(0.02)
    raise AssertionError(f"backend {pid} did not go away")


def kill_backend(conn: psycopg.Connection[Any], pid: int) -> None:
    """Terminate `pid` from `conn` and wait until it is gone."""
    conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
    wait_backend_gone(conn, pid)


# --- a COMMIT whose reply never comes ------------------------------------------------------


class CommitSwallowingProxy:
    """A TCP proxy to the test server that, once armed, forwards the next COMMIT to the
    server and then cuts the connection without relaying the reply: the write happened but
    the client never hears so — the 'connection drops after COMMIT was sent' case."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.armed = threading.Event()
        self.fired = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._closing = False
        self._start(self._accept_loop)

    def _start(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept_loop(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            cut = {"replies": False}
            self._start(self._pump, client, server, cut, True)
            self._start(self._pump, server, client, cut, False)

    def _pump(self, src: Any, dst: Any, cut: dict[str, bool], upstream: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if upstream and self.armed.is_set() and b"COMMIT" in data:
                    self.armed.clear()
                    cut["replies"] = True
                    dst.sendall(data)
                    time.sleep(0.3)  # the server commits; its reply is swallowed
                    self.fired.set()
                    break
                if not upstream and cut["replies"]:
                    continue
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self._closing = True
        self.listener.close()
