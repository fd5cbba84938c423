"""The mutable state of one apply call: its batches so far, who blocked it, the result."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg

from console.core.xact_lock import LockSession
from console.recovery.errors import Holder
from console.recovery.model import ActionSpec
from console.recovery.plan import Plan
from console.recovery.results import (
    ActionResult,
    BatchReport,
    Progress,
    ProgressCallback,
    ResultStatus,
)


@dataclass
class Run:
    """One apply of one plan on one write connection."""

    spec: ActionSpec
    plan: Plan
    conn: psycopg.Connection[Any]
    dry_run: bool
    on_progress: ProgressCallback | None
    verify_dsn: str
    run_id: uuid.UUID = field(default_factory=uuid.uuid4)
    batches: list[BatchReport] = field(default_factory=list)
    blocking: tuple[Holder, ...] = ()
    error_kind: str = ""
    lock: LockSession | None = None  # the action lock's session, while apply holds it
    # The previewed set is an upper bound unless `exact` (console.recovery.recheck).
    exact: bool = False
    new_matches: int = 0  # keys that match now but were not previewed: never touched

    @property
    def upper_bound(self) -> bool:
        """Row actions take the previewed set as an upper bound; a signal or an index
        build is all-or-nothing whatever was asked (one pid, one build)."""
        return not self.exact and self.spec.kind == "rows"

    def emit(self, batch: int, batches: int, phase: Any, done: int) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(self.spec.id, batch, batches, phase, done, self.plan.count))

    def batches_committed(self) -> int:
        return sum(1 for b in self.batches if b.status == "committed")

    def result(self, status: ResultStatus, message: str, **extra: Any) -> ActionResult:
        changed = sum(b.changed for b in self.batches if b.status == "committed")
        would = sum(b.changed for b in self.batches if b.status == "dry_run")
        extra.setdefault(
            "skipped_no_longer_matching",
            sum(b.skipped for b in self.batches if b.status in ("committed", "dry_run")),
        )
        extra.setdefault("new_matches_not_touched", self.new_matches)
        return ActionResult(
            action_id=self.spec.id,
            run_id=self.run_id,
            status=status,
            message=message,
            previewed=self.plan.count,
            changed=changed,
            would_change=would,
            batches=tuple(self.batches),
            error_kind=self.error_kind,
            blocking=self.blocking,
            dry_run=self.dry_run,
            exact=not self.upper_bound,
            **extra,
        )
