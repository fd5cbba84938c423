"""Targets for the compat matrix: a database as a real user has it, and how to reach it.

Each target is one row of the matrix: a server version, a PgBouncer mode, a role, or a
schema from the wild. A target makes a fresh database with the smallest data that proves
the row (tests/compat/sql/seed.sql), and gives the console's DSN, the environment the
console runs with (the pooler setting, a throwaway HOME) and a superuser DSN straight to
the same database for checking what happened.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from compat.harness import (
    PgBouncer,
    Target,
    available_binaries,
    fixture_sql,
    required_majors,
    start_server,
)

from console.core.schema_contract import TABLES
from console.core.state import ensure_schema
from console.doctor.role import grant_statements
from console.sim.embedded import EmbeddedPostgres
from console.sim.postgres_bin import Binaries
from console.sim.schema import apply_monitored_schema

VERSIONS = (14, 15, 16, 18)
BOUNCERS = {
    "pgbouncer-transaction": ("transaction", ("extra_float_digits",)),
    "pgbouncer-transaction-ignore-options": ("transaction", ("extra_float_digits", "options")),
    "pgbouncer-session": ("session", ("extra_float_digits",)),
}
ROLES = ("role-pg_monitor", "role-unprivileged", "role-recovery")
TARGETS = (
    *(f"pg{v}" for v in VERSIONS),
    *BOUNCERS,
    *ROLES,
    "schema-wild",
)
WILD_TIME_ZONE = "America/New_York"


@pytest.fixture(scope="session")
def compat_binaries() -> dict[int, Binaries]:
    found = available_binaries()
    missing = required_majors() - set(found)
    if missing:
        pytest.fail(f"PostgreSQL {sorted(missing)} required but not installed (see .ci/run)")
    return found


@pytest.fixture(scope="session")
def compat_server(
    compat_binaries: dict[int, Binaries], pg_server: EmbeddedPostgres
) -> Iterator[Callable[[int], EmbeddedPostgres]]:
    """A server per major, started on first use; 16 is the suite's embedded one."""
    started: dict[int, EmbeddedPostgres] = {}

    def get(major: int) -> EmbeddedPostgres:
        if major == 16 and compat_binaries.get(16) and compat_binaries[16].source == "pgserver":
            return pg_server
        if major not in compat_binaries:
            pytest.skip(f"PostgreSQL {major} is not installed here (.ci/run installs it)")
        if major not in started:
            started[major] = start_server(compat_binaries[major])
        return started[major]

    yield get
    for server in started.values():
        server.stop()


@pytest.fixture(scope="session")
def bouncers(
    compat_server: Callable[[int], EmbeddedPostgres],
) -> Iterator[Callable[[str], PgBouncer]]:
    """One PgBouncer per mode in front of the 16 server, started on first use."""
    running: dict[str, PgBouncer] = {}

    def get(name: str) -> PgBouncer:
        if name not in running:
            mode, ignore = BOUNCERS[name]
            users = ("postgres", "ic_recovery")
            running[name] = PgBouncer(compat_server(16), mode, ignore, users).start()
        return running[name]

    yield get
    for bouncer in running.values():
        bouncer.stop()


def _tables() -> dict[str, tuple[str, str]]:
    return {t.name: ("public", t.name) for t in TABLES}


def _ensure_role(conn: psycopg.Connection, role: str) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    if not exists:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')


def _grant(
    conn: psycopg.Connection, kind: str, role: str, database: str, state: bool = False
) -> None:
    """The GRANTs doctor prints (and README lists): the test proves they are enough."""
    for statement in grant_statements(kind, role, database, _tables(), state_schema=state):
        conn.execute(statement)


def _make_database(server: EmbeddedPostgres, *, wild: bool = False) -> tuple[str, str]:
    name = f"c_{uuid.uuid4().hex[:12]}"
    admin = server.create_database(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        if wild:
            conn.execute(f"ALTER DATABASE {name} SET timezone = '{WILD_TIME_ZONE}'")
    with psycopg.connect(admin, autocommit=True) as conn:  # again: the zone applies now
        if wild:
            conn.execute(fixture_sql("wild_schema"))
        else:
            apply_monitored_schema(conn, id_type="bigint")
        conn.execute(fixture_sql("seed"))
    return name, admin


@pytest.fixture(params=TARGETS)
def target(
    request: pytest.FixtureRequest,
    compat_server: Callable[[int], EmbeddedPostgres],
    bouncers: Callable[[str], PgBouncer],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Target]:
    tid: str = request.param
    home = tmp_path_factory.mktemp("home")
    env = {"HOME": str(home), "XDG_STATE_HOME": str(home / "state")}
    major = int(tid[2:]) if tid.startswith("pg") and tid[2:].isdigit() else 16
    server = compat_server(major)
    name, admin = _make_database(server, wild=tid == "schema-wild")
    dsn, role, pooled = admin, "postgres", False
    if tid in BOUNCERS:
        bouncer = bouncers(tid)
        dsn, pooled = bouncer.dsn(name), True
        if tid.endswith("ignore-options"):  # a DSN that asks for options a pooler drops
            dsn += "?options=-c%20search_path%3Dpublic"
    elif tid in ROLES or tid == "schema-wild":
        role = {
            "role-pg_monitor": "ic_monitor",
            "role-unprivileged": "ic_plain",
            "role-recovery": "ic_recovery",
            "schema-wild": "ic_recovery",
        }[tid]
        with psycopg.connect(admin, autocommit=True) as conn:
            _ensure_role(conn, role)
            if role == "ic_plain":
                conn.execute(f"GRANT SELECT ON {', '.join(_tables())} TO ic_plain")
            elif tid == "role-recovery":  # with the state schema: the audit goes to both sinks
                ensure_schema(conn)
                _grant(conn, "recovery", role, name, state=True)
            else:
                _grant(conn, "recovery" if role == "ic_recovery" else "monitoring", role, name)
        dsn = server.dsn(name, user=role)
    yield Target(tid, dsn, admin, env, role, pooled, major)
    server.drop_database(name)
