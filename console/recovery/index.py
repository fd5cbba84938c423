"""The unique-index build: CONCURRENTLY, outside any transaction, verified afterwards.

A failed earlier build leaves an invalid index; it is dropped (also CONCURRENTLY) before
building again. The build runs under the spec's own statement_timeout, restored after
(but not behind a transaction pooler, where a session SET would reach another client).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql

from console import queries
from console.core.db import LockTimeout, pooler_of, translate
from console.recovery.conn import dict_rows, run_verify, statement
from console.recovery.locks import row_lock_holders
from console.recovery.results import ActionResult, BatchReport
from console.recovery.run import Run


def execute_index(run: Run, duplicates: Sequence[Mapping[str, Any]]) -> ActionResult:
    spec, conn = run.spec, run.conn
    if duplicates:
        run.error_kind = "changed"
        return run.result(
            "changed_since_preview",
            f"{len(duplicates)} duplicated event_id(s) appeared since the preview; the build "
            "would fail — nothing was changed",
        )
    existing = run_verify(conn, spec)
    if any(r["valid"] for r in existing):
        return run.result("nothing_to_do", "a valid unique index on event_id already exists")
    invalid = [r for r in existing if not r["valid"]]
    if run.dry_run:
        drops = ", ".join(r["index_name"] for r in invalid)
        extra = f" after dropping the invalid index {drops}" if drops else ""
        run.batches.append(BatchReport(1, (), "dry_run", changed=1))
        return run.result("dry_run", f"dry run: would build the unique index{extra}")
    previous = dict_rows(conn, statement("statement_timeout"))[0]["t"]
    pooler = pooler_of(conn)
    # Behind a transaction pooler a session SET would reach another client's server
    # connection: the build then runs with the role's own timeouts (doctor says so).
    shared = pooler is not None and pooler.mode in ("transaction", "statement")
    try:
        if spec.statement_timeout_ms is not None and not shared:
            timeout = {"value": str(spec.statement_timeout_ms)}
            conn.execute(statement("set_statement_timeout"), timeout)
        run.emit(1, 1, "started", 0)
        for row in invalid:
            index = sql.Identifier(row["index_schema"], row["index_name"])
            conn.execute(statement("drop_index", index=index))
        conn.execute(queries.get(spec.apply).text)  # type: ignore[arg-type]
    except Exception as exc:
        return _failed(run, exc)
    finally:
        if not (conn.closed or conn.broken or shared):
            with contextlib.suppress(psycopg.Error):
                conn.execute(statement("set_statement_timeout"), {"value": previous})
    after = run_verify(conn, spec)
    ok = [r for r in after if r["valid"]]
    run.batches.append(BatchReport(1, (), "committed", changed=1 if ok else 0))
    run.emit(1, 1, "committed", 1)
    if not ok:
        run.error_kind = "unverified"
        return run.result("failed", "the build finished but no valid unique index is present")
    return run.result("applied", f"unique index {ok[0]['index_name']} built and valid")


def _failed(run: Run, exc: Exception) -> ActionResult:
    """The build (or the drop before it) failed: say what it left and who blocked it."""
    spec, conn = run.spec, run.conn
    err = translate(exc)
    run.error_kind = err.kind
    if isinstance(err, LockTimeout) and not (conn.closed or conn.broken):
        run.blocking = row_lock_holders(conn, spec, [])
    left = [] if conn.closed or conn.broken else run_verify(conn, spec)
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
