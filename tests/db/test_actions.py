"""Recovery actions against a real PostgreSQL: preview, typed token, guarded batches, audit.

Concurrent situations (a row lock, a row changed between preview and apply, a killed
backend, a second operator) are built with a second real connection, never mocks. The
seeds and the harness are shared: tests/support/actions_kit.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support.actions_kit import (
    FAST,
    CommitSwallowingProxy,
    apply_own_token,
    changed_rows,
    kill_backend,
    plan_apply,
    planned_reset,
    reset_count,
    seed_duplicates,
    seed_failed_events,
    seed_orders,
    small_batches,
    snapshot,
    wait_backend_gone,
)

from console.core.db import DatabaseError, ReadOnlyError, connect_sync
from console.core.state import ensure_schema
from console.recovery import actions
from console.recovery.actions import ActionLocked, PlanExpired, Progress, TokenMismatch
from console.recovery.audit import AuditLog, AuditUnavailable
from tests.conftest import TestDatabase

Conn = psycopg.Connection[Any]

# --- fixtures: the monitored database as the test, the console's reader and writer ------------


def _session(connection: Conn) -> Iterator[Conn]:
    with connection:
        yield connection


@pytest.fixture
def conn(db: TestDatabase) -> Iterator[Conn]:
    """The test's own autocommit connection: seeds, meddles, checks."""
    yield from _session(db.connect())


@pytest.fixture
def victim(db: TestDatabase) -> Iterator[Conn]:
    """Another client session, idle, for the backend actions to signal."""
    yield from _session(db.connect())


@pytest.fixture
def reader(db: TestDatabase) -> Iterator[Conn]:
    """The console's read-only connection, where plans are previewed."""
    yield from _session(connect_sync(db.dsn))


@pytest.fixture
def writer(db: TestDatabase) -> Iterator[Conn]:
    conn = connect_sync(db.dsn, allow_write=True, limits=FAST)
    yield conn
    conn.close()


@pytest.fixture
def audit(db: TestDatabase, tmp_path: Path) -> Iterator[AuditLog]:
    with connect_sync(db.dsn, allow_write=True) as conn:
        ensure_schema(conn)
    log = AuditLog(state_dsn=db.dsn, local_dir=tmp_path / "state")
    yield log
    log.close()


# --- each action: the preview count is what changes, and twice changes nothing ----------------

ROW_CASES: dict[str, tuple[Callable[[Conn], None], int]] = {
    "reset_failed_events": (lambda c: seed_failed_events(c, 5), 5),
    "delete_duplicate_events": (seed_duplicates, 4),
    "reset_stuck_orders": (seed_orders, 2),
    "fix_paid_without_payment": (seed_orders, 2),
    "insert_missing_payments": (seed_orders, 3),
}


@pytest.mark.parametrize("action_id", sorted(ROW_CASES))
def test_preview_count_is_exactly_what_changes_and_a_second_run_changes_nothing(
    any_db: TestDatabase, tmp_path: Path, action_id: str
) -> None:
    seed, expected = ROW_CASES[action_id]
    with any_db.connect() as conn:
        ensure_schema(conn)
        seed(conn)
        audit = AuditLog(state_dsn=any_db.dsn, local_dir=tmp_path)
        with (
            connect_sync(any_db.dsn) as reader,
            connect_sync(any_db.dsn, allow_write=True, limits=FAST) as writer,
        ):
            before = snapshot(conn)
            p = actions.plan(reader, action_id)
            assert p.count == expected
            assert p.token == str(expected)
            result = apply_own_token(writer, p, audit)
            assert result.status == "applied", result.message
            assert result.changed == expected
            assert "verified: none of them match the preview any more" in result.message
            after = snapshot(conn)
            assert changed_rows(before, after) == expected

            again = actions.plan(reader, action_id)
            assert again.count == 0
            assert again.token == action_id  # nothing to count: the action id confirms
            second = actions.apply(writer, again, action_id, audit=audit)
            assert second.status == "nothing_to_do"
            assert snapshot(conn) == after
        audit.close()


