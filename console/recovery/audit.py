"""The audit log of recovery actions: the state database and a local JSONL file, both.

Intent is written before anything touches the monitored data and the outcome after. A
record counts as written when at least one of the two sinks took it; when neither can (the
state database is down and the local file is unwritable) `AuditUnavailable` is raised and
the caller must refuse the action — an unaudited write is worse than a delayed one.
Each store is a hash chain (console.recovery.audit_chain): a record carries the hash of
the one before it, so `incident-console audit verify` finds an edited or deleted record.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from console import queries
from console.core.db import DatabaseError, SessionLimits, connect_sync, translate
from console.core.private_files import open_private
from console.core.state import default_state_dir, jsonl_lock, read_jsonl, state_sql, to_json
from console.recovery.audit_chain import chained, last_local_hash

AUDIT_FILE = "audit.jsonl"


class AuditUnavailable(DatabaseError, kind="audit"):
    """Neither the state database nor the local file took the record: no write runs."""


@dataclass(frozen=True)
class AuditReceipt:
    """Which sinks took a record, and why the others did not."""

    database: bool
    local: bool
    problems: tuple[str, ...] = ()

    @property
    def written(self) -> bool:
        return self.database or self.local


def _statement(name: str) -> Any:
    """A `sql/state/` statement with the state schema's tables composed in."""
    return state_sql(queries.get(f"state/{name}").text)


@dataclass
class AuditLog:
    """Writes audit records to `incident_console.audit_log` and `<local_dir>/audit.jsonl`."""

    state_dsn: str | None
    local_dir: Path | None = None
    limits: SessionLimits = field(default_factory=SessionLimits)
    _conn: psycopg.Connection[Any] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def local_path(self) -> Path:
        return (self.local_dir or default_state_dir()) / AUDIT_FILE

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            # The state database is written even when the monitored one is read-only:
            # this is the console's own bookkeeping, never the incident's data.
            self._conn = connect_sync(
                self.state_dsn, allow_write=True, limits=self.limits, role="audit"
            )
        return self._conn

    def write(
        self,
        *,
        run_id: UUID,
        phase: str,
        action_id: str,
        operator: str,
        incident_id: UUID | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditReceipt:
        """Write one record to both sinks; raise AuditUnavailable when neither took it."""
        at = datetime.now(UTC)
        detail = detail or {}
        problems: list[str] = []
        in_db = False
        record = {
            "run_id": run_id,
            "at": at,
            "phase": phase,
            "action_id": action_id,
            "operator": operator,
            "incident_id": incident_id,
            "detail": detail,
        }
        with self._lock:
            if self.state_dsn:
                try:
                    self._insert_chained(record)
                    in_db = True
                except Exception as exc:
                    problems.append(f"state database: {translate(exc).message}")
            else:
                problems.append("state database: not configured")
            local = False
            try:
                self._append_chained(record)
                local = True
            except OSError as exc:
                problems.append(f"local file {self.local_path}: {exc.strerror or exc}")
        receipt = AuditReceipt(database=in_db, local=local, problems=tuple(problems))
        if not receipt.written:
            raise AuditUnavailable(
                "the audit log cannot be written (" + "; ".join(problems) + ")",
                "nothing was changed; bring the state database back or fix the local state dir",
            )
        return receipt

    def _insert_chained(self, record: dict[str, Any]) -> None:
        """One transaction: take the chain's lock, read the last hash, insert after it."""
        conn = self._connection()
        with conn.transaction():
            conn.execute(_statement("audit_chain_lock"))
            row = conn.execute(_statement("audit_last_hash")).fetchone()
            last = (row["hash"] if isinstance(row, dict) else row[0]) if row else None
            linked = chained(last, record)
            conn.execute(
                _statement("audit_insert"), {**linked, "detail": to_json(linked["detail"])}
            )

    def _append_chained(self, record: dict[str, Any]) -> None:
        """Under the file's lock: chain to its last line, append, fsync."""
        path = self.local_path
        with jsonl_lock(path):
            line = to_json(chained(last_local_hash(path), record)) + "\n"
            with open_private(path, append=True) as handle:  # 0600, as append_jsonl's
                handle.write(line.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())

    def chain_rows(self) -> list[dict[str, Any]]:
        """Every database record in written order, with its chain hashes."""
        rows = self._connection().execute(_statement("audit_chain")).fetchall()
        return [dict(r) for r in rows]

    def records(self, run_id: UUID) -> list[dict[str, Any]]:
        """The database's records of one run, oldest first."""
        query = _statement("audit_records")
        rows = self._connection().execute(query, {"run_id": run_id}).fetchall()
        return [dict(r) for r in rows]

    def local_records(self, run_id: UUID | None = None) -> list[dict[str, Any]]:
        wanted = str(run_id) if run_id else None
        return [
            r for r in read_jsonl(self.local_path) if wanted is None or r.get("run_id") == wanted
        ]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
