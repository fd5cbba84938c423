"""A recording opened for replay: its events in memory, its snapshots decoded on demand.

A day at a 2 s refresh is 43,200 snapshots of 24 h windows: far too many to hold as
Snapshot objects. The file is scanned once (times, events, member offsets); a snapshot
is rebuilt from its member's keyframe plus the changes up to it, and the state is kept so
that playing forward costs one change record per step. Nothing is ever written.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from console.metrics.snapshot import Snapshot
from console.recording import format as fmt
from console.recording.finding import ShownFinding
from console.recording.reader import Damage, Scan, read_member, scan
from console.recording.wire import State, StateDecoder, apply


@dataclass(frozen=True)
class RecordedEvent:
    """Something that happened at `at`: a finding fired or cleared, a timeline entry, a
    phase change, the incident updated, a poll that failed."""

    at: datetime
    kind: str  # one of format.EVENT_KINDS or format.ERROR
    data: dict[str, Any]

    @property
    def finding_id(self) -> str:
        if self.kind == fmt.FIRED:
            return str(self.data.get("finding", {}).get("id", ""))
        return str(self.data.get("id", "")) if self.kind == fmt.CLEARED else ""

    @property
    def text(self) -> str:
        """One line for a timeline list."""
        if self.kind == fmt.FIRED:
            finding = self.data.get("finding", {})
            return f"finding fired: {finding.get('title') or finding.get('id')}"
        if self.kind == fmt.CLEARED:
            return f"finding cleared: {self.data.get('id')}"
        if self.kind == fmt.ENTRY:
            return str(self.data.get("entry", {}).get("text", ""))
        if self.kind == fmt.PHASE:
            return f"phase: {self.data.get('title') or self.data.get('phase')}"
        if self.kind == fmt.INCIDENT:
            incident = self.data.get("incident", {})
            state = "closed" if incident.get("closed_at") else "open"
            return f"incident {state}: {incident.get('title', '')}"
        return f"poll failed: {self.data.get('error', '')}"


class Recording:
    """One recording file, read-only. `open` raises `NotARecording` only; other damage
    is in `damage` (the readable part replays)."""

    def __init__(self, scanned: Scan) -> None:
        self.scan = scanned
        self.path = scanned.path
        self.header = scanned.header
        self.times: list[datetime] = scanned.snapshot_times
        self.events = [
            RecordedEvent(datetime.fromisoformat(r["at"]), r["t"], r) for r in scanned.events
        ]
        self._starts: list[int] = []
        total = 0
        for member in scanned.members:
            self._starts.append(total)
            total += member.snapshots
        self._member = -1
        self._records: list[dict[str, Any]] = []
        self._cursor = -1  # index of the snapshot `_state` holds
        self._state: State | None = None
        self._findings: list[dict[str, Any]] = []
        self._decoder = StateDecoder()

    @classmethod
    def open(cls, path: Path | str) -> Recording:
        return cls(scan(Path(path)))

    @property
    def damage(self) -> Damage | None:
        return self.scan.damage

    @property
    def start(self) -> datetime | None:
        candidates = [t for t in (self.times[:1] + [e.at for e in self.events[:1]]) if t]
        return min(candidates) if candidates else None

    @property
    def end(self) -> datetime | None:
        candidates = [t for t in (self.times[-1:] + [e.at for e in self.events[-1:]]) if t]
        return max(candidates) if candidates else None

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.header.get("settings") or {})

    def __len__(self) -> int:
        return len(self.times)

    def index_at(self, at: datetime) -> int:
        """The last snapshot taken at or before `at` (-1 when none yet)."""
        return bisect_right(self.times, at) - 1

    def events_of(self, *kinds: str) -> list[RecordedEvent]:
        return [e for e in self.events if e.kind in kinds]

    # --- states and snapshots ------------------------------------------------------------

    def state(self, index: int) -> tuple[State, list[dict[str, Any]]]:
        """The recorded state and findings of snapshot `index` (shared: do not change)."""
        if not 0 <= index < len(self.times):
            raise IndexError(f"no snapshot {index} (the recording holds {len(self.times)})")
        member = bisect_right(self._starts, index) - 1
        base = self._starts[member]
        if member != self._member or index < self._cursor or self._state is None:
            records = read_member(self.path, self.scan.members[member])
            self._records = [r for r in records if r["t"] in (fmt.KEY, fmt.SNAP)]
            self._member, self._cursor, self._state = member, base - 1, None
        while self._cursor < index:
            record = self._records[self._cursor + 1 - base]
            if record["t"] == fmt.KEY:
                self._state, self._findings = record["s"], list(record.get("f") or [])
            else:
                assert self._state is not None
                apply(self._state, record["d"])
                if "f" in record:
                    self._findings = list(record["f"])
            self._cursor += 1
        assert self._state is not None
        return self._state, self._findings

    def snapshot(self, index: int) -> tuple[Snapshot, tuple[ShownFinding, ...]]:
        state, findings = self.state(index)
        return self._decoder.decode(state), tuple(ShownFinding.from_json(f) for f in findings)

    def iter_states(self) -> Iterator[tuple[datetime, State, list[dict[str, Any]]]]:
        """Every snapshot's time, state and findings in order (cheap: no Snapshot built)."""
        for index, at in enumerate(self.times):
            state, findings = self.state(index)
            yield at, state, findings
