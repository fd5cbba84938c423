"""What an apply reports: per-batch outcomes, progress events and the final result.

Plain data, JSON-ready: the audit's outcome record and `run --json` are `to_json()`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from console.core.jsonable import pick
from console.recovery.errors import Holder

BatchStatus = Literal["committed", "rolled_back", "unknown", "not_started", "dry_run"]
ResultStatus = Literal[
    "applied",
    "dry_run",
    "nothing_to_do",
    "changed_since_preview",
    "rolled_back",
    "partial",
    "unknown",
    "failed",
]
BATCH_STATUSES: tuple[BatchStatus, ...] = (
    "committed",
    "rolled_back",
    "unknown",
    "not_started",
    "dry_run",
)


@dataclass(frozen=True)
class Progress:
    """Sent to `on_progress` around each batch. 'committing' is sent inside the open
    transaction, just before COMMIT: if the callback raises, the batch rolls back."""

    action_id: str
    batch: int
    batches: int
    phase: Literal["started", "committing", "committed", "rolled_back", "dry_run"]
    rows_done: int
    rows_total: int


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class BatchReport:
    index: int
    keys: tuple[Any, ...]
    status: BatchStatus
    changed: int = 0
    error: str = ""
    verified_applied: int | None = None
    # Previewed keys of this batch the write's re-check no longer matched (upper bound).
    skipped: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            **pick(self, ("batch", "index"), "status"),
            "rows": len(self.keys),
            **pick(self, "changed", "error", "verified_applied"),
            "skipped_no_longer_matching": self.skipped,
            "keys": [str(k) for k in self.keys],
        }


@dataclass(frozen=True)
class ActionResult:
    action_id: str
    run_id: uuid.UUID
    status: ResultStatus
    message: str
    previewed: int
    changed: int = 0
    would_change: int = 0
    batches: tuple[BatchReport, ...] = ()
    error_kind: str = ""
    blocking: tuple[Holder, ...] = ()
    audit_problems: tuple[str, ...] = ()
    dry_run: bool = False
    # The upper-bound rule (console.recovery.recheck): previewed rows already fixed, left
    # alone; rows that match only since the preview, never touched. `exact` is the old rule.
    skipped_no_longer_matching: int = 0
    new_matches_not_touched: int = 0
    exact: bool = False

    def batches_with(self, status: BatchStatus) -> tuple[int, ...]:
        return tuple(b.index for b in self.batches if b.status == status)

    @property
    def committed_batches(self) -> tuple[int, ...]:
        return self.batches_with("committed")

    @property
    def rolled_back_batches(self) -> tuple[int, ...]:
        return self.batches_with("rolled_back")

    def to_json(self) -> dict[str, Any]:
        return {
            "action_id": self.action_id,
            "run_id": str(self.run_id),
            **pick(self, "status", "message", "previewed", "changed", ("applied", "changed")),
            **pick(self, "skipped_no_longer_matching", "new_matches_not_touched", "exact"),
            **pick(self, "would_change", "dry_run", "error_kind"),
            "blocking": [h.describe() for h in self.blocking],
            "batches": [b.to_json() for b in self.batches],
            "audit_problems": list(self.audit_problems),
        }


def describe_batches(batches: Sequence[BatchReport]) -> str:
    """'batches 1, 2 committed; batch 3 rolled back' — the order is BATCH_STATUSES'."""
    parts: list[str] = []
    for status in BATCH_STATUSES:
        idx = [str(b.index) for b in batches if b.status == status]
        if idx:
            label = status.replace("_", " ")
            parts.append(f"batch{'es' if len(idx) > 1 else ''} {', '.join(idx)} {label}")
    return "; ".join(parts)
