"""The recovery executor: preview -> typed confirmation -> guarded batches -> audit.

Every action is a pair of named queries (`sql/recovery/<name>_preview.sql` and
`<name>.sql`). The preview selects exactly the rows the write would change; the write
takes the previewed keys as `%(ids)s` *and* re-checks the original condition, returning
the keys it changed. So a row that changed after the preview is never touched by
accident: the count differs, the batch rolls back and the operator is told.

The confirmation token (what the operator must type) is decided by the plan:
- the previewed row count, for row actions with rows to change (typing a number that
  Enter-spam or a stray paste cannot produce);
- the pid, for cancelling or terminating a backend;
- the action id, when there is nothing to count: a row action whose preview is empty (the
  apply is then a no-op) and the unique-index build.
A plan expires (default 120 s): a confirm dialog left open must be previewed again.

Apply takes a session advisory lock per action (a second operator is refused and told
who holds it), audits intent before and outcome after (refused if the audit cannot be
written anywhere), re-runs the preview to make sure nothing moved, then runs the batches,
each one short transaction. It stops at the first error and reports exactly which batches
committed, rolled back or were not started; it never retries. A connection lost while the
COMMIT was in flight is reported as "outcome unknown" and re-queried, not retried. A
worker never commits after an exception, including one raised by the progress callback.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row

from console import queries
from console.core.audit import AuditLog, AuditUnavailable, current_operator
from console.core.db import (
    ConnectionLost,
    DatabaseError,
    LockTimeout,
    ReadOnlyError,
    SessionLimits,
    begin_write,
    connect_sync,
    guard_of,
    own_backend_pid,
    pooler_of,
    read_only_sync,
    translate,
    writable_sync,
)
from console.core.state import to_json
from console.core.xact_lock import LockSession, transaction_lock
from console.recovery.specs import (
    ACTIONS,
    ActionError,
    ActionLocked,
    ActionRefused,
    ActionSpec,
    Holder,
    InvalidParams,
    PlanExpired,
    TokenMismatch,
    UnknownAction,
    actions_for_finding,
    get_spec,
    resolve_params,
    spec_json,
)

__all__ = [
    "ACTIONS",
    "ActionError",
    "ActionLocked",
    "ActionRefused",
    "ActionResult",
    "ActionSpec",
    "AuditUnavailable",
    "BatchReport",
    "Holder",
    "InvalidParams",
    "Plan",
    "PlanExpired",
    "Progress",
    "TokenMismatch",
    "UnknownAction",
    "actions_for_finding",
    "apply",
    "get_spec",
    "plan",
    "resolve_params",
    "spec_json",
]

DEFAULT_TTL_SECONDS = 120.0
SAMPLE_SIZE = 20
# First key of the two-key advisory lock: "ic" for incident-console, so our locks are
# easy to tell apart in pg_locks from the application's own advisory locks.
LOCK_NAMESPACE = 0x6963

# --- plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What an action would do, as previewed; the only thing `apply` accepts."""

    plan_id: uuid.UUID
    action_id: str
    params: Mapping[str, Any]
    keys: tuple[Any, ...]
    rows: tuple[Mapping[str, Any], ...]
    token: str
    created_at: datetime
    expires_at: datetime
    deadline: float  # time.monotonic() value; wall clocks can jump, this cannot
    blocked: str = ""
    note: str = ""
    nothing_to_do: bool = False

    @property
    def count(self) -> int:
        return len(self.keys)

    @property
    def sample(self) -> tuple[Mapping[str, Any], ...]:
        return self.rows[:SAMPLE_SIZE]

    @property
    def spec(self) -> ActionSpec:
        return get_spec(self.action_id)

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def describe(self) -> str:
        """One line for the confirm dialog's heading."""
        if self.blocked:
            return f"{self.spec.title}: blocked — {self.blocked}"
        if self.nothing_to_do:
            return f"{self.spec.title}: nothing to do{' — ' + self.note if self.note else ''}"
        if self.spec.kind == "backend":
            row = self.rows[0]
            return (
                f"{self.spec.title}: pid {self.token} ({row.get('application_name') or '-'}, "
                f"user {row.get('usename')}, {row.get('state')})"
            )
        if self.spec.kind == "index":
            return f"{self.spec.title}: no duplicates block it; build CONCURRENTLY"
        return f"{self.spec.title}: {self.count} rows will change"

    def to_json(self) -> dict[str, Any]:
        """The preview as one JSON-safe document (keys as text: they may be uuids)."""
        return json.loads(
            to_json(
                {
                    "plan_id": self.plan_id,
                    "action_id": self.action_id,
                    "summary": self.describe(),
                    "params": dict(self.params),
                    "count": self.count,
                    "keys": [str(k) for k in self.keys],
                    "sample": [dict(r) for r in self.sample],
                    "confirm": self.token_prompt(),
                    "blocked": self.blocked,
                    "nothing_to_do": self.nothing_to_do,
                    "created_at": self.created_at,
                    "expires_at": self.expires_at,
                }
            )
        )

    def token_prompt(self) -> str:
        """What the confirm dialog asks the operator to type."""
        if self.blocked:
            return f"cannot apply: {self.blocked}"
        if self.spec.kind == "backend" and self.keys:
            return f"type the pid {self.token} to {self.spec.title.lower()}"
        if self.token == self.action_id:
            return f"type {self.token} to confirm"
        return f"type {self.token} (the number of rows previewed) to confirm"


