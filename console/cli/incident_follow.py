"""`incident-console incident follow --json`: one JSON line per timeline entry, live.

For a Slack or pager bridge: every line has `at`, `kind`, `who`, `text` (and `incident`,
`id`, `seq`, `data`), is flushed as soon as the entry commits, and comes exactly once; a
bridge that restarts passes `--after SEQ` (the last seq it forwarded) and misses nothing.
Status goes to stderr: "following", "state database lost, reconnecting", "reconnected".
SIGTERM (and Ctrl-C) end it with exit code 0; the follower's presence row goes with it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from console.cli import EXIT_ERROR, EXIT_OK, load_settings_from
from console.core.db import DatabaseError
from console.core.state import InputError
from console.core.state_place import StatePlace
from console.incidents.live import Changed, Follower, Link, LiveEntry, LiveEvent
from console.incidents.presence import Heartbeat, Identity
from console.incidents.session import SharedIncident, dumps_line, parse_uuid


def _say(text: str) -> None:
    print(f"incident-console: {text}", file=sys.stderr, flush=True)


class _Printer:
    """Writes entries to stdout and status to stderr; moves presence to a new incident."""

    def __init__(self, heartbeat: Heartbeat) -> None:
        self.heartbeat = heartbeat
        self.broken = False
        self.was_down = False
        self.stop = threading.Event()

    def __call__(self, event: LiveEvent) -> None:
        if isinstance(event, LiveEntry):
            try:
                sys.stdout.write(dumps_line(event.as_json()) + "\n")
                sys.stdout.flush()
            except BrokenPipeError:  # the bridge went away: nothing left to follow for
                self.broken = True
                self.stop.set()
            if event.kind == "opened":
                self.heartbeat.show(event.incident_id)
        elif isinstance(event, Link):
            if event.connected:
                verb = "reconnected and caught up" if self.was_down else "following"
                how = "" if event.mode == "listen" else " (no LISTEN here: polling)"
                _say(f"{verb}{how}")
                self.was_down = False
            else:
                self.was_down = True
                _say(f"state database lost ({event.problem}); retrying in {event.retry_in:.1f} s")
        elif isinstance(event, Changed):
            pass  # presence, roles, claims: not timeline entries; `incident show` has them


def follow_command(args: argparse.Namespace) -> int:
    if not args.json:
        _say("follow prints JSON lines: use incident follow --json")
        return EXIT_ERROR
    settings = load_settings_from(args)
    dsn = settings.state_database_url or settings.database_url
    identity = Identity.here(via="follow")
    session = SharedIncident(StatePlace(dsn, settings), identity)
    try:
        only = parse_uuid(args.incident, "incident id") if args.incident else None
        current = session.current()
    except (InputError, DatabaseError) as exc:
        _say(str(exc))
        session.close()
        return EXIT_ERROR
    heartbeat = Heartbeat(session.place, identity)
    heartbeat.show(only or (current.id if current else None), "follow")
    heartbeat.start()
    printer = _Printer(heartbeat)

    def on_term(signum: int, frame: FrameType | None) -> None:
        printer.stop.set()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    follower = Follower(
        session.place, incident_id=only, after=args.after, on_connect=session.push_local
    )
    try:
        follower.run(printer, printer.stop)
    finally:
        heartbeat.stop()
        session.close()
    return EXIT_ERROR if printer.broken else EXIT_OK
