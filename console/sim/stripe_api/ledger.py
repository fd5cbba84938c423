"""What the simulated Stripe knows: each event it created and every delivery attempt.

Thread-safe: the traffic generator records from the event loop while the API (or a test)
reads from another thread. Ordering is Stripe's: newest first, ties broken by the order
of recording, which is what `starting_after` / `ending_before` walk.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

RETENTION_SECONDS = 30 * 86_400


@dataclass(frozen=True)
class Attempt:
    at: float
    status: int  # HTTP status; 0 when the endpoint could not be reached

    @property
    def delivered(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class LedgerEntry:
    event: dict[str, Any]
    seq: int
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.event["id"])

    @property
    def type(self) -> str:
        return str(self.event.get("type") or "")

    @property
    def created(self) -> int:
        return int(self.event.get("created") or 0)

    @property
    def delivered(self) -> bool:
        return any(a.delivered for a in self.attempts)

    def as_api_object(self) -> dict[str, Any]:
        """The event as `/v1/events` renders it, `pending_webhooks` from the attempts."""
        body = copy.deepcopy(self.event)
        body["object"] = "event"
        body["pending_webhooks"] = 0 if self.delivered else 1
        return body


class EventLedger:
    """Every event the simulator sent, with its delivery attempts."""

    def __init__(self, clock: Any = time.time) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, LedgerEntry] = {}
        self._seq = 0
        self._clock = clock

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def record(self, event: Mapping[str, Any]) -> LedgerEntry:
        """Remember an event (once per id; a redelivery of the same id is not a new event)."""
        with self._lock:
            event_id = str(event["id"])
            entry = self._entries.get(event_id)
            if entry is None:
                self._seq += 1
                entry = LedgerEntry(copy.deepcopy(dict(event)), self._seq)
                self._entries[event_id] = entry
            return entry

    def attempt(self, event_id: str, status: int, at: float | None = None) -> None:
        """One delivery attempt of a recorded event (unknown ids are ignored)."""
        with self._lock:
            entry = self._entries.get(event_id)
            if entry is not None:
                entry.attempts.append(Attempt(self._clock() if at is None else at, int(status)))

    def get(self, event_id: str) -> LedgerEntry | None:
        with self._lock:
            entry = self._entries.get(event_id)
            if entry is None or entry.created < self._clock() - RETENTION_SECONDS:
                return None
            return entry

    def entries(self) -> list[LedgerEntry]:
        """Everything within Stripe's 30 days, newest first."""
        oldest = self._clock() - RETENTION_SECONDS
        with self._lock:
            kept = [e for e in self._entries.values() if e.created >= oldest]
        return sorted(kept, key=lambda e: (e.created, e.seq), reverse=True)

    def undelivered(self) -> list[LedgerEntry]:
        """Events with no successful attempt (what `delivery_success=false` lists)."""
        return [e for e in self.entries() if not e.delivered]

    def select(
        self,
        *,
        created: Mapping[str, int] | None = None,
        types: Iterable[str] = (),
        delivery_success: bool | None = None,
    ) -> list[LedgerEntry]:
        """The entries matching Stripe's list filters, newest first."""
        bounds = dict(created or {})
        wanted = set(types)
        out: list[LedgerEntry] = []
        for entry in self.entries():
            c = entry.created
            if "gte" in bounds and c < bounds["gte"]:
                continue
            if "gt" in bounds and c <= bounds["gt"]:
                continue
            if "lte" in bounds and c > bounds["lte"]:
                continue
            if "lt" in bounds and c >= bounds["lt"]:
                continue
            if "eq" in bounds and c != bounds["eq"]:
                continue
            if wanted and not _type_matches(entry.type, wanted):
                continue
            if delivery_success is not None and entry.delivered != delivery_success:
                continue
            out.append(entry)
        return out


def _type_matches(event_type: str, wanted: set[str]) -> bool:
    for name in wanted:
        if name.endswith("*") and event_type.startswith(name[:-1]):
            return True
        if event_type == name:
            return True
    return False
