"""Where the dashboard's data comes from, as small protocols the app depends on.

The app never builds a Collector itself: it takes a factory returning a `SnapshotSource`
(poll/close) and an evaluator returning `FindingLike` values. Production wires the real
`console.metrics.collector.Collector` and `console.triage.evaluate`, imported lazily so
the first frame paints before they load (and so the app runs before they exist);
tests and replays pass a `StaticSource` holding ready-made Snapshots.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from console.core.config import Settings
from console.metrics.snapshot import Snapshot


@runtime_checkable
class SnapshotSource(Protocol):
    """Anything that can produce a Snapshot per poll (the Collector, a replay, a test).

    `poll` raises a `console.core.db.DatabaseError` when it cannot read; the next `poll`
    retries (reconnecting if needed). The app never calls `poll` twice at once.
    """

    async def poll(self) -> Snapshot: ...

    async def close(self) -> None: ...


class FindingLike(Protocol):
    """The fields of a triage Finding the dashboard shows."""

    @property
    def id(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def value(self) -> Any: ...
    @property
    def threshold(self) -> Any: ...
    @property
    def runbook(self) -> str: ...
    @property
    def evidence(self) -> Any: ...


SourceFactory = Callable[[], SnapshotSource]
Evaluator = Callable[[Snapshot], Sequence[FindingLike]]


@dataclass(frozen=True)
class LocalFinding:
    """A finding the dashboard raises itself, when there is no Snapshot to triage."""

    id: str
    severity: str
    title: str
    value: Any
    threshold: Any
    runbook: str
    evidence: Any = ()


def unreachable_finding(error: str) -> LocalFinding:
    """The guide's P0 'database connection failure', raised when polling cannot connect."""
    return LocalFinding(
        id="db_connection_failure",
        severity="P0",
        title="Database connection failure",
        value="unreachable",
        threshold="reachable",
        runbook="db_connection_failure",
        evidence=(error,),
    )


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


def sort_findings(findings: Iterable[FindingLike]) -> list[FindingLike]:
    """Most severe first, then by id, so the order is stable between polls."""
    rank = {"P0": 0, "P1": 1, "P2": 2}
    return sorted(findings, key=lambda f: (rank.get(f.severity, 9), f.id))
