"""The action lock holds behind PgBouncer in transaction mode, where a session lock does not.

One operator at a time per action (DESIGN.md safety model, point 5): the lock is a
transaction-scoped advisory lock held by its own lock session's open transaction
(console.core.xact_lock), which a transaction pooler pins to one client.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from compat.harness import PgBouncer

from console.core.limits import SessionLimits
from console.core.xact_lock import transaction_lock
from console.sim.embedded import EmbeddedPostgres

NAMESPACE = 0x6963


@pytest.fixture
def database(compat_server: Callable[[int], EmbeddedPostgres]) -> Iterator[str]:
    server = compat_server(16)
    name = f"l_{uuid.uuid4().hex[:12]}"
    server.create_database(name)
    yield name
    server.drop_database(name)


def _keys() -> tuple[int, int]:
    return NAMESPACE, random.randint(1, 2**31 - 1)


def _holders(server: EmbeddedPostgres, database: str, keys: tuple[int, int]) -> list[str]:
    with psycopg.connect(server.dsn(database)) as conn:
        rows = conn.execute(
            "SELECT a.application_name FROM pg_locks AS l JOIN pg_stat_activity AS a"
            " ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
            " AND l.classid::bigint = %s AND l.objid::bigint = %s",
            keys,
        ).fetchall()
    return [r[0] for r in rows]


def test_a_session_lock_is_no_lock_behind_transaction_pooling(
    bouncers: Callable[[str], PgBouncer], database: str
) -> None:
    """Why the console does not use one: the second client gets it too."""
    bouncer = bouncers("pgbouncer-transaction")
    keys = _keys()
    with (
        psycopg.connect(bouncer.dsn(database), autocommit=True) as one,
        psycopg.connect(bouncer.dsn(database), autocommit=True) as two,
    ):
        assert one.execute("SELECT pg_try_advisory_lock(%s, %s)", keys).fetchone() == (True,)
        assert two.execute("SELECT pg_try_advisory_lock(%s, %s)", keys).fetchone() == (True,)
        two.execute("SELECT pg_advisory_unlock_all()")


@pytest.mark.parametrize("mode", ["pgbouncer-transaction", "pgbouncer-session", "direct"])
def test_the_second_operator_is_refused_and_the_holder_is_named(
    mode: str, bouncers: Callable[[str], PgBouncer], database: str
) -> None:
    bouncer = bouncers("pgbouncer-transaction" if mode == "direct" else mode)
    dsn = bouncer.server.dsn(database) if mode == "direct" else bouncer.dsn(database)
    keys = _keys()
    with transaction_lock(dsn, keys) as first:
        assert first is not None and first.alive()
        with transaction_lock(dsn, keys) as second:
            assert second is None
        holders = _holders(bouncer.server, database, keys)
        assert len(holders) == 1 and holders[0].endswith(":lock")
        with psycopg.connect(bouncer.server.dsn(database)) as admin:
            xmin = admin.execute(  # an idle lock session holds back neither vacuum nor CIC
                "SELECT backend_xmin FROM pg_stat_activity WHERE pid = %s", [first.server_pid]
            ).fetchone()
        assert xmin == (None,)
    assert _holders(bouncer.server, database, keys) == []
    with transaction_lock(dsn, keys) as again:
        assert again is not None


def test_a_lost_lock_session_is_seen_at_the_next_heartbeat(
    bouncers: Callable[[str], PgBouncer], database: str
) -> None:
    bouncer = bouncers("pgbouncer-transaction")
    keys = _keys()
    limits = SessionLimits(idle_in_transaction_timeout_ms=1_000)
    with transaction_lock(bouncer.dsn(database), keys, limits=limits) as held:
        assert held is not None
        deadline = time.monotonic() + 10
        while _holders(bouncer.server, database, keys) and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the server to end the idle lock session
        assert _holders(bouncer.server, database, keys) == []
        assert not held.alive()
    with transaction_lock(bouncer.dsn(database), keys) as again:
        assert again is not None