def _dict_rows(
    conn: psycopg.Connection[Any], query: Any, params: Any = None
) -> list[dict[str, Any]]:
    """Rows as dicts whatever the connection's row factory (callers may pass their own)."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return [dict(r) for r in cur.fetchall()] if cur.description else []


def _own_pid(conn: psycopg.Connection[Any]) -> int | None:
    """This connection's backend, or None behind a pooler (where the SQL's own
    `pid <> pg_backend_pid()` is the guard, inside the statement that signals)."""
    return own_backend_pid(conn)


def _run_preview(
    conn: psycopg.Connection[Any], spec: ActionSpec, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    query = queries.get(spec.preview)
    bound = query.bind({k: v for k, v in params.items() if k in query.params})
    with read_only_sync(conn):
        return _dict_rows(conn, query.text, bound)


def _run_verify(conn: psycopg.Connection[Any], spec: ActionSpec) -> list[dict[str, Any]]:
    query = queries.get(spec.verify)
    with read_only_sync(conn):
        return _dict_rows(conn, query.text)


def plan(
    conn: psycopg.Connection[Any],
    action_id: str,
    params: Mapping[str, Any] | None = None,
    *,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
) -> Plan:
    """Preview an action: the exact keys it would touch, a sample, and the token to type."""
    spec = get_spec(action_id)
    resolved = resolve_params(spec, params)
    if spec.kind == "backend" and resolved["pid"] == _own_pid(conn):
        raise ActionRefused(
            f"pid {resolved['pid']} is this console's own session", "pick another pid"
        )
    try:
        rows = _run_preview(conn, spec, resolved)
        index_rows = _run_verify(conn, spec) if spec.kind == "index" else []
    except psycopg.Error as exc:
        raise translate(exc) from None
    keys = tuple(r[spec.key] for r in rows)
    blocked = note = ""
    nothing = not keys
    token = str(len(keys)) if keys else spec.id
    if spec.kind == "backend":
        token = str(resolved["pid"]) if keys else spec.id
        if not keys:
            note = f"no session with pid {resolved['pid']} in this database (or it is this one)"
    elif spec.kind == "index":
        token = spec.id
        valid = [r for r in index_rows if r["valid"]]
        nothing = bool(valid)
        if valid:
            note = f"a valid unique index on event_id already exists: {valid[0]['index_name']}"
        elif keys:
            reasons = sorted({str(r.get("reason") or "duplicate copies") for r in rows})
            blocked = f"{len(keys)} blocker(s) would make the build fail: " + "; ".join(reasons)
    now = datetime.now(UTC)
    return Plan(
        plan_id=uuid.uuid4(),
        action_id=spec.id,
        params=MappingProxyType(resolved),
        keys=keys,
        rows=tuple(MappingProxyType(r) for r in rows),
        token=token,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
        deadline=time.monotonic() + ttl_seconds,
        blocked=blocked,
        note=note,
        nothing_to_do=nothing and not blocked,
    )


# --- results -----------------------------------------------------------------------------

BatchStatus = Literal["committed", "rolled_back", "unknown", "not_started", "dry_run"]
ResultStatus = Literal[
    "applied",
    "dry_run",
    "nothing_to_do",
    "changed_since_preview",
    "rolled_back",
    "partial",
    "unknown",
    "failed",
]


@dataclass(frozen=True)
class Progress:
    """Sent to `on_progress` around each batch. 'committing' is sent inside the open
    transaction, just before COMMIT: if the callback raises, the batch rolls back."""

    action_id: str
    batch: int
    batches: int
    phase: Literal["started", "committing", "committed", "rolled_back", "dry_run"]
    rows_done: int
    rows_total: int


@dataclass(frozen=True)
class BatchReport:
    index: int
    keys: tuple[Any, ...]
    status: BatchStatus
    changed: int = 0
    error: str = ""
    verified_applied: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.index,
            "status": self.status,
            "rows": len(self.keys),
            "changed": self.changed,
            "error": self.error,
            "verified_applied": self.verified_applied,
            "keys": [str(k) for k in self.keys],
        }


@dataclass(frozen=True)
class ActionResult:
    action_id: str
    run_id: uuid.UUID
    status: ResultStatus
    message: str
    previewed: int
    changed: int = 0
    would_change: int = 0
    batches: tuple[BatchReport, ...] = ()
    error_kind: str = ""
    blocking: tuple[Holder, ...] = ()
    audit_problems: tuple[str, ...] = ()
    dry_run: bool = False

    def batches_with(self, status: BatchStatus) -> tuple[int, ...]:
        return tuple(b.index for b in self.batches if b.status == status)

    @property
    def committed_batches(self) -> tuple[int, ...]:
        return self.batches_with("committed")

    @property
    def rolled_back_batches(self) -> tuple[int, ...]:
        return self.batches_with("rolled_back")

    def to_json(self) -> dict[str, Any]:
        return {
            "action_id": self.action_id,
            "run_id": str(self.run_id),
            "status": self.status,
            "message": self.message,
            "previewed": self.previewed,
            "changed": self.changed,
            "would_change": self.would_change,
            "dry_run": self.dry_run,
            "error_kind": self.error_kind,
            "blocking": [h.describe() for h in self.blocking],
            "batches": [b.to_json() for b in self.batches],
            "audit_problems": list(self.audit_problems),
        }


# --- helpers for apply -------------------------------------------------------------------


def _token_matches(p: Plan, typed: str | None) -> bool:
    return isinstance(typed, str) and bool(typed.strip()) and typed.strip() == p.token


def _check_token(p: Plan, typed: str | None) -> None:
    if _token_matches(p, typed):
        return
    shown = "nothing" if not (typed or "").strip() else repr((typed or "").strip()[:24])
    raise TokenMismatch(
        f"confirmation refused: typed {shown}, nothing was changed", p.token_prompt()
    )


def _check_writable(conn: psycopg.Connection[Any]) -> None:
    if conn.closed or conn.broken:
        raise ConnectionLost("the write connection is closed", "reconnect and preview again")
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise ActionRefused(
            "the write connection has a transaction open", "use a dedicated write connection"
        )
    if not conn.autocommit:
        conn.autocommit = True
    if not writable_sync(conn):  # the console's own decision, not a session default
        raise ReadOnlyError(
            "the console is read-only: this needs a write",
            "restart with --allow-write to run recovery actions",
        )


def _lock_keys(action_id: str) -> tuple[int, int]:
    import zlib

    crc = zlib.crc32(action_id.encode())
    return LOCK_NAMESPACE, crc - 2**32 if crc >= 2**31 else crc


_HOLDER_COLUMNS = sql.SQL(
    "a.pid, coalesce(a.usename, '') AS user, coalesce(a.application_name, '') AS app,"
    " coalesce(host(a.client_addr), '') AS client_addr, coalesce(a.state, '') AS state"
)


def _holders(rows: Iterable[Any]) -> tuple[Holder, ...]:
    return tuple(
        Holder(
            pid=int(r["pid"]),
            user=r["user"],
            application_name=r["app"],
            client_addr=r["client_addr"],
            state=r["state"],
        )
        for r in rows
    )


def _lock_holders(conn: psycopg.Connection[Any], action_id: str) -> tuple[Holder, ...]:
    k1, k2 = _lock_keys(action_id)
    query = sql.SQL(
        "SELECT DISTINCT {cols} FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND l.classid::bigint = %(k1)s AND l.objid::bigint = %(k2)s"
        " AND a.pid <> pg_backend_pid()"
    ).format(cols=_HOLDER_COLUMNS)
    return _holders(_dict_rows(conn, query, {"k1": k1, "k2": k2 % 2**32}))


def _row_lock_holders(
    conn: psycopg.Connection[Any], spec: ActionSpec, keys: Sequence[Any]
) -> tuple[Holder, ...]:
    """Who holds the rows we waited for: the transaction in their xmax, else table lockers.

    Asked after the lock timeout fired (our wait is over, so pg_blocking_pids no longer
    knows); a row locked by another transaction carries that transaction's id in xmax.
    """
    if not spec.lock_table:
        return ()
    by_row = sql.SQL(
        "SELECT DISTINCT {cols} FROM {table} AS t"
        " JOIN pg_locks AS l ON l.locktype = 'transactionid'"
        " AND l.transactionid = t.xmax AND l.granted"
        " JOIN pg_stat_activity AS a ON a.pid = l.pid"
        " WHERE t.{key} = ANY(%(ids)s) AND a.pid <> pg_backend_pid()"
    ).format(
        cols=_HOLDER_COLUMNS,
        table=sql.Identifier(spec.lock_table),
        key=sql.Identifier(spec.lock_key),
    )
    by_table = sql.SQL(
        "SELECT DISTINCT {cols} FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid"
        " WHERE l.relation = to_regclass(%(table)s) AND l.granted"
        " AND l.mode <> 'AccessShareLock' AND a.pid <> pg_backend_pid()"
    ).format(cols=_HOLDER_COLUMNS)
    try:
        rows = _dict_rows(conn, by_row, {"ids": list(keys)}) if keys else []
        return _holders(rows or _dict_rows(conn, by_table, {"table": spec.lock_table}))
    except psycopg.Error:
        return ()


def _chunks(items: Sequence[Any], size: int) -> list[tuple[Any, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), max(1, size))]


def _rollback_quietly(conn: psycopg.Connection[Any]) -> None:
    if conn.closed or conn.broken:
        return
    try:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.execute("ROLLBACK")
    except psycopg.Error:
        pass


def _conninfo_of(conn: psycopg.Connection[Any]) -> str:
    """A DSN for a fresh connection to the same server (to verify after a lost COMMIT)."""
    params = conn.info.get_parameters()
    password = conn.info.password
    if password:
        params["password"] = password
    params.pop("options", None)
    params.pop("application_name", None)
    return make_conninfo("", **params)


def _describe_batches(batches: Sequence[BatchReport]) -> str:
    parts: list[str] = []
    for status in ("committed", "rolled_back", "unknown", "not_started", "dry_run"):
        idx = [str(b.index) for b in batches if b.status == status]
        if idx:
            label = status.replace("_", " ")
            parts.append(f"batch{'es' if len(idx) > 1 else ''} {', '.join(idx)} {label}")
    return "; ".join(parts)


# --- apply -------------------------------------------------------------------------------

ProgressCallback = Callable[[Progress], None]


@dataclass
class _Run:
    """The mutable state of one apply call."""

    spec: ActionSpec
    plan: Plan
    conn: psycopg.Connection[Any]
    dry_run: bool
    on_progress: ProgressCallback | None
    verify_dsn: str
    run_id: uuid.UUID = field(default_factory=uuid.uuid4)
    batches: list[BatchReport] = field(default_factory=list)
    blocking: tuple[Holder, ...] = ()
    error_kind: str = ""
    lock: LockSession | None = None

    def emit(self, batch: int, batches: int, phase: Any, done: int) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(self.spec.id, batch, batches, phase, done, self.plan.count))

    def batches_committed(self) -> int:
        return sum(1 for b in self.batches if b.status == "committed")

    def result(self, status: ResultStatus, message: str, **extra: Any) -> ActionResult:
        changed = sum(b.changed for b in self.batches if b.status == "committed")
        would = sum(b.changed for b in self.batches if b.status == "dry_run")
        return ActionResult(
            action_id=self.spec.id,
            run_id=self.run_id,
            status=status,
            message=message,
            previewed=self.plan.count,
            changed=changed,
            would_change=would,
            batches=tuple(self.batches),
            error_kind=self.error_kind,
            blocking=self.blocking,
            dry_run=self.dry_run,
            **extra,
        )


def apply(
    write_conn: psycopg.Connection[Any],
    plan: Plan,
    token: str | None,
    *,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
    audit: AuditLog | None = None,
    operator: str | None = None,
    incident_id: uuid.UUID | None = None,
) -> ActionResult:
    """Run a previewed action after the operator typed its token. See the module docstring.

    Raises (nothing written): TokenMismatch, PlanExpired, ActionRefused, ReadOnlyError,
    ActionLocked, AuditUnavailable. Everything after the first write is an ActionResult.
    """
    _check_token(plan, token)
    spec = plan.spec
    if plan.expired():
        raise PlanExpired(
            f"the preview of {spec.id} expired at {plan.expires_at:%H:%M:%S} UTC; nothing "
            "was changed",
            "preview again: the rows may have changed since",
        )
    if plan.blocked:
        raise ActionRefused(f"{spec.id} cannot run: {plan.blocked}")
    run = _Run(spec, plan, write_conn, dry_run, on_progress, verify_dsn="")
    if plan.nothing_to_do:
        return run.result("nothing_to_do", plan.describe())
    _check_writable(write_conn)
    if spec.kind == "backend" and plan.keys[0] == _own_pid(write_conn):
        raise ActionRefused(f"pid {plan.keys[0]} is this console's own session")
    run.verify_dsn = _conninfo_of(write_conn)
    own_audit = audit is None
    audit = audit or AuditLog(state_dsn=run.verify_dsn)
    try:
        return _locked_and_audited(run, audit, operator or current_operator(), incident_id)
    finally:
        if own_audit:
            audit.close()


def _locked_and_audited(
    run: _Run, audit: AuditLog, operator: str, incident_id: uuid.UUID | None
) -> ActionResult:
    """Hold the action's lock; audit intent (or refuse), execute, audit outcome.

    The lock is a transaction-scoped advisory lock held by its own lock session
    (console.core.xact_lock), so it holds behind a transaction pooler too."""
    spec, conn = run.spec, run.conn
    guard = guard_of(conn)
    limits = guard.limits if guard else SessionLimits()
    longest = (spec.statement_timeout_ms or limits.statement_timeout_ms) + limits.lock_timeout_ms
    hold_ms = max(
        limits.idle_in_transaction_timeout_ms, longest + limits.idle_in_transaction_timeout_ms
    )
    keys = _lock_keys(spec.id)
    with transaction_lock(run.verify_dsn, keys, limits=limits, hold_idle_ms=hold_ms) as lock:
        if lock is None:
            raise ActionLocked(spec.id, _lock_holders(conn, spec.id))
        run.lock = lock
        try:
            return _audited(run, audit, operator, incident_id)
        finally:
            if not (conn.closed or conn.broken):
                with contextlib.suppress(psycopg.Error):
                    _rollback_quietly(conn)


def _audited(
    run: _Run, audit: AuditLog, operator: str, incident_id: uuid.UUID | None
) -> ActionResult:
    """Audit intent (or refuse), execute, audit outcome; the action lock is held."""
    spec, plan, conn = run.spec, run.plan, run.conn
    receipt = audit.write(
        run_id=run.run_id,
        phase="intent",
        action_id=spec.id,
        operator=operator,
        incident_id=incident_id,
        detail={
            "plan_id": plan.plan_id,
            "title": spec.title,
            "params": dict(plan.params),
            "previewed": plan.count,
            "keys": [str(k) for k in plan.keys],
            "dry_run": run.dry_run,
            "batch_size": spec.batch_size,
            "backend_pid": _own_pid(conn),
            "lock_pid": run.lock.server_pid if run.lock else None,
        },
    )
    result = replace(_execute(run), audit_problems=receipt.problems)
    try:
        audit.write(
            run_id=run.run_id,
            phase="outcome",
            action_id=spec.id,
            operator=operator,
            incident_id=incident_id,
            detail=result.to_json(),
        )
    except AuditUnavailable as exc:
        # The change happened; say loudly that its outcome is not on record.
        return replace(
            result,
            message=f"{result.message} — WARNING: outcome not audited: {exc}",
            audit_problems=(*result.audit_problems, str(exc)),
        )
    return result


def _execute(run: _Run) -> ActionResult:
    spec, p = run.spec, run.plan
    try:
        now_rows = _run_preview(run.conn, spec, p.params)
    except (psycopg.Error, DatabaseError) as exc:
        err = translate(exc)
        run.error_kind = err.kind
        return run.result("failed", f"re-checking the preview failed, nothing changed: {err}")
    if spec.kind == "index":
        return _execute_index(run, now_rows)
    now_keys = [r[spec.key] for r in now_rows]
    if sorted(map(str, now_keys)) != sorted(map(str, p.keys)):
        gone = len(set(map(str, p.keys)) - set(map(str, now_keys)))
        new = len(set(map(str, now_keys)) - set(map(str, p.keys)))
        run.error_kind = "changed"
        return run.result(
            "changed_since_preview",
            f"rows changed since the preview ({p.count} previewed, {len(now_keys)} match now: "
            f"{gone} no longer match, {new} new); nothing was changed — preview again",
        )
    # Carried values come from the preview the operator saw: a pid reused by a new session
    # since then has another backend_start, so it is refused here and, where the write
    # re-checks it too, matches nothing there.
    carried = {c: {str(r[spec.key]): r[c] for r in p.rows} for c in spec.carry}
    moved = [
        str(r[spec.key])
        for r in now_rows
        for c, by_key in carried.items()
        if r.get(c) != by_key.get(str(r[spec.key]))
    ]
    if moved:
        run.error_kind = "changed"
        return run.result(
            "changed_since_preview",
            f"{', '.join(moved)}: not the previewed session any more "
            f"({', '.join(spec.carry)} changed); nothing was changed — preview again",
        )
    return _execute_batches(run, carried)


def _execute_batches(run: _Run, carried: Mapping[str, Mapping[str, Any]]) -> ActionResult:
    spec, p, conn = run.spec, run.plan, run.conn
    query = queries.get(spec.apply)
    chunks = _chunks(p.keys, spec.batch_size)
    transactional = spec.kind == "rows"
    done = 0
    stop_status: ResultStatus | None = None
    stop_message = ""
    for number, chunk in enumerate(chunks, 1):
        supplied = {
            **p.params,
            "ids": list(chunk),
            **{col: [by_key[str(k)] for k in chunk] for col, by_key in carried.items()},
        }
        # Pass what this write uses: a catalogue version may re-check with more or fewer.
        bound = query.bind({k: v for k, v in supplied.items() if k in query.params})
        if not transactional and run.dry_run:
            run.batches.append(BatchReport(number, chunk, "dry_run", changed=len(chunk)))
            run.emit(number, len(chunks), "dry_run", done)
            continue
        if run.lock is not None and not run.lock.alive():
            run.error_kind = "lock_lost"
            stop_message = (
                f"the action lock was lost (its session ended) before batch {number}: "
                "stopped so that no second operator can interleave"
            )
            break
        began = False
        try:
            run.emit(number, len(chunks), "started", done)
            if transactional:
                begin_write(conn)  # BEGIN + the timeouts LOCAL to this batch
                began = True
            returned = [r[spec.key] for r in _dict_rows(conn, query.text, bound)]
            if sorted(map(str, returned)) != sorted(map(str, chunk)):
                _rollback_quietly(conn)
                run.error_kind = "changed"
                run.batches.append(
                    BatchReport(
                        number,
                        chunk,
                        "rolled_back",
                        error=(
                            f"rows changed since the preview: {len(chunk)} previewed, "
                            f"{len(returned)} still match"
                        ),
                    )
                )
                run.emit(number, len(chunks), "rolled_back", done)
                stop_message = run.batches[-1].error
                break
            if run.dry_run:
                _rollback_quietly(conn)
                run.batches.append(BatchReport(number, chunk, "dry_run", changed=len(returned)))
                run.emit(number, len(chunks), "dry_run", done)
                continue
            if transactional:
                run.emit(number, len(chunks), "committing", done)
        except BaseException as exc:
            # Never commit after an exception, whoever raised it (database or callback).
            _rollback_quietly(conn)
            if not isinstance(exc, Exception):
                raise
            err = translate(exc)
            run.error_kind = err.kind
            if isinstance(err, LockTimeout) and not (conn.closed or conn.broken):
                run.blocking = _row_lock_holders(conn, spec, chunk)
                if run.blocking:
                    who = ", ".join(h.describe() for h in run.blocking)
                    err = LockTimeout(f"lock_timeout: rows are locked by {who}", err.hint)
            elif conn.broken or conn.closed:
                err = ConnectionLost(
                    f"the connection was lost during batch {number} (before COMMIT, so the "
                    "server rolled it back)",
                    "not retried; reconnect, preview again",
                )
                run.error_kind = err.kind
            status: BatchStatus = "rolled_back" if (transactional or not began) else "unknown"
            run.batches.append(BatchReport(number, chunk, status, error=str(err)))
            stop_message = str(err)
            break
        if transactional:
            try:
                conn.execute("COMMIT")
            except Exception as exc:
                run.error_kind = "unknown"
                applied = _verify_applied(run, chunk)
                seen = (
                    f"re-queried: {applied} of {len(chunk)} rows show the change"
                    if applied is not None
                    else "could not re-query; check the rows by hand"
                )
                run.batches.append(
                    BatchReport(
                        number,
                        chunk,
                        "unknown",
                        error=f"connection lost while committing ({translate(exc).message}); "
                        f"outcome unknown, {seen}; not retried",
                        verified_applied=applied,
                    )
                )
                stop_status = "unknown"
                stop_message = run.batches[-1].error
                break
        done += len(returned)
        run.batches.append(BatchReport(number, chunk, "committed", changed=len(returned)))
        run.emit(number, len(chunks), "committed", done)
    for number in range(len(run.batches) + 1, len(chunks) + 1):
        run.batches.append(BatchReport(number, chunks[number - 1], "not_started"))
    return _summarise(run, stop_status, stop_message)


def _summarise(run: _Run, stop_status: ResultStatus | None, stop_message: str) -> ActionResult:
    spec = run.spec
    summary = _describe_batches(run.batches)
    if run.dry_run and not stop_message:
        would = sum(b.changed for b in run.batches)
        return run.result("dry_run", f"dry run of {spec.title}: would change {would} rows")
    committed = run.batches_committed()
    if not stop_message:
        changed = sum(b.changed for b in run.batches)
        if spec.kind == "backend":
            return run.result("applied", f"{spec.title}: pid {run.plan.keys[0]} signalled")
        return run.result(
            "applied", f"{spec.title}: {changed} rows changed ({summary}); {_verified(run)}"
        )
    if stop_status is None:
        stop_status = "partial" if committed else "rolled_back"
    written = (
        f"{sum(b.changed for b in run.batches if b.status == 'committed')} rows committed"
        if committed
        else "nothing was written"
    )
    return run.result(
        stop_status, f"{spec.title} stopped: {stop_message}. {summary}; {written}; not retried"
    )


def _verified(run: _Run) -> str:
    """Re-run the preview after the last commit: no changed key should still match."""
    try:
        rows = _run_preview(run.conn, run.spec, run.plan.params)
    except (psycopg.Error, DatabaseError) as exc:
        return f"could not verify: {translate(exc).message}"
    changed = {str(k) for b in run.batches if b.status == "committed" for k in b.keys}
    still = sum(1 for r in rows if str(r[run.spec.key]) in changed)
    if still:
        return f"WARNING: {still} of them match the preview again (changed back by someone?)"
    return "verified: none of them match the preview any more"


def _verify_applied(run: _Run, chunk: Sequence[Any]) -> int | None:
    """After a lost COMMIT: how many of the batch's keys no longer match the preview."""
    try:
        with connect_sync(run.verify_dsn, role="verify") as conn:
            rows = _run_preview(conn, run.spec, run.plan.params)
    except (psycopg.Error, DatabaseError):
        return None
    still = {str(r[run.spec.key]) for r in rows}
    return sum(1 for k in chunk if str(k) not in still)


