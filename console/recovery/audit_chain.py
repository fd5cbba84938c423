"""The audit log's hash chain: each record carries the hash of the one before it.

An audit log anyone with table access could edit quietly proves little after an
incident. Each record (state database and local JSONL alike, each store its own chain)
stores `prev_hash`, the hash of the record before it, and `hash`, SHA-256 over
`prev_hash` and the record's canonical JSON. Editing a record breaks its own hash;
deleting one breaks the next record's `prev_hash`. `verify` walks a store and names the
first record that does not hold. Records written before the chain existed (no hash) are
accepted only as a prefix: once the chain has begun, a record without one is broken.
Cutting records off the end leaves no trace in the chain itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.core.jsonable import jsonable, pick

GENESIS = ""  # the prev_hash of the first chained record
FIELDS = ("run_id", "at", "phase", "action_id", "operator", "incident_id", "detail")


def _at(value: Any) -> str:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(UTC).isoformat()


def canonical(record: Mapping[str, Any]) -> str:
    """The record as hashed: the same text whether read back from jsonb or from JSONL."""
    doc = {name: record.get(name) for name in FIELDS}
    doc["at"] = _at(doc["at"])
    for name in ("run_id", "incident_id"):
        doc[name] = None if doc[name] is None else str(doc[name])
    doc["detail"] = json.loads(json.dumps(jsonable(doc["detail"] or {})))
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical(record)).encode()).hexdigest()


def chained(prev_hash: str | None, record: Mapping[str, Any]) -> dict[str, Any]:
    """The record with its two chain fields, ready to store."""
    prev = prev_hash or GENESIS
    return {**record, "prev_hash": prev, "hash": record_hash(prev, record)}


def last_local_hash(path: Path) -> str:
    """The hash of the file's last complete line ('' for none or a record older than the
    chain). Read from the end: the file only grows."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            block = 4096
            while True:
                start = max(0, size - block)
                handle.seek(start)
                lines = [ln for ln in handle.read().splitlines() if ln.strip()]
                if len(lines) > 1 or start == 0:
                    break
                block *= 4
    except FileNotFoundError:
        return GENESIS
    for line in reversed(lines):
        try:
            return str(json.loads(line).get("hash") or GENESIS)
        except ValueError:
            continue  # a torn last line (a crash mid-write) is skipped, as read_jsonl does
    return GENESIS


@dataclass(frozen=True)
class Broken:
    """The first record that does not hold, and why."""

    position: int  # 1-based, in the store's order
    ident: str  # the database id, or "line N" of the file
    record: Mapping[str, Any]
    why: str

    def describe(self) -> str:
        r = self.record
        return (
            f"record {self.ident} ({r.get('phase')} of {r.get('action_id')} by "
            f"{r.get('operator')} at {r.get('at')}, run {r.get('run_id')}): {self.why}"
        )


@dataclass(frozen=True)
class Verdict:
    store: str
    records: int
    chained: int
    broken: Broken | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def to_json(self) -> dict[str, Any]:
        return {
            **pick(self, "store", "intact", "records", "chained"),
            "first_broken": None
            if self.broken is None
            else {
                "position": self.broken.position,
                "record": self.broken.ident,
                "why": self.broken.why,
                "run_id": str(self.broken.record.get("run_id")),
                "phase": self.broken.record.get("phase"),
                "action_id": self.broken.record.get("action_id"),
            },
        }


def verify(store: str, records: Iterable[tuple[str, Mapping[str, Any]]]) -> Verdict:
    """Walk (ident, record) pairs in written order; stop at the first that does not hold."""
    prev: str | None = None  # None: no chained record seen yet
    count = chained_count = 0
    for ident, record in records:
        count += 1
        stored = record.get("hash")
        if not stored:
            if prev is None:
                continue  # older than the chain
            why = "its hash is missing (the chain had begun: edited?)"
            return Verdict(store, count, chained_count, Broken(count, ident, record, why))
        expected_prev = prev if prev is not None else GENESIS
        if (record.get("prev_hash") or GENESIS) != expected_prev:
            why = "it does not follow the record before it (a record before it was deleted?)"
            if prev is None:
                why = "the first chained record does not start the chain (records deleted?)"
            return Verdict(store, count, chained_count, Broken(count, ident, record, why))
        if record_hash(expected_prev, record) != stored:
            why = "its content does not match its hash (edited after it was written)"
            return Verdict(store, count, chained_count, Broken(count, ident, record, why))
        prev = str(stored)
        chained_count += 1
    return Verdict(store, count, chained_count)


def local_records(path: Path) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """The file's records as (\"line N\", record); an unreadable line is itself a record
    that cannot hold (a torn last line is skipped: a crash mid-write)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    last = max((i for i, ln in enumerate(lines) if ln.strip()), default=-1)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            if number - 1 == last:
                return
            record = {"hash": "unreadable", "prev_hash": "unreadable"}
        yield f"line {number}", record
