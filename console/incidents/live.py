"""Live sharing of incidents: a follower sees every timeline entry within a second.

Writers do nothing special. Triggers on the state tables NOTIFY the `incident_console`
channel as a row commits (sql/schema/console_state_live.sql says why triggers). A follower
LISTENs and, on each hint, reads the entries after the last sequence number it has seen;
the tables are the truth, the hint only says "look now". Entries are numbered in commit
order, so `seq > last` misses nothing and shows nothing twice, across reconnects too.

Hints can be lost (a half-open TCP connection, a transaction-mode pooler that does not
pass LISTEN through), so the follower reads anyway every `poll_seconds`; and right after
connecting it sends itself a probe: not heard back within `probe_seconds`, it polls
every `fallback_poll_seconds` instead of waiting for hints (`listen=False` polls from the
start, for a state database known to sit behind such a pooler). When the state database goes
away it says so (`Link`), retries with backoff, and on reconnect runs `on_connect` (the
console pushes its local fallback there) before it catches up.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from console.core.db import DatabaseError, connect_sync, translate
from console.core.state_place import StatePlace
from console.incidents import live_sql

CHANNEL = "incident_console"
BATCH = 500
# libpq TCP keepalives: a state database that vanished without a FIN (a dead VM, a cut
# cable) is noticed in seconds instead of the kernel's two hours.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,
}


@dataclass(frozen=True)
class LiveEntry:
    """A timeline entry as a follower saw it: its place in the commit order and its fields."""

    seq: int
    id: uuid.UUID
    incident_id: uuid.UUID
    at: datetime
    kind: str
    who: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The `incident follow --json` line: at least at, kind, who, text."""
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "who": self.who,
            "text": self.text,
            "incident": str(self.incident_id),
            "id": str(self.id),
            "seq": self.seq,
            "data": dict(self.data),
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> LiveEntry:
        data = row.get("data") or {}
        return cls(
            seq=int(row["seq"]),
            id=uuid.UUID(str(row["id"])),
            incident_id=uuid.UUID(str(row["incident_id"])),
            at=row["at"],
            kind=row["kind"],
            who=row["author"],
            text=row["text"],
            data=json.loads(data) if isinstance(data, str) else dict(data),
        )


@dataclass(frozen=True)
class Changed:
    """Something other than the timeline changed (incident, presence, roles, claims,
    approvals): re-read it. `op` is insert/update/delete."""

    table: str
    op: str
    incident_id: uuid.UUID | None


@dataclass(frozen=True)
class Link:
    """The follower's connection: up (`mode` listen or poll) or down, retrying."""

    connected: bool
    mode: str
    problem: str = ""
    retry_in: float = 0.0


