"""Guarded batches: each one short transaction over previewed keys, stopping at the first
error and reporting exactly which batches committed, rolled back or were not started.

It never retries. A connection lost while the COMMIT was in flight is reported as
"outcome unknown" and re-queried on a fresh connection, not retried. A batch never
commits after an exception, including one raised by the progress callback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from console import queries
from console.core.db import (
    ConnectionLost,
    DatabaseError,
    LockTimeout,
    begin_write,
    connect_sync,
    guard_of,
    translate,
)
from console.recovery.conn import dict_rows, rollback_quietly, run_preview
from console.recovery.locks import row_lock_holders
from console.recovery.recheck import Carried, batch_changed, new_since_preview, tally
from console.recovery.results import (
    ActionResult,
    BatchReport,
    BatchStatus,
    ResultStatus,
    describe_batches,
)
from console.recovery.run import Run


def chunks(items: Sequence[Any], size: int) -> list[tuple[Any, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), max(1, size))]


def _bound(query: queries.Query, run: Run, chunk: Sequence[Any], carried: Carried) -> Any:
    supplied = {
        **run.plan.params,
        **run.spec.fixed,
        "ids": list(chunk),
        **{col: [by_key[str(k)] for k in chunk] for col, by_key in carried.items()},
    }
    # Pass what this write uses: a catalogue version may re-check with more or fewer.
    return query.bind({k: v for k, v in supplied.items() if k in query.params})


def execute_batches(run: Run, carried: Carried) -> ActionResult:
    spec, p, conn = run.spec, run.plan, run.conn
    query = queries.get(spec.apply)
    parts = chunks(p.keys, spec.batch_size)
    transactional = spec.kind == "rows"
    done = 0
    stop_status: ResultStatus | None = None
    stop_message = ""
    for number, chunk in enumerate(parts, 1):
        bound = _bound(query, run, chunk, carried)
        if not transactional and run.dry_run:
            run.batches.append(BatchReport(number, chunk, "dry_run", changed=len(chunk)))
            run.emit(number, len(parts), "dry_run", done)
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
            run.emit(number, len(parts), "started", done)
            if transactional:
                begin_write(conn)  # BEGIN + the timeouts LOCAL to this batch
                began = True
            returned = [r[spec.key] for r in dict_rows(conn, query.text, bound)]
            changed = batch_changed(chunk, returned, exact=not run.upper_bound)
            skipped = len(chunk) - len(returned)
            if changed:
                rollback_quietly(conn)
                run.error_kind = "changed"
                run.batches.append(BatchReport(number, chunk, "rolled_back", error=changed))
                run.emit(number, len(parts), "rolled_back", done)
                stop_message = changed
                break
            if run.dry_run:
                rollback_quietly(conn)
                report = BatchReport(
                    number, chunk, "dry_run", changed=len(returned), skipped=skipped
                )
                run.batches.append(report)
                run.emit(number, len(parts), "dry_run", done)
                continue
            if transactional:
                run.emit(number, len(parts), "committing", done)
        except BaseException as exc:
            # Never commit after an exception, whoever raised it (database or callback).
            rollback_quietly(conn)
            if not isinstance(exc, Exception):
                raise
            stop_message = _failed_batch(run, number, chunk, exc, transactional or not began)
            break
        if transactional:
            try:
                conn.commit()
            except Exception as exc:
                _unknown_commit(run, number, chunk, exc)
                stop_status = "unknown"
                stop_message = run.batches[-1].error
                break
        done += len(chunk)
        report = BatchReport(number, chunk, "committed", changed=len(returned), skipped=skipped)
        run.batches.append(report)
        run.emit(number, len(parts), "committed", done)
    for number in range(len(run.batches) + 1, len(parts) + 1):
        run.batches.append(BatchReport(number, parts[number - 1], "not_started"))
    return _summarise(run, stop_status, stop_message)


def _failed_batch(
    run: Run, number: int, chunk: tuple[Any, ...], exc: Exception, rolled_back: bool
) -> str:
    """Record a batch stopped by an error before COMMIT; returns the error's line."""
    conn = run.conn
    err = translate(exc)
    run.error_kind = err.kind
    if isinstance(err, LockTimeout) and not (conn.closed or conn.broken):
        run.blocking = row_lock_holders(conn, run.spec, chunk)
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
    status: BatchStatus = "rolled_back" if rolled_back else "unknown"
    run.batches.append(BatchReport(number, chunk, status, error=str(err)))
    return str(err)


def _unknown_commit(run: Run, number: int, chunk: tuple[Any, ...], exc: Exception) -> None:
    """The COMMIT was sent but its answer never came: re-query, never retry."""
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


def _summarise(run: Run, stop_status: ResultStatus | None, stop_message: str) -> ActionResult:
    spec = run.spec
    summary = describe_batches(run.batches)
    if run.dry_run and not stop_message:
        would = sum(b.changed for b in run.batches)
        return run.result(
            "dry_run", _with_tally(run, f"dry run of {spec.title}: would change {would} rows")
        )
    committed = run.batches_committed()
    if not stop_message:
        changed = sum(b.changed for b in run.batches)
        if spec.kind == "backend":
            return run.result("applied", f"{spec.title}: pid {run.plan.keys[0]} signalled")
        verified = _verified(run)
        if not changed and run.upper_bound:
            return run.result(
                "nothing_to_do",
                _with_tally(run, f"{spec.title}: nothing changed ({summary})"),
            )
        return run.result(
            "applied",
            _with_tally(run, f"{spec.title}: {changed} rows changed ({summary}); {verified}"),
        )
    if stop_status is None:
        stop_status = "partial" if committed else "rolled_back"
    written = (
        f"{sum(b.changed for b in run.batches if b.status == 'committed')} rows committed"
        if committed
        else "nothing was written"
    )
    return run.result(
        stop_status,
        _with_tally(
            run, f"{spec.title} stopped: {stop_message}. {summary}; {written}; not retried"
        ),
    )


def _with_tally(run: Run, message: str) -> str:
    """The message, then the upper bound's counts of what was left alone."""
    skipped = sum(b.skipped for b in run.batches if b.status in ("committed", "dry_run"))
    counts = tally(skipped, run.new_matches) if run.upper_bound else ""
    return f"{message}; {counts}" if counts else message


def _verified(run: Run) -> str:
    """Re-run the preview after the last commit: no changed key should still match (and,
    under the upper bound, count the rows that match now and were never previewed)."""
    try:
        rows = run_preview(run.conn, run.spec, run.plan.params)
    except (psycopg.Error, DatabaseError) as exc:
        return f"could not verify: {translate(exc).message}"
    if run.upper_bound:
        run.new_matches = new_since_preview(run, rows)
    changed = {str(k) for b in run.batches if b.status == "committed" for k in b.keys}
    still = sum(1 for r in rows if str(r[run.spec.key]) in changed)
    if still:
        return f"WARNING: {still} of them match the preview again (changed back by someone?)"
    return "verified: none of them match the preview any more"


def _verify_applied(run: Run, chunk: Sequence[Any]) -> int | None:
    """After a lost COMMIT: how many of the batch's keys no longer match the preview."""
    try:
        guard = guard_of(run.conn)  # the same limits and pooler setting as the writer's
        limits = guard.limits if guard else None
        with connect_sync(run.verify_dsn, limits=limits, role="verify") as conn:
            rows = run_preview(conn, run.spec, run.plan.params)
    except (psycopg.Error, DatabaseError):
        return None
    still = {str(r[run.spec.key]) for r in rows}
    return sum(1 for k in chunk if str(k) not in still)
