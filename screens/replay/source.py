"""The replay's data source: the player's frame, as a SnapshotSource and an evaluator.

The dashboard polls a replay exactly as it polls the Collector (`SnapshotSource`); the
snapshot it gets is the one recorded at the player's position, and the findings are the
ones recorded with it (not triage run again: what the team saw). A moment when the
recorded console could not read the database replays as that failure.
"""

from __future__ import annotations

from collections.abc import Sequence

from console.core.db import DatabaseError
from console.metrics.snapshot import Snapshot
from console.recording.player import Frame, Player
from screens.findings import FindingLike


class NothingRecordedYet(DatabaseError):
    """The position is before the recording's first snapshot."""

    kind = "replay"


class RecordedFailure(DatabaseError):
    """The recorded console could not read the database at this moment."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class ReplaySource:
    """A read-only SnapshotSource over a Player; `frame` is what the last poll showed."""

    def __init__(self, player: Player) -> None:
        self.player = player
        self.frame: Frame | None = None
        self.closed = False

    async def poll(self) -> Snapshot:
        frame = self.frame = self.player.frame()
        if frame.error is not None:
            raise RecordedFailure(frame.error, frame.error_kind or "error")
        if frame.snapshot is None:
            raise NothingRecordedYet(f"nothing recorded yet at {frame.at:%H:%M:%S} UTC")
        return frame.snapshot

    async def close(self) -> None:
        self.closed = True

    def evaluate(self, snapshot: Snapshot) -> Sequence[FindingLike]:
        """The findings recorded with the snapshot the last poll returned."""
        del snapshot
        return list(self.frame.findings) if self.frame is not None else []