LiveEvent = LiveEntry | Changed | Link


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays: 0.2 s, 0.4 s, ... capped at 5 s, so a restart is caught within
    seconds and a long outage costs one attempt every 5 s."""

    first: float = 0.2
    factor: float = 2.0
    cap: float = 5.0

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(delay * self.factor, self.cap)


@dataclass(frozen=True)
class _Channel:
    """One connection's turn of the loop: the connection, where events go, when to stop."""

    conn: psycopg.Connection[Any]
    emit: Callable[[LiveEvent], None]
    stop: threading.Event


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class Follower:
    """Follows one incident's timeline (or every incident's, `incident_id=None`).

    `run(emit, stop)` blocks until `stop` is set, calling `emit` from the calling thread
    with each LiveEntry in commit order, each Changed hint, and each Link change.
    `after` is the last seq already seen (None: start from now).
    """

    def __init__(
        self,
        place: StatePlace,
        *,
        incident_id: uuid.UUID | None = None,
        after: int | None = None,
        poll_seconds: float = 5.0,
        fallback_poll_seconds: float = 0.5,
        probe_seconds: float = 2.0,
        backoff: Backoff | None = None,
        on_connect: Callable[[], None] | None = None,
        listen: bool = True,
    ) -> None:
        self.dsn = place.dsn
        self.limits = place.session_limits
        # A transaction pooler hands LISTEN to whichever server connection it likes and
        # may hear the probe by luck: configured as one, poll from the start.
        self.listen = listen and self.limits.pooler != "transaction"
        self.incident_id = incident_id
        self.last_seq = after
        self.poll_seconds = poll_seconds
        self.fallback_poll_seconds = fallback_poll_seconds
        self.probe_seconds = probe_seconds
        self.backoff = backoff or Backoff()
        self.on_connect = on_connect
        self.mode = "down"
        self.connects = 0
        self._probe = ""

    # -- the loop --

    def run(self, emit: Callable[[LiveEvent], None], stop: threading.Event) -> None:
        delays = self.backoff.delays()
        while not stop.is_set():
            conn: psycopg.Connection[Any] | None = None
            try:
                conn = self._connect()
                channel = _Channel(conn, emit, stop)
                self._listen(channel)
                delays = self.backoff.delays()  # reached the loop: the next outage starts over
                self._follow(channel)
            except (psycopg.Error, DatabaseError, OSError) as exc:
                self.mode = "down"
                delay = next(delays)
                emit(Link(False, "down", translate(exc).message, delay))
                stop.wait(delay)
            finally:
                if conn is not None:
                    conn.close()
        self.mode = "down"

    def _connect(self) -> psycopg.Connection[Any]:
        if not self.dsn:
            raise DatabaseError("no state database configured")
        return connect_sync(make_conninfo(self.dsn, **KEEPALIVES), limits=self.limits, role="live")

    def _listen(self, channel: _Channel) -> None:
        """LISTEN first, then catch up: an entry committed in between is both hinted and read,
        and `seq > last` keeps it single."""
        conn, emit, stop = channel.conn, channel.emit, channel.stop
        heard = False
        deadline = time.monotonic() + self.probe_seconds
        if self.listen:
            live_sql.execute(conn, "listen")
            self._probe = f"probe:{uuid.uuid4()}"
            live_sql.execute(conn, "probe", {"payload": json.dumps({"table": self._probe})})
        else:
            deadline = 0.0
        while not heard and not stop.is_set() and time.monotonic() < deadline:
            for note in conn.notifies(timeout=max(0.0, deadline - time.monotonic())):
                if self._hint(note.payload, emit) == "probe":
                    heard = True
                    break
        self.mode = "listen" if heard else "poll"
        self.connects += 1
        if self.last_seq is None:
            found = live_sql.one(conn, "last_seq", {"incident_id": self.incident_id})
            self.last_seq = int(found["seq"]) if found else 0
        if self.on_connect is not None:  # after "now" is fixed: what it pushes is shown
            self.on_connect()
        emit(Link(True, self.mode))
        self._catch_up(channel)

    def _follow(self, channel: _Channel) -> None:
        conn, emit, stop = channel.conn, channel.emit, channel.stop
        period = self.poll_seconds if self.mode == "listen" else self.fallback_poll_seconds
        next_poll = time.monotonic() + period
        while not stop.is_set():
            wait = max(0.0, min(0.5, next_poll - time.monotonic()))
            look = False
            for note in conn.notifies(timeout=wait, stop_after=1):
                look = self._hint(note.payload, emit) == "look" or look
            if look or time.monotonic() >= next_poll:
                self._catch_up(channel)
                next_poll = time.monotonic() + period

    def _hint(self, payload: str, emit: Callable[[LiveEvent], None]) -> str:
        """'look' for a timeline entry we have not read, 'probe' for our own probe."""
        try:
            hint = json.loads(payload)
        except json.JSONDecodeError:
            return ""
        if not isinstance(hint, dict):
            return ""
        table = str(hint.get("table") or "")
        if table == self._probe:
            return "probe"
        incident = _uuid_or_none(hint.get("incident"))
        if self.incident_id is not None and incident not in (None, self.incident_id):
            return ""
        if table == "timeline":
            seq = hint.get("seq")
            known = self.last_seq if self.last_seq is not None else -1
            return "look" if not isinstance(seq, int) or seq > known else ""
        if table and not table.startswith("probe:"):
            emit(Changed(table, str(hint.get("op") or ""), incident))
        return ""

    def _catch_up(self, channel: _Channel) -> None:
        while True:
            found = live_sql.rows(
                channel.conn,
                "timeline_since",
                {"after": self.last_seq or 0, "incident_id": self.incident_id, "limit": BATCH},
            )
            for row in found:
                entry = LiveEntry.from_row(row)
                self.last_seq = entry.seq
                channel.emit(entry)
            if len(found) < BATCH:
                return


def follow_in_thread(
    follower: Follower, emit: Callable[[LiveEvent], None], *, name: str = "incident-follower"
) -> tuple[threading.Thread, threading.Event]:
    """Run a follower on a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(emit, stop), name=name, daemon=True)
    thread.start()
    return thread, stop
