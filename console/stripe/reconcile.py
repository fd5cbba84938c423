"""Sort the window's Stripe events against `webhook_events`, by event_id.

Four classes, each with what it means to the operator:
- missing: Stripe has it, the database has no row (endpoint down, refused before the
  row was written, lost on the way) — redeliver it;
- failed: a row with an error and no processed_at — redeliver once the cause is fixed
  (the receiver retries the same row);
- unprocessed: a row without error, not processed — queued or stuck: a redelivery is
  acknowledged and changes nothing; the processor is the problem;
- processed: nothing to do.

An event with several copies counts as processed when any copy was. The database side is
one read-only query (`sql/stripe/events_by_event_id.sql`) with the ids as an array
parameter, in chunks.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from console.stripe.client import Listing, StripeEvent, StripeEvents
from console.stripe.window import Window

EventClass = Literal["missing", "failed", "unprocessed", "processed"]
CLASSES: tuple[EventClass, ...] = ("missing", "failed", "unprocessed", "processed")
REDELIVERABLE: tuple[EventClass, ...] = ("missing", "failed")
QUERY = "stripe/events_by_event_id"
CHUNK = 5_000
SAMPLE = 10
# Rows are stamped when received; allow for a sender clock far ahead of the database's.
RECEIPT_SLACK = timedelta(days=1)

MEANINGS: dict[EventClass, str] = {
    "missing": "Stripe holds these events but webhook_events has no row: the endpoint was "
    "down or unreachable, or refused them before recording. Redeliver them (or have "
    "Stripe resend them).",
    "failed": "recorded with an error and never processed (signature, age, rate limit, "
    "state transition …). Fix the cause, then redeliver: the receiver retries the same row.",
    "unprocessed": "recorded without an error but not processed: queued or stuck in "
    "processing. A redelivery is acknowledged and changes nothing; look at the processor "
    "(processing_down).",
    "processed": "in the database and processed: nothing to do.",
}


@dataclass(frozen=True)
class SortedEvent:
    """A Stripe event and what the database holds for it."""

    id: str
    type: str
    created: int
    klass: EventClass
    pending_webhooks: int | None = None
    copies: int = 0
    last_error: str | None = None
    retry_count: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "created": datetime.fromtimestamp(self.created, UTC).isoformat(),
            "pending_webhooks": self.pending_webhooks,
            "copies": self.copies,
            "last_error": self.last_error,
            "retry_count": self.retry_count,
        }


@dataclass(frozen=True)
class Reconciliation:
    """The window's events by class, and how complete the picture is."""

    window: Window
    events: tuple[SortedEvent, ...]
    listing: Listing
    key: str
    mode: str
    api_base: str
    notes: tuple[str, ...] = ()
    by_class: Mapping[str, tuple[SortedEvent, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, events: Sequence[SortedEvent], **kwargs: Any) -> Reconciliation:
        groups = {k: tuple(e for e in events if e.klass == k) for k in CLASSES}
        return cls(events=tuple(events), by_class=groups, **kwargs)

    @property
    def complete(self) -> bool:
        return self.listing.complete

    def count(self, klass: EventClass) -> int:
        return len(self.by_class.get(klass, ()))

    def counts(self) -> dict[str, int]:
        return {k: self.count(k) for k in CLASSES}

    def by_type(self) -> dict[str, dict[str, int]]:
        table: dict[str, Counter[str]] = {}
        for event in self.events:
            table.setdefault(event.type, Counter())[event.klass] += 1
        return {t: {k: c[k] for k in CLASSES} for t, c in sorted(table.items())}

    def redeliverable(self) -> tuple[SortedEvent, ...]:
        """Missing and failed events, oldest first (the order they happened in). Stripe
        lists newest first, so within one second the reversed listing order is kept."""
        chosen = [e for e in reversed(self.events) if e.klass in REDELIVERABLE]
        return tuple(sorted(chosen, key=lambda e: e.created))

    def needs_attention(self) -> bool:
        return any(self.count(k) for k in ("missing", "failed"))

    def to_json(self, sample: int = SAMPLE) -> dict[str, Any]:
        classes = {}
        for klass in CLASSES:
            members = self.by_class.get(klass, ())
            types = Counter(e.type for e in members)
            newest = sorted(members, key=lambda e: (e.created, e.id), reverse=True)
            classes[klass] = {
                "count": len(members),
                "meaning": MEANINGS[klass],
                "by_type": dict(sorted(types.items())),
                "sample": [e.to_json() for e in newest[:sample]],
            }
        return {
            "window": self.window.to_json(),
            "stripe": {
                "key": self.key,
                "mode": self.mode,
                "api_base": self.api_base,
                "events": len(self.events),
                "pages": self.listing.pages,
                "retries": self.listing.retries,
                "complete": self.listing.complete,
                "problem": self.listing.problem.to_json() if self.listing.problem else None,
                "filters": {
                    "types": list(self.listing.filters.get("types") or []),
                    "delivery_success": self.listing.filters.get("delivery_success"),
                },
            },
            "counts": self.counts(),
            "by_type": self.by_type(),
            "classes": classes,
            "redeliverable": len(self.redeliverable()),
            "notes": list(self.notes),
        }


def classify(event: StripeEvent, row: Mapping[str, Any] | None) -> SortedEvent:
    """One event's class from its database summary row (None: no row at all)."""
    if row is None:
        return SortedEvent(event.id, event.type, event.created, "missing", event.pending_webhooks)
    klass: EventClass
    if int(row.get("processed_copies") or 0) > 0:
        klass = "processed"
    elif row.get("failed"):
        klass = "failed"
    else:
        klass = "unprocessed"
    retry = row.get("retry_count")
    return SortedEvent(
        event.id,
        event.type,
        event.created,
        klass,
        event.pending_webhooks,
        copies=int(row.get("copies") or 0),
        last_error=row.get("last_error"),
        retry_count=int(retry) if retry is not None else None,
    )


async def database_rows(
    conn: Any, event_ids: Iterable[str], received_after: datetime
) -> dict[str, dict[str, Any]]:
    """The summary row of each id the database knows, keyed by event_id (read-only)."""
    from console.queries.runner import run_query

    ids = list(dict.fromkeys(event_ids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = await run_query(
            conn, QUERY, {"ids": ids[start : start + CHUNK], "received_after": received_after}
        )
        found.update({str(r["event_id"]): r for r in rows})
    return found


async def sort_listing(
    conn: Any, listing: Listing, window: Window, events_api: StripeEvents, notes: Sequence[str] = ()
) -> Reconciliation:
    """Classify a listing against the database."""
    rows = await database_rows(conn, (e.id for e in listing.events), window.start - RECEIPT_SLACK)
    sorted_events = [classify(e, rows.get(e.id)) for e in listing.events]
    all_notes = [*window.notes, *events_api.key_info.notes(), *notes]
    if listing.filters.get("delivery_success") is False:
        all_notes.append(
            "only events Stripe could not deliver were listed (delivery_success=false): an "
            "event Stripe delivered and the database then lost is not counted"
        )
    if listing.problem is not None:
        all_notes.append(f"incomplete: {listing.problem.line()}")
    return Reconciliation.build(
        sorted_events,
        window=window,
        listing=listing,
        key=events_api.key_info.masked,
        mode=events_api.key_info.mode,
        api_base=events_api.api_base,
        notes=tuple(all_notes),
    )


async def reconcile(
    conn: Any,
    events_api: StripeEvents,
    window: Window,
    *,
    types: Sequence[str] = (),
    delivery_success: bool | None = None,
) -> Reconciliation:
    """List the window's events from Stripe (in a thread: stripe-python is synchronous)
    and sort them against the database. Raises StripeProblem when Stripe cannot list."""
    listing = await asyncio.to_thread(
        events_api.list_events, window, types=types, delivery_success=delivery_success
    )
    return await sort_listing(conn, listing, window, events_api)
