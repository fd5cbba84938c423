"""Shared fixtures: one embedded PostgreSQL per test session, a fresh database per test.

Each test gets its own database cloned from a template that already holds the guide's
schema (bigint ids or uuid ids), so tests are isolated and cheap: CREATE DATABASE …
TEMPLATE copies files instead of replaying DDL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from console.sim.embedded import EmbeddedPostgres
from console.sim.schema import IdType, apply_monitored_schema

TEMPLATES: dict[str, IdType] = {"tmpl_bigint": "bigint", "tmpl_uuid": "uuid"}


@dataclass(frozen=True)
class TestDatabase:
    """A database made for one test: its DSN, name, id type and the server it lives on."""

    __test__ = False

    dsn: str
    name: str
    id_type: str
    server: EmbeddedPostgres

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.dsn, autocommit=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres()
    server.start()
    for template, id_type in TEMPLATES.items():
        dsn = server.create_database(template)
        with psycopg.connect(dsn, autocommit=True) as conn:
            apply_monitored_schema(conn, id_type=id_type)
    yield server
    server.stop()


def _make_db(server: EmbeddedPostgres, id_type: str, template: str | None) -> TestDatabase:
    name = f"t_{uuid.uuid4().hex[:16]}"
    dsn = server.create_database(name, template=template)
    return TestDatabase(dsn=dsn, name=name, id_type=id_type, server=server)


@pytest.fixture
def db(pg_server: EmbeddedPostgres) -> Iterator[TestDatabase]:
    """A fresh database with the guide's schema, bigint ids."""
    database = _make_db(pg_server, "bigint", "tmpl_bigint")
    yield database
    pg_server.drop_database(database.name)


@pytest.fixture(params=["bigint", "uuid"])
def any_db(request: pytest.FixtureRequest, pg_server: EmbeddedPostgres) -> Iterator[TestDatabase]:
    """A fresh database with the guide's schema, once with bigint ids and once with uuid."""
    id_type = request.param
    database = _make_db(pg_server, id_type, f"tmpl_{id_type}")
    yield database
    pg_server.drop_database(database.name)


@pytest.fixture
def empty_db(pg_server: EmbeddedPostgres) -> Iterator[TestDatabase]:
    """A fresh database with no tables at all."""
    database = _make_db(pg_server, "none", None)
    yield database
    pg_server.drop_database(database.name)