def _execute_index(run: _Run, duplicates: list[dict[str, Any]]) -> ActionResult:
    spec, conn = run.spec, run.conn
    if duplicates:
        run.error_kind = "changed"
        return run.result(
            "changed_since_preview",
            f"{len(duplicates)} duplicated event_id(s) appeared since the preview; the build "
            "would fail — nothing was changed",
        )
    existing = _run_verify(conn, spec)
    if any(r["valid"] for r in existing):
        return run.result("nothing_to_do", "a valid unique index on event_id already exists")
    invalid = [r for r in existing if not r["valid"]]
    if run.dry_run:
        drops = ", ".join(r["index_name"] for r in invalid)
        extra = f" after dropping the invalid index {drops}" if drops else ""
        run.batches.append(BatchReport(1, (), "dry_run", changed=1))
        return run.result("dry_run", f"dry run: would build the unique index{extra}")
    previous = _dict_rows(conn, "SELECT current_setting('statement_timeout') AS t")[0]["t"]
    pooler = pooler_of(conn)
    # Behind a transaction pooler a session SET would reach another client's server
    # connection: the build then runs with the role's own timeouts (doctor says so).
    shared = pooler is not None and pooler.mode in ("transaction", "statement")
    try:
        if spec.statement_timeout_ms is not None and not shared:
            conn.execute(
                "SELECT set_config('statement_timeout', %s, false)",
                (str(spec.statement_timeout_ms),),
            )
        run.emit(1, 1, "started", 0)
        for row in invalid:
            conn.execute(
                sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(
                    sql.Identifier(row["index_schema"], row["index_name"])
                )
            )
        conn.execute(queries.get(spec.apply).text)  # type: ignore[arg-type]
    except Exception as exc:
        err = translate(exc)
        run.error_kind = err.kind
        if isinstance(err, LockTimeout) and not (conn.closed or conn.broken):
            run.blocking = _row_lock_holders(conn, spec, [])
        left = [] if conn.closed or conn.broken else _run_verify(conn, spec)
        leftover = (
            f"; it left the invalid index {left[0]['index_name']}, dropped on the next run"
            if left and not left[0]["valid"]
            else ""
        )
        who = ", ".join(h.describe() for h in run.blocking)
        run.batches.append(BatchReport(1, (), "rolled_back", error=str(err)))
        return run.result(
            "failed",
            f"building the unique index failed: {err}{leftover}"
            + (f" (blocked by {who})" if who else "")
            + "; not retried",
        )
    finally:
        if not (conn.closed or conn.broken or shared):
            with contextlib.suppress(psycopg.Error):
                conn.execute(
                    "SELECT set_config('statement_timeout', %s, false)",
                    (previous,),
                )
    after = _run_verify(conn, spec)
    ok = [r for r in after if r["valid"]]
    run.batches.append(BatchReport(1, (), "committed", changed=1 if ok else 0))
    run.emit(1, 1, "committed", 1)
    if not ok:
        run.error_kind = "unverified"
        return run.result("failed", "the build finished but no valid unique index is present")
    return run.result("applied", f"unique index {ok[0]['index_name']} built and valid")
