"""The missing unique index on webhook_events(event_id), built CONCURRENTLY."""

from __future__ import annotations

from console.recovery.model import ActionSpec, make_spec

SPECS: tuple[ActionSpec, ...] = (
    make_spec(
        id="create_event_id_unique_index",
        title="Create the missing unique index on event_id",
        description=(
            "Builds a unique index on webhook_events(event_id) CONCURRENTLY (writers are "
            "not blocked; it cannot run inside a transaction), so a duplicate delivery "
            "fails at INSERT instead of being processed twice. The guide has no such "
            "constraint. The preview lists the duplicated event_ids that would make the "
            "build fail; resolve them first. A failed earlier build leaves an invalid "
            "index, which is dropped before building again."
        ),
        preview="recovery/create_event_id_unique_index_preview",
        apply="recovery/create_event_id_unique_index",
        verify="diagnostics/event_id_unique_index",
        key="blocker",
        kind="index",
        lock_table="webhook_events",
        findings=("idempotency_conflicts",),
        statement_timeout_ms=30 * 60 * 1000,
    ),
)