def test_reset_failed_events_leaves_processed_twins_old_rows_and_limit_alone(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    seed_failed_events(conn, 2)
    result = plan_apply(reader, writer, audit, "reset_failed_events")
    assert result.changed == 2
    untouched = conn.execute(
        "SELECT event_id, processed_at IS NOT NULL, error_message, retry_count"
        " FROM webhook_events WHERE event_id IN ('evt_limit', 'evt_old', 'evt_done')"
        " ORDER BY event_id, processed_at NULLS LAST"
    ).fetchall()
    assert untouched == [
        ("evt_done", True, None, 0),
        ("evt_done", False, "boom", 0),
        ("evt_limit", False, "boom", 3),
        ("evt_old", False, "boom", 0),
    ]


def test_duplicate_cleanup_keeps_the_processed_copy_and_the_newest_unprocessed_one(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    seed_duplicates(conn)
    plan_apply(reader, writer, audit, "delete_duplicate_events")
    left = conn.execute(
        "SELECT event_id, processed_at IS NOT NULL, created_at > now() - interval '90 s'"
        " FROM webhook_events ORDER BY event_id"
    ).fetchall()
    assert left == [("evt_a", True, False), ("evt_b", False, True), ("evt_c", False, True)]


def test_inserted_payments_carry_amount_intent_and_a_hostile_currency_verbatim(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    hostile = "eur'); DROP TABLE orders; --"
    seed_orders(conn)
    # Without a currency column on orders the parameter is what gets stored.
    conn.execute("ALTER TABLE orders DROP COLUMN currency")
    result = plan_apply(reader, writer, audit, "insert_missing_payments", {"currency": hostile})
    assert result.changed == 3
    rows = conn.execute(
        "SELECT p.amount_cents, p.currency, p.status, p.stripe_payment_intent_id"
        " FROM payments p JOIN orders o ON o.id = p.order_id"
        " WHERE p.status = 'completed' ORDER BY p.amount_cents"
    ).fetchall()
    assert rows == [
        (700, hostile, "completed", "pi_i1"),
        (800, hostile, "completed", "pi_i2"),
        (900, hostile, "completed", "pi_i3"),
    ]
    assert conn.execute("SELECT count(*) FROM orders").fetchone() == (10,)


# --- confirmation, expiry, read-only ------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["", "   ", "\n\n\n", None, "4", "6", "reset_failed_events", "5x"]
)
def test_a_wrong_or_empty_token_writes_nothing(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog, typed: str | None
) -> None:
    seed_failed_events(conn, 5)
    before = snapshot(conn)
    p = actions.plan(reader, "reset_failed_events")
    with pytest.raises(TokenMismatch, match="nothing was changed"):
        actions.apply(writer, p, typed, audit=audit)
    assert snapshot(conn) == before
    assert audit.local_records() == []  # refused before even the intent


def test_enter_spam_then_the_right_token(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    p = planned_reset(conn, reader, 3)
    for _ in range(20):
        with pytest.raises(TokenMismatch):
            actions.apply(writer, p, "\r", audit=audit)
    assert reset_count(conn) == 0
    assert actions.apply(writer, p, " 3 ", audit=audit).changed == 3


def test_an_expired_plan_is_refused_and_needs_a_fresh_preview(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    seed_failed_events(conn, 2)
    p = actions.plan(reader, "reset_failed_events", ttl_seconds=0.05)
    time.sleep(0.1)
    with pytest.raises(PlanExpired, match="preview again"):
        apply_own_token(writer, p, audit)
    assert reset_count(conn) == 0
    fresh = actions.plan(reader, "reset_failed_events")
    assert apply_own_token(writer, fresh, audit).changed == 2


def test_a_read_only_connection_cannot_apply(conn: Conn, reader: Conn, audit: AuditLog) -> None:
    p = planned_reset(conn, reader, 2)
    with pytest.raises(ReadOnlyError, match="--allow-write"):
        actions.apply(reader, p, p.token, audit=audit)
    assert reset_count(conn) == 0


# --- concurrency --------------------------------------------------------------------------------


def test_under_exact_a_row_changed_between_preview_and_apply_rolls_back_with_nothing_written(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    p = planned_reset(conn, reader, 5)
    # The application processes one of them meanwhile.
    conn.execute(
        "UPDATE webhook_events SET processed_at = now(), error_message = NULL"
        " WHERE event_id = 'evt_f3'"
    )
    before = snapshot(conn)
    result = apply_own_token(writer, p, audit, exact=True)
    assert result.status == "changed_since_preview"
    assert "nothing was changed" in result.message
    assert "1 no longer match" in result.message
    assert snapshot(conn) == before


def test_under_exact_a_row_changed_during_batch_two_rolls_that_batch_back_and_reports_batch_one(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_batches(monkeypatch, "reset_failed_events", 2)
    p = planned_reset(conn, reader, 6)

    def meddle(progress: Progress) -> None:
        if progress.batch == 2 and progress.phase == "started":
            conn.execute("UPDATE webhook_events SET processed_at = now() WHERE event_id = 'evt_f4'")

    result = apply_own_token(writer, p, audit, on_progress=meddle, exact=True)
    assert result.status == "partial"
    assert result.committed_batches == (1,)
    assert result.rolled_back_batches == (2,)
    assert result.batches_with("not_started") == (3,)
    assert "rows changed since the preview" in result.message
    assert result.changed == 2
    assert reset_count(conn) == 2  # only batch 1's rows


def test_a_second_operator_is_refused_and_told_who_holds_the_action(
    db: TestDatabase, conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    seed_failed_events(conn, 2)
    other = connect_sync(db.dsn, allow_write=True, limits=FAST, role="bob")
    refusals: list[ActionLocked] = []
    first = actions.plan(reader, "reset_failed_events")
    second = actions.plan(reader, "reset_failed_events")

    def second_operator(progress: Progress) -> None:
        if progress.phase == "started":
            try:
                actions.apply(other, second, second.token, audit=audit)
            except ActionLocked as exc:
                refusals.append(exc)

    result = apply_own_token(writer, first, audit, on_progress=second_operator)
    other.close()
    assert result.status == "applied"
    assert len(refusals) == 1
    message = str(refusals[0])
    # the holder is the first operator's lock session (its transaction holds the lock),
    # recorded in the intent audit record
    intent = next(r for r in audit.local_records(result.run_id) if r["phase"] == "intent")
    lock_pid = intent["detail"]["lock_pid"]
    assert f"pid {lock_pid}" in message
    assert "incident-console:" in message and ":lock" in message
    assert refusals[0].holders[0].pid == lock_pid


def test_a_lost_action_lock_stops_before_the_next_batch(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock session ends mid-run (killed, or its pooler connection dropped): no batch
    starts without the lock, so a second operator can never interleave."""
    small_batches(monkeypatch, "reset_failed_events", 2)
    p = planned_reset(conn, reader, 6)

    def lose_the_lock(progress: Progress) -> None:
        if progress.batch == 1 and progress.phase == "committed":
            intent = next(r for r in audit.local_records() if r["phase"] == "intent")
            kill_backend(conn, intent["detail"]["lock_pid"])

    result = apply_own_token(writer, p, audit, on_progress=lose_the_lock)
    assert result.status == "partial"
    assert result.error_kind == "lock_lost"
    assert "the action lock was lost (its session ended) before batch 2" in result.message
    assert result.committed_batches == (1,)
    assert result.batches_with("not_started") == (2, 3)
    assert reset_count(conn) == 2  # only batch 1's rows
    outcome = [r for r in audit.local_records(result.run_id) if r["phase"] == "outcome"]
    assert outcome[0]["detail"]["error_kind"] == "lock_lost"
    # the lock went with its session: the action can run again
    again = actions.plan(reader, "reset_failed_events")
    assert apply_own_token(writer, again, audit).changed == 4


def test_a_row_lock_held_elsewhere_times_out_naming_the_blocking_pid(
    db: TestDatabase, conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    p = planned_reset(conn, reader, 3)
    blocker = psycopg.connect(db.dsn)  # not autocommit: the lock stays held
    blocker.execute("SELECT id FROM webhook_events WHERE event_id = 'evt_f2' FOR UPDATE")
    before = snapshot(conn)
    try:
        result = apply_own_token(writer, p, audit)
    finally:
        blocker_pid = blocker.info.backend_pid
        blocker.rollback()
        blocker.close()
    assert result.status == "rolled_back"
    assert result.error_kind == "lock_timeout"
    assert f"pid {blocker_pid}" in result.message
    assert [h.pid for h in result.blocking] == [blocker_pid]
    assert snapshot(conn) == before
    # and the advisory lock was released: the action can run now
    again = actions.plan(conn, "reset_failed_events")
    assert apply_own_token(writer, again, audit).changed == 3


def test_backend_killed_during_batch_k_reports_committed_batches_matching_data_and_audit(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_batches(monkeypatch, "reset_failed_events", 2)
    p = planned_reset(conn, reader, 8)
    pid = writer.info.backend_pid
    calls: list[Progress] = []

    def kill_at_batch_3(progress: Progress) -> None:
        calls.append(progress)
        if progress.batch == 3 and progress.phase == "started":
            kill_backend(conn, pid)

    result = apply_own_token(writer, p, audit, on_progress=kill_at_batch_3)
    assert result.status == "partial"
    assert result.committed_batches == (1, 2)
    assert result.rolled_back_batches == (3,)
    assert result.batches_with("not_started") == (4,)
    assert "not retried" in result.message
    assert result.error_kind == "lost"
    committed_keys = {str(k) for b in result.batches if b.status == "committed" for k in b.keys}
    reset_ids = {
        str(r[0])
        for r in conn.execute(
            "SELECT id FROM webhook_events WHERE retry_count = 1 AND error_message IS NULL"
        )
    }
    assert reset_ids == committed_keys
    assert len(reset_ids) == 4
    # no auto-retry: batch 3 was started once only
    assert sum(1 for c in calls if c.batch == 3 and c.phase == "started") == 1
    outcome = [r for r in audit.records(result.run_id) if r["phase"] == "outcome"]
    assert len(outcome) == 1
    audited = {
        k for b in outcome[0]["detail"]["batches"] if b["status"] == "committed" for k in b["keys"]
    }
    assert audited == reset_ids


def test_connection_lost_while_committing_is_outcome_unknown_and_re_queried(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    p = planned_reset(conn, reader, 3)
    pid = writer.info.backend_pid
    attempts: list[int] = []

    def kill_before_commit(progress: Progress) -> None:
        if progress.phase == "committing":
            attempts.append(progress.batch)
            kill_backend(conn, pid)

    result = apply_own_token(writer, p, audit, on_progress=kill_before_commit)
    assert result.status == "unknown"
    assert "outcome unknown" in result.message
    assert "re-queried: 0 of 3 rows show the change" in result.message
    assert result.batches[0].verified_applied == 0
    assert attempts == [1]
    assert reset_count(conn) == 0


def test_an_exception_in_the_worker_before_commit_never_commits(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    p = planned_reset(conn, reader, 3)

    def explode(progress: Progress) -> None:
        if progress.phase == "committing":
            raise RuntimeError("the UI went away")

    result = apply_own_token(writer, p, audit, on_progress=explode)
    assert result.status == "rolled_back"
    assert "the UI went away" in result.message
    assert reset_count(conn) == 0
    assert writer.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


# --- dry run ----------------------------------------------------------------------------------


def test_dry_run_reports_what_would_change_and_changes_nothing(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    seed_orders(conn)
    before = snapshot(conn)
    for action_id, expected in (
        ("insert_missing_payments", 3),
        ("reset_stuck_orders", 2),
        ("fix_paid_without_payment", 2),
    ):
        result = plan_apply(reader, writer, audit, action_id, dry_run=True)
        assert result.status == "dry_run"
        assert result.would_change == expected
        assert result.changed == 0
        assert f"would change {expected} rows" in result.message
    assert snapshot(conn) == before


# --- audit ----------------------------------------------------------------------------------


def test_intent_and_outcome_are_audited_in_the_database_and_the_local_file(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    seed_failed_events(conn, 2)
    result = plan_apply(reader, writer, audit, "reset_failed_events", operator="alice")
    db_records = audit.records(result.run_id)
    assert [r["phase"] for r in db_records] == ["intent", "outcome"]
    assert db_records[0]["operator"] == "alice"
    assert db_records[0]["detail"]["previewed"] == 2
    assert len(db_records[0]["detail"]["keys"]) == 2
    assert db_records[1]["detail"]["status"] == "applied"
    assert db_records[1]["detail"]["changed"] == 2
    local = audit.local_records(result.run_id)
    assert [r["phase"] for r in local] == ["intent", "outcome"]
    assert local[1]["detail"]["changed"] == 2


def test_the_audit_unwritable_anywhere_refuses_the_action(
    conn: Conn, reader: Conn, writer: Conn, tmp_path: Path
) -> None:
    blocked_dir = tmp_path / "not-a-dir"
    blocked_dir.write_text("a file where the state directory should be")
    dead_state = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"
    audit = AuditLog(state_dsn=dead_state, local_dir=blocked_dir)
    seed_failed_events(conn, 2)
    before = snapshot(conn)
    p = actions.plan(reader, "reset_failed_events")
    with pytest.raises(AuditUnavailable, match="nothing was changed"):
        apply_own_token(writer, p, audit)
    assert snapshot(conn) == before
    # the action lock was released with the refusal
    holders = writer.execute("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'")
    assert holders.fetchone() == {"n": 0}


def test_the_local_file_alone_is_enough_when_the_state_database_is_down(
    conn: Conn, reader: Conn, writer: Conn, tmp_path: Path
) -> None:
    audit = AuditLog(state_dsn="postgresql://nobody@127.0.0.1:1/none", local_dir=tmp_path)
    seed_failed_events(conn, 2)
    result = plan_apply(reader, writer, audit, "reset_failed_events")
    assert result.status == "applied"
    assert [r["phase"] for r in audit.local_records(result.run_id)] == ["intent", "outcome"]
    assert result.audit_problems and "state database" in result.audit_problems[0]


# --- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"window": "1 hour'; DROP TABLE orders; --"},
        {"window": "1 day$$; SELECT pg_sleep(5); $$"},
        {"max_retries": "3; DELETE FROM webhook_events"},
        {"window": "24 hours\x00"},
        {"nonsense": 1},
    ],
)
def test_hostile_parameters_are_inert_with_one_clear_error(
    conn: Conn, reader: Conn, params: dict[str, Any]
) -> None:
    seed_failed_events(conn, 2)
    before = snapshot(conn)
    with pytest.raises(DatabaseError) as info:
        actions.plan(reader, "reset_failed_events", params)
    assert "\n" not in str(info.value)
    assert snapshot(conn) == before


def test_an_unknown_action_is_one_clear_line() -> None:
    with pytest.raises(actions.UnknownAction, match="no recovery action named 'drop_all'"):
        actions.get_spec("drop_all")


# --- backends -------------------------------------------------------------------------------


def test_terminate_backend_needs_the_pid_as_token_and_ends_that_session_only(
    db: TestDatabase, conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    victim = psycopg.connect(db.dsn)
    victim.execute("SELECT 1")  # idle in transaction: the classic lock holder
    pid = victim.info.backend_pid
    try:
        p = actions.plan(reader, "terminate_backend", {"pid": pid})
        assert p.token == str(pid)
        assert p.rows[0]["state"] == "idle in transaction"
        with pytest.raises(TokenMismatch):
            actions.apply(writer, p, "1", audit=audit)
        result = actions.apply(writer, p, str(pid), audit=audit)
        assert result.status == "applied", result.message
        wait_backend_gone(conn, pid)
        twice = actions.plan(reader, "terminate_backend", {"pid": pid})
        assert twice.nothing_to_do
        assert apply_own_token(writer, twice, audit).status == "nothing_to_do"
        assert not writer.closed
    finally:
        victim.close()


def test_the_console_refuses_to_signal_its_own_session(
    reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    with pytest.raises(actions.ActionRefused, match="own session"):
        actions.plan(reader, "terminate_backend", {"pid": reader.info.backend_pid})
    own = actions.plan(reader, "cancel_backend", {"pid": writer.info.backend_pid})
    with pytest.raises(actions.ActionRefused, match="own session"):
        actions.apply(writer, own, str(writer.info.backend_pid), audit=audit)


def test_dry_run_of_terminate_backend_signals_nobody(
    victim: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    pid = victim.info.backend_pid
    p = actions.plan(reader, "terminate_backend", {"pid": pid})
    result = actions.apply(writer, p, str(pid), audit=audit, dry_run=True)
    assert result.status == "dry_run"
    assert result.would_change == 1
    assert victim.execute("SELECT 1").fetchone() == (1,)


def test_a_backend_gone_since_the_preview_is_not_signalled(
    conn: Conn, victim: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    pid = victim.info.backend_pid
    p = actions.plan(reader, "cancel_backend", {"pid": pid})
    victim.close()
    wait_backend_gone(conn, pid)
    result = actions.apply(writer, p, str(pid), audit=audit)
    assert result.status == "changed_since_preview"
    assert "nothing was changed" in result.message


def test_a_pid_now_owned_by_another_session_is_not_signalled(
    victim: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    """A preview taken of an earlier session with the same pid (pid reuse) is refused."""
    from dataclasses import replace
    from datetime import timedelta
    from types import MappingProxyType

    pid = victim.info.backend_pid
    p = actions.plan(reader, "terminate_backend", {"pid": pid})
    earlier = dict(p.rows[0], backend_start=p.rows[0]["backend_start"] - timedelta(hours=1))
    stale = replace(p, rows=(MappingProxyType(earlier),))
    result = actions.apply(writer, stale, str(pid), audit=audit)
    assert result.status == "changed_since_preview"
    assert "not the previewed session" in result.message
    assert victim.execute("SELECT 1").fetchone() == (1,)


# --- the unique index -----------------------------------------------------------------------


def index_after_deduplication(reader: Conn, writer: Conn, audit: AuditLog) -> actions.Plan:
    """The duplicate events deleted, then the unique index on event_id previewed."""
    plan_apply(reader, writer, audit, "delete_duplicate_events")
    return actions.plan(reader, "create_event_id_unique_index")


def event_id_index(conn: Conn) -> list[tuple[Any, ...]]:
    """indisvalid of each unique index named webhook_events_event_id_key on webhook_events."""
    return conn.execute(
        "SELECT indisvalid FROM pg_index WHERE indrelid = 'webhook_events'::regclass"
        " AND indisunique AND indexrelid::regclass::text = 'webhook_events_event_id_key'"
    ).fetchall()


def test_unique_index_is_blocked_by_duplicates_then_built_concurrently_and_verified(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    seed_duplicates(conn)
    blocked = actions.plan(reader, "create_event_id_unique_index")
    assert blocked.count == 2
    assert "recovery/delete_duplicate_events" in blocked.blocked
    with pytest.raises(actions.ActionRefused):
        actions.apply(writer, blocked, "create_event_id_unique_index", audit=audit)

    # the processed copy of evt_a and the newest evt_b stay; evt_a still has one copy
    ready = index_after_deduplication(reader, writer, audit)
    assert ready.blocked == ""
    assert ready.token == "create_event_id_unique_index"
    dry = apply_own_token(writer, ready, audit, dry_run=True)
    assert dry.status == "dry_run"
    assert conn.execute("SELECT to_regclass('webhook_events_event_id_key')").fetchone() == (None,)
    result = apply_own_token(writer, ready, audit)
    assert result.status == "applied", result.message
    assert event_id_index(conn) == [(True,)]  # one unique index, valid
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO webhook_events (event_id, event_type) VALUES ('evt_c', 't')")
    done = actions.plan(reader, "create_event_id_unique_index")
    assert done.nothing_to_do
    assert "already exists" in done.describe()
    again = apply_own_token(writer, done, audit)
    assert again.status == "nothing_to_do"


def test_an_invalid_index_left_by_a_failed_build_is_dropped_and_rebuilt(
    conn: Conn, reader: Conn, writer: Conn, audit: AuditLog
) -> None:
    seed_duplicates(conn)
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "CREATE UNIQUE INDEX CONCURRENTLY webhook_events_event_id_key"
            " ON webhook_events (event_id)"
        )
    p = index_after_deduplication(reader, writer, audit)
    assert not p.blocked and not p.nothing_to_do
    dry = apply_own_token(writer, p, audit, dry_run=True)
    assert "after dropping the invalid index webhook_events_event_id_key" in dry.message
    result = apply_own_token(writer, p, audit)
    assert result.status == "applied", result.message
    assert event_id_index(conn) == [(True,)]


# --- a lost COMMIT --------------------------------------------------------------------------


def test_commit_sent_but_reply_lost_is_unknown_then_verified_as_applied(
    db: TestDatabase, conn: Conn, audit: AuditLog
) -> None:
    proxy = CommitSwallowingProxy(db.server.port)
    proxied = db.dsn.replace(f":{db.server.port}/", f":{proxy.port}/")
    try:
        seed_failed_events(conn, 3)
        with connect_sync(proxied) as reader:
            p = actions.plan(reader, "reset_failed_events")
        writer = connect_sync(proxied, allow_write=True, limits=FAST)

        def arm(progress: Progress) -> None:
            if progress.phase == "committing":
                proxy.armed.set()

        result = apply_own_token(writer, p, audit, on_progress=arm)
        assert proxy.fired.is_set()
        assert result.status == "unknown"
        assert "outcome unknown" in result.message
        assert "re-queried: 3 of 3 rows show the change" in result.message
        assert "not retried" in result.message
        assert result.batches[0].verified_applied == 3
        assert reset_count(conn) == 3  # applied exactly once
        writer.close()
    finally:
        proxy.close()


# --- the preview document and the registry ----------------------------------------------------


def test_plan_json_is_one_document_with_keys_as_text_and_the_confirm_prompt(
    any_db: TestDatabase,
) -> None:
    import json

    with any_db.connect() as conn:
        seed_orders(conn)
    with connect_sync(any_db.dsn) as reader:
        p = actions.plan(reader, "insert_missing_payments")
    doc = json.loads(json.dumps(p.to_json()))
    assert doc["count"] == 3
    assert len(doc["keys"]) == 3 and all(isinstance(k, str) for k in doc["keys"])
    assert doc["confirm"] == "type 3 (the number of rows previewed) to confirm"
    assert sorted(r["amount_cents"] for r in doc["sample"]) == [700, 800, 900]


def test_every_registered_action_has_its_query_pair_and_explains_the_correction() -> None:
    from console import queries

    for spec in actions.ACTIONS.values():
        if spec.kind == "stripe":  # no SQL write: the endpoint's handler records the events
            assert spec.apply == "" and queries.get(spec.preview).description
            assert "guide" in spec.description
            continue
        for name in (spec.preview, spec.apply, spec.verify):
            assert queries.get(name).description
        if spec.kind == "rows":
            assert "ids" in queries.get(spec.apply).params
            assert "guide" in spec.description
    assert actions.get_spec("recovery/reset_stuck_orders").id == "reset_stuck_orders"
    assert [s.id for s in actions.actions_for_finding("inconsistent_orders")] == [
        "fix_paid_without_payment",
        "insert_missing_payments",
    ]
    assert actions.spec_json(actions.get_spec("reset_failed_events"))["params"] == {
        "max_retries": 3,
        "window": "24 hours",
    }


def test_no_typed_text_but_the_token_gets_past_the_confirmation(
    db: TestDatabase, conn: Conn, reader: Conn
) -> None:
    """Fuzzed confirmations against a *closed* connection: any database access would raise
    OperationalError, so TokenMismatch proves nothing reached the server."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    p = planned_reset(conn, reader, 7)
    closed = connect_sync(db.dsn, allow_write=True)
    closed.close()

    # Digits (ASCII and not), whitespace, Enter, signs and paste debris; no full charmap.
    alphabet = "0123456789٧७７ \t\r\n\x00+-.,;'\"$xé𝟕"

    @settings(max_examples=200, deadline=None, database=None)
    @given(st.text(alphabet=alphabet, max_size=40) | st.sampled_from(["", "\n" * 50, "07"]))
    def check(typed: str) -> None:
        if typed.strip() == "7":
            return
        with pytest.raises(TokenMismatch):
            actions.apply(closed, p, typed)

    check()
