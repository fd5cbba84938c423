"""Presence: who has the incident open, from where (host, tty, ssh origin), on which screen.

Each console keeps one row in `incident_console.presence` alive with a heartbeat; the row
expires on its own (server time) when the console dies without saying goodbye, so the
list never shows ghosts for long. Arrivals, departures and screen changes are announced
by a trigger; a heartbeat that changes nothing but the clock is not.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import psycopg

from console.core.audit import current_operator
from console.core.db import DatabaseError
from console.core.state_place import StatePlace
from console.core.write_link import WriteLink
from console.incidents import live_sql

HEARTBEAT_SECONDS = 5.0
TTL_SECONDS = 20.0


def _tty() -> str:
    for stream in (sys.stdin, sys.stdout):
        try:
            if stream is not None and stream.isatty():
                return os.ttyname(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
    return ""


def _where() -> str:
    """This machine, and the address an SSH session came from (the commander wants to know
    the engineer is on the bastion, not on their laptop)."""
    host = socket.gethostname()
    origin = (os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT") or "").split()
    return f"{host} (ssh from {origin[0]})" if origin else host


@dataclass(frozen=True)
class Identity:
    """One console: the person, the machine and terminal, and how it is attached
    (`terminal`, `browser`, `cli`, `follow`). `client_id` is new for every run."""

    who: str
    host: str = ""
    tty: str = ""
    via: str = "terminal"
    client_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @classmethod
    def here(cls, via: str = "terminal", who: str | None = None) -> Identity:
        return cls(who=who or current_operator(), host=_where(), tty=_tty(), via=via)

    def describe(self) -> str:
        where = f"{self.host} {self.tty}".strip()
        return f"{self.who} on {where}" if where else self.who


@dataclass(frozen=True)
class Present:
    """A console that has the incident open now."""

    who: str
    host: str
    tty: str
    via: str
    screen: str
    since: datetime
    seen: datetime
    client_id: uuid.UUID

    def describe(self) -> str:
        where = " ".join(p for p in (self.host, self.tty) if p)
        screen = f", on {self.screen}" if self.screen else ""
        return f"{self.who} ({self.via}{' @ ' + where if where else ''}{screen})"


def present(conn: psycopg.Connection[Any], incident_id: uuid.UUID) -> list[Present]:
    # the statement names its columns as Present's fields (client_id is a uuid column)
    return live_sql.of_incident(conn, "presence_of", incident_id, lambda r: Present(**r))


def beat(
    conn: psycopg.Connection[Any],
    identity: Identity,
    incident_id: uuid.UUID | None,
    screen: str,
    ttl_seconds: float = TTL_SECONDS,
) -> None:
    live_sql.execute(
        conn,
        "presence_beat",
        {
            "client_id": identity.client_id,
            "incident_id": incident_id,
            "who": identity.who,
            "host": identity.host,
            "tty": identity.tty,
            "via": identity.via,
            "screen": screen,
            "ttl_seconds": ttl_seconds,
        },
    )


def leave(conn: psycopg.Connection[Any], identity: Identity) -> None:
    live_sql.execute(conn, "presence_leave", {"client_id": identity.client_id})


@dataclass
class _Where:
    incident_id: uuid.UUID | None = None
    screen: str = ""


class Heartbeat:
    """Keeps one console's presence row alive from a daemon thread (its own connection).

    `show(incident_id, screen)` beats at once, so a move to another screen is seen by the
    others within a second, not at the next beat. A failed beat is retried at the next
    one; presence is a courtesy, never a reason to stop the console.
    """

    def __init__(
        self,
        place: StatePlace,
        identity: Identity,
        *,
        interval: float = HEARTBEAT_SECONDS,
        ttl: float = TTL_SECONDS,
    ) -> None:
        self.dsn = place.dsn
        self.limits = place.session_limits
        self.identity = identity
        self.interval = interval
        self.ttl = ttl
        self.problem = ""
        self._where = _Where()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._link = WriteLink(place.dsn, limits=self.limits, role="live")
        self._beats = 0

    def show(self, incident_id: uuid.UUID | None, screen: str | None = None) -> None:
        self._where = replace(
            self._where,
            incident_id=incident_id,
            screen=self._where.screen if screen is None else screen,
        )
        self._wake.set()

    def start(self) -> Heartbeat:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="presence", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Leave (delete our row) and end the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def beat_once(self) -> bool:
        where = self._where
        try:
            conn = self._connection()
            beat(conn, self.identity, where.incident_id, where.screen, self.ttl)
            if self._beats % 60 == 0:
                live_sql.execute(conn, "presence_prune")
            self._beats += 1
            self.problem = ""
            return True
        except (psycopg.Error, DatabaseError) as exc:
            self.problem = f"presence: {exc}"
            self._drop()
            return False

    def _connection(self) -> psycopg.Connection[Any]:
        return self._link.get()

    def _drop(self) -> None:
        self._link.close(quiet=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self.beat_once()
            self._wake.wait(self.interval)
        with contextlib.suppress(psycopg.Error, DatabaseError):
            leave(self._connection(), self.identity)
        self._drop()
