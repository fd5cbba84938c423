"""The replay's clock: position, pause, speed, seek. UI-free, so a screen, the headless
command and the tests drive the same thing.

The position is a time in the recording (the console's clock when it was written).
`tick()` moves it by the real time elapsed times the speed, unless paused; at the end the
player pauses itself. `frame()` is what the dashboard shows at the position: the last
snapshot taken by then, the findings lit with it, the timeline so far, the phase, and
the poll error if the database could not be read at that moment.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.metrics.snapshot import Snapshot
from console.recording import format as fmt
from console.recording.finding import ShownFinding
from console.recording.recording import RecordedEvent, Recording

SPEEDS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
MIN_SPEED, MAX_SPEED = SPEEDS[0], SPEEDS[-1]
TIMELINE_KINDS = (fmt.FIRED, fmt.CLEARED, fmt.ENTRY, fmt.PHASE, fmt.INCIDENT)
_OFFSET = re.compile(r"^\+?(\d+(?:\.\d+)?)\s*(s|m|min|h)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


class SeekError(ValueError):
    """A seek target the player cannot understand; one line saying what it accepts."""


@dataclass(frozen=True)
class Frame:
    """What the replayed dashboard shows at `at`."""

    at: datetime
    index: int  # of the snapshot shown (-1: none recorded yet)
    snapshot: Snapshot | None
    findings: tuple[ShownFinding, ...]
    timeline: tuple[RecordedEvent, ...]
    phase: str | None
    error: str | None  # the poll failed at this moment: the dashboard showed stale data
    error_kind: str | None
    paused: bool
    speed: float
    finished: bool


class Player:
    """Plays one Recording; `clock` is the real monotonic clock (seconds)."""

    def __init__(
        self,
        recording: Recording,
        *,
        speed: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if recording.start is None:
            raise fmt.RecordingError(f"{recording.path} holds nothing to replay")
        self.recording = recording
        self.clock = clock
        self.start: datetime = recording.start
        self.end: datetime = recording.end or recording.start
        self.position = self.start
        self.paused = False
        self.speed = clamp_speed(speed)
        self._ticked = clock()

    # --- the clock -----------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.position >= self.end

    def tick(self) -> datetime:
        """Advance by the real time since the last tick (times the speed) unless paused."""
        now = self.clock()
        elapsed, self._ticked = now - self._ticked, now
        if not self.paused and not self.finished:
            self.position = min(self.end, self.position + timedelta(seconds=elapsed * self.speed))
            if self.finished:
                self.paused = True
        return self.position

    def pause(self) -> None:
        self.tick()
        self.paused = True

    def resume(self) -> None:
        self.tick()
        if self.finished:
            self.position = self.start
        self.paused = False

    def toggle(self) -> bool:
        """Pause or resume; returns True when now paused."""
        self.resume() if self.paused else self.pause()
        return self.paused

    def set_speed(self, speed: float) -> float:
        self.tick()
        self.speed = clamp_speed(speed)
        return self.speed

    def faster(self) -> float:
        return self.set_speed(next((s for s in SPEEDS if s > self.speed), MAX_SPEED))

    def slower(self) -> float:
        return self.set_speed(next((s for s in reversed(SPEEDS) if s < self.speed), MIN_SPEED))

    # --- seeking -------------------------------------------------------------------------

    def seek(self, at: datetime) -> datetime:
        self.tick()
        self.position = max(self.start, min(self.end, at))
        return self.position

    def seek_by(self, seconds: float) -> datetime:
        return self.seek(self.position + timedelta(seconds=seconds))

    def seek_text(self, text: str) -> datetime:
        """`HH:MM[:SS]` (UTC, on the recording's days), `+90s` / `+5m` / `+1h` from the
        start, or an ISO time."""
        return self.seek(parse_target(text, self.start, self.end))

    def next_finding(self) -> RecordedEvent | None:
        """Jump to the next finding fired or cleared after the position."""
        return self._jump(lambda e: e.kind in (fmt.FIRED, fmt.CLEARED), forward=True)

    def previous_finding(self) -> RecordedEvent | None:
        return self._jump(lambda e: e.kind in (fmt.FIRED, fmt.CLEARED), forward=False)

    def next_entry(self) -> RecordedEvent | None:
        """Jump to the next timeline entry (notes, steps, actions, phases, findings)."""
        return self._jump(lambda e: e.kind in TIMELINE_KINDS, forward=True)

    def previous_entry(self) -> RecordedEvent | None:
        return self._jump(lambda e: e.kind in TIMELINE_KINDS, forward=False)

    def _jump(
        self, wanted: Callable[[RecordedEvent], bool], *, forward: bool
    ) -> RecordedEvent | None:
        self.tick()
        events = [e for e in self.recording.events if wanted(e)]
        if forward:
            target = next((e for e in events if e.at > self.position), None)
        else:
            target = next((e for e in reversed(events) if e.at < self.position), None)
        if target is not None:
            self.position = target.at
        return target

    # --- what is shown -------------------------------------------------------------------

    def frame(self) -> Frame:
        """The dashboard at the position (after a tick)."""
        at = self.tick()
        index = self.recording.index_at(at)
        snapshot: Snapshot | None = None
        findings: tuple[ShownFinding, ...] = ()
        if index >= 0:
            snapshot, findings = self.recording.snapshot(index)
        shown_at = self.recording.times[index] if index >= 0 else None
        timeline: list[RecordedEvent] = []
        phase: str | None = None
        error: str | None = None
        error_kind: str | None = None
        for event in self.recording.events:
            if event.at > at:
                break
            if event.kind in TIMELINE_KINDS:
                timeline.append(event)
            if event.kind == fmt.PHASE:
                phase = str(event.data.get("phase") or "") or None
            if event.kind == fmt.ERROR and (shown_at is None or event.at >= shown_at):
                error = str(event.data.get("error", ""))
                error_kind = str(event.data.get("kind") or "error")
        return Frame(
            at=at,
            index=index,
            snapshot=snapshot,
            findings=findings,
            timeline=tuple(timeline),
            phase=phase,
            error=error,
            error_kind=error_kind,
            paused=self.paused,
            speed=self.speed,
            finished=self.finished,
        )


def clamp_speed(speed: float) -> float:
    return max(MIN_SPEED, min(MAX_SPEED, float(speed)))


def parse_target(text: str, start: datetime, end: datetime) -> datetime:
    """A seek target as a time in the recording (see Player.seek_text)."""
    raw = text.strip().lower()
    if match := _OFFSET.match(raw):
        unit = {"s": 1, None: 1, "m": 60, "min": 60, "h": 3600}[match.group(2)]
        return start + timedelta(seconds=float(match.group(1)) * unit)
    if match := _CLOCK.match(raw):
        hour, minute, second = (int(g or 0) for g in match.groups())
        if hour > 23 or minute > 59 or second > 59:
            raise SeekError(f"{text!r} is not a time of day")
        day = start.replace(hour=hour, minute=minute, second=second, microsecond=0)
        if day < start.replace(microsecond=0) and day + timedelta(days=1) <= end:
            day += timedelta(days=1)  # a recording across midnight: the later day
        return day
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SeekError(
            f"cannot seek to {text!r}: give HH:MM[:SS] (UTC), +90s / +5m / +1h, or an ISO time"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=start.tzinfo)
