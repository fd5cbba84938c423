"""The time window of a reconciliation: `--since 2h` or `--from T --to T`.

Stripe lists only the last 30 days of events, so a window reaching further back is cut
at 30 days and the cut is said, never silently applied; a window entirely older than
that is refused. Stripe's own retries stop after three days: a missing event older than
that will only arrive if someone redelivers it, and the window says so too.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

STRIPE_RETENTION = timedelta(days=30)
STRIPE_RETRY_SPAN = timedelta(days=3)
DEFAULT_SINCE = "2h"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


class WindowError(ValueError):
    """A window the console cannot use; the message says what to type instead."""


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `2h`, `3d`, `1w` as a timedelta."""
    match = _DURATION.match(text or "")
    if match is None:
        raise WindowError(f"--since expects a duration such as 30m, 2h or 3d, got {text!r}")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise WindowError("--since must be longer than zero")
    return timedelta(seconds=seconds)


def parse_time(text: str, flag: str) -> datetime:
    """An ISO 8601 time (UTC when it names no zone) or Unix seconds."""
    raw = (text or "").strip()
    if re.fullmatch(r"\d{9,11}(\.\d+)?", raw):
        return datetime.fromtimestamp(float(raw), UTC)
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise WindowError(
            f"{flag} expects a time such as 2025-01-31T14:00:00Z or Unix seconds, got {raw!r}"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Window:
    """[start, end] in UTC, as Stripe's `created[gte]` / `created[lte]` (whole seconds)."""

    start: datetime
    end: datetime
    requested_start: datetime
    notes: tuple[str, ...] = ()

    @property
    def clipped(self) -> bool:
        return self.requested_start < self.start

    @property
    def gte(self) -> int:
        return int(self.start.timestamp())

    @property
    def lte(self) -> int:
        return int(self.end.timestamp())

    def contains(self, created: int) -> bool:
        return self.gte <= created <= self.lte

    def describe(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M:%S} – {self.end:%Y-%m-%d %H:%M:%S} UTC"

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "requested_from": self.requested_start.isoformat(),
            "clipped": self.clipped,
            "notes": list(self.notes),
        }


def make_window(
    since: str | None = None,
    start: str | None = None,
    end: str | None = None,
    *,
    now: float | None = None,
) -> Window:
    """The window from the CLI's flags (default: the last 2 h), inside Stripe's 30 days."""
    current = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    if since and (start or end):
        raise WindowError("give either --since or --from/--to, not both")
    if start or end:
        if not start:
            raise WindowError("--to needs --from")
        begin = parse_time(start, "--from")
        finish = parse_time(end, "--to") if end else current
    else:
        begin = current - parse_duration(since or DEFAULT_SINCE)
        finish = current
    finish = min(finish, current)
    if begin >= finish:
        raise WindowError(f"the window is empty: {begin:%Y-%m-%d %H:%M:%S} is not before its end")
    oldest = current - STRIPE_RETENTION
    if finish <= oldest:
        raise WindowError(
            "the whole window is older than 30 days: Stripe lists only the last 30 days of events"
        )
    notes: list[str] = []
    requested = begin
    if begin < oldest:
        begin = oldest
        notes.append(
            f"Stripe lists only the last 30 days of events: the window starts at "
            f"{begin:%Y-%m-%d %H:%M} UTC instead of {requested:%Y-%m-%d %H:%M}"
        )
    if begin < current - STRIPE_RETRY_SPAN:
        notes.append(
            "Stripe stops retrying a delivery after 3 days: events older than that which "
            "are missing arrive only if they are redelivered"
        )
    return Window(start=begin, end=finish, requested_start=requested, notes=tuple(notes))
