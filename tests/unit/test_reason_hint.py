"""A failed query's way forward names its real cause (issue 12): the schema contract is
blamed only for a missing table or column (SQLSTATE 42P01 / 42703), never for a lock, a
timeout, a privilege or a pooler's prepared statement."""

from __future__ import annotations

import pytest
from psycopg import errors as pg

from console.core.db_errors import reason_hint, translate

CASES = [
    (pg.LockNotAvailable("canceling statement due to lock timeout"), "holds a lock"),
    (pg.QueryCanceled("canceling statement due to statement timeout"), "statement_timeout_ms"),
    (pg.InsufficientPrivilege("permission denied for table webhook_events"), "GRANT"),
    (pg.DuplicatePreparedStatement('prepared statement "_pg3_0" already exists'), "pooler"),
    (pg.UndefinedTable('relation "webhook_events" does not exist'), "schema contract"),
    (pg.UndefinedColumn('column "processed_at" does not exist'), "schema contract"),
]


@pytest.mark.parametrize(("error", "hint"), CASES, ids=lambda c: type(c).__name__)
def test_each_failure_gets_the_hint_of_its_own_cause(error: Exception, hint: str) -> None:
    said = reason_hint(translate(error).message)
    assert hint in said
    if hint != "schema contract":
        assert "schema contract" not in said


def test_a_named_lock_holder_is_offered_by_its_pid() -> None:
    reason = "webhook_events locked by pid 4242 (ACCESS EXCLUSIVE): LOCK TABLE …; lock timeout"
    assert "pg_terminate_backend(4242)" in reason_hint(reason)
