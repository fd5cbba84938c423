"""The preview of a redelivery: which events, at what rate, to where, and the token.

Like every recovery action: the preview lists the exact event ids, the operator types
their number to confirm (no default, Enter-spam types nothing), and a preview left open
too long expires. Only missing and failed events are planned; unprocessed ones are
left out (a redelivery is acknowledged as "already queued" and changes nothing), and
so are events older than the receiver's MAX_EVENT_AGE_SECONDS, which it would refuse as
"Event too old" — both are counted and said. The rate is capped at half the receiver's
rate limit, leaving the other half for live traffic.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from console.core.config import Settings
from console.stripe.reconcile import Reconciliation, SortedEvent

ACTION_ID = "redeliver_stripe_events"
TITLE = "Redeliver Stripe events to the webhook endpoint"
DEFAULT_RATE = 5.0  # events per second, before the cap
RATE_SHARE = 0.5  # of the receiver's limit
DEFAULT_TTL_SECONDS = 120.0
SAMPLE = 20


class RedeliveryRefused(Exception):
    """Nothing was sent: the token, the preview's age, the configuration or the audit said
    no. `message` is one line; `hint` what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)

    def line(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


def receiver_rate_limit(settings: Settings) -> float:
    """The receiver's limit in events per second (RATE_LIMIT_MAX_EVENTS per window)."""
    return settings.rate_limit_max_events / max(settings.rate_limit_window_ms / 1000, 0.001)


@dataclass(frozen=True)
class RedeliveryPlan:
    """What a redelivery would send; the only thing `apply_redelivery` accepts."""

    plan_id: uuid.UUID
    events: tuple[SortedEvent, ...]
    token: str
    webhook_url: str
    rate_per_second: float
    created_at: datetime
    expires_at: datetime
    deadline: float  # time.monotonic(): wall clocks jump, this does not
    excluded: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    live: bool = False
    window: Mapping[str, Any] = field(default_factory=dict)

    action_id = ACTION_ID

    @property
    def event_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.events)

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def nothing_to_do(self) -> bool:
        return not self.events

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def estimated_seconds(self) -> float:
        return self.count / self.rate_per_second if self.rate_per_second else 0.0

    def describe(self) -> str:
        if self.nothing_to_do:
            return f"{TITLE}: nothing to do (no missing or failed events in the window)"
        return (
            f"{TITLE}: {self.count} events to {self.webhook_url} at ≤ "
            f"{self.rate_per_second:g}/s (about {self.estimated_seconds():.0f} s)"
        )

    def token_prompt(self) -> str:
        if self.nothing_to_do:
            return f"type {self.token} to confirm"
        return f"type {self.token} (the number of events previewed) to confirm"

    def to_json(self) -> dict[str, Any]:
        return {
            "plan_id": str(self.plan_id),
            "action_id": ACTION_ID,
            "summary": self.describe(),
            "count": self.count,
            "keys": list(self.event_ids),
            "sample": [e.to_json() for e in self.events[:SAMPLE]],
            "by_class": {
                k: sum(1 for e in self.events if e.klass == k) for k in ("missing", "failed")
            },
            "webhook_url": self.webhook_url,
            "rate_per_second": self.rate_per_second,
            "excluded": dict(self.excluded),
            "confirm": self.token_prompt(),
            "nothing_to_do": self.nothing_to_do,
            "live": self.live,
            "notes": list(self.notes),
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }


def plan_redelivery(
    reconciliation: Reconciliation,
    settings: Settings,
    *,
    rate_per_second: float | None = None,
    include_old: bool = False,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
    now: float | None = None,
) -> RedeliveryPlan:
    """Preview the redelivery of the reconciliation's missing and failed events."""
    if not settings.webhook_url:
        raise RedeliveryRefused(
            "WEBHOOK_URL is not set: there is no endpoint to redeliver to",
            "set WEBHOOK_URL to the endpoint Stripe delivers to",
        )
    if not settings.webhook_secrets():
        raise RedeliveryRefused(
            "STRIPE_WEBHOOK_SECRET is not set: redeliveries could not be signed",
            "set it to the endpoint's signing secret (whsec_…)",
        )
    current = time.time() if now is None else now
    notes: list[str] = []
    cap = receiver_rate_limit(settings) * RATE_SHARE
    wanted = rate_per_second or DEFAULT_RATE
    rate = round(min(wanted, cap), 3)
    if wanted > cap:
        notes.append(
            f"rate capped at {rate:g}/s: half the receiver's limit of "
            f"{settings.rate_limit_max_events} per {settings.rate_limit_window_ms / 1000:g} s, "
            "leaving room for live traffic"
        )
    chosen = list(reconciliation.redeliverable())
    excluded: dict[str, int] = {"unprocessed": reconciliation.count("unprocessed")}
    if excluded["unprocessed"]:
        notes.append(
            f"{excluded['unprocessed']} unprocessed events are left out: they are recorded and "
            "queued, a redelivery would change nothing (see processing_down)"
        )
    oldest_ok = current - settings.max_event_age_seconds + ttl_seconds + 60
    too_old = [e for e in chosen if e.created < oldest_ok]
    excluded["too_old"] = 0 if include_old else len(too_old)
    if too_old and not include_old:
        chosen = [e for e in chosen if e.created >= oldest_ok]
        notes.append(
            f"{len(too_old)} events are older than MAX_EVENT_AGE_SECONDS "
            f"({settings.max_event_age_seconds} s): the receiver would refuse them as 'Event "
            "too old' (a Stripe resend keeps the original time too). Raise the receiver's "
            "limit for the redelivery and pass --include-old"
        )
    if not reconciliation.complete:
        notes.append("the Stripe listing was incomplete: run again afterwards for the rest")
    token = str(len(chosen)) if chosen else ACTION_ID
    stamp = datetime.fromtimestamp(current, UTC)
    return RedeliveryPlan(
        plan_id=uuid.uuid4(),
        events=tuple(chosen),
        token=token,
        webhook_url=settings.webhook_url,
        rate_per_second=rate,
        created_at=stamp,
        expires_at=stamp + timedelta(seconds=ttl_seconds),
        deadline=time.monotonic() + ttl_seconds,
        excluded=excluded,
        notes=tuple(notes),
        live=reconciliation.mode == "live",
        window=reconciliation.window.to_json(),
    )


def resend_commands(
    event_ids: Sequence[str], *, webhook_endpoint: str | None = None, live: bool = False
) -> list[str]:
    """The Stripe CLI commands that have Stripe itself resend each event, oldest first."""
    endpoint = webhook_endpoint or "we_YOUR_ENDPOINT_ID"
    suffix = " --live" if live else ""
    return [f"stripe events resend {i} --webhook-endpoint={endpoint}{suffix}" for i in event_ids]
