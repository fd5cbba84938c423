"""Where the dashboard's data comes from, as small protocols the app depends on.

The app never builds a Collector itself: it takes a factory returning a `SnapshotSource`
(poll/close) and an evaluator returning `FindingLike` values (`screens.findings`).
Production wires the real `console.metrics.collector.Collector` and
`console.triage.evaluate`, imported lazily so
the first frame paints before they load (and so the app runs before they exist);
tests and replays pass a `StaticSource` holding ready-made Snapshots.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from console.core.config import Settings
from console.metrics.snapshot import Snapshot
from screens.findings import FindingLike


@runtime_checkable
class SnapshotSource(Protocol):
    """Anything that can produce a Snapshot per poll (the Collector, a replay, a test).

    `poll` raises a `console.core.db.DatabaseError` when it cannot read; the next `poll`
    retries (reconnecting if needed). The app never calls `poll` twice at once.
    """

    async def poll(self) -> Snapshot: ...

    async def close(self) -> None: ...


SourceFactory = Callable[[], SnapshotSource]
Evaluator = Callable[[Snapshot], Sequence[FindingLike]]


@dataclass
class StaticSource:
    """A source that replays given Snapshots (the last one repeats), or raises `error`.

    With `gate`, each poll first waits for the event: a stand-in for a slow database.
    """

    snapshots: Sequence[Snapshot] = ()
    error: BaseException | None = None
    gate: asyncio.Event | None = None
    polls: int = 0
    closed: bool = False
    _index: int = field(default=0, repr=False)

    async def poll(self) -> Snapshot:
        self.polls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        if not self.snapshots:
            raise LookupError("no snapshot to replay")
        snapshot = self.snapshots[min(self._index, len(self.snapshots) - 1)]
        self._index += 1
        return snapshot

    async def close(self) -> None:
        self.closed = True


def collector_factory(dsn: str, settings: Settings) -> SourceFactory:
    """A factory for the real metrics Collector, imported only when first polled."""

    def make() -> SnapshotSource:
        from console.metrics.collector import Collector  # lazy: heavy, and may not exist yet

        return Collector(dsn, settings)

    return make


def triage_evaluator(settings: Settings) -> Evaluator:
    """`console.triage.evaluate` bound to the configured thresholds, imported lazily."""

    def evaluate(snapshot: Snapshot) -> Sequence[FindingLike]:
        from console import triage  # lazy: may not exist in this build yet

        thresholds: Any = settings.thresholds
        builder = getattr(triage, "Thresholds", None)
        if builder is not None and hasattr(builder, "from_settings"):
            thresholds = builder.from_settings(settings)
        return list(triage.evaluate(snapshot, thresholds))

    return evaluate
