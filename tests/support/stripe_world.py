"""Helpers for the Stripe-side tests: a ledger of events, the local Stripe API, and a
receiver to deliver to, all real HTTP."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from console.core.config import Secret, Settings
from console.sim.faults import FaultSet
from console.sim.receiver import WEBHOOK_PATH, ReceiverConfig, WebhookReceiver
from console.sim.stripe_api import DEMO_RESTRICTED_KEY, EventLedger, StripeApi
from console.sim.traffic import make_event
from console.stripe.client import RetryPolicy, StripeEvents
from support.sim_helpers import SECRET, create_order, event_for, post

TYPES = ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded")


def fill_ledger(
    ledger: EventLedger,
    count: int,
    *,
    types: Iterable[str] = TYPES,
    start: float | None = None,
    step: float = 1.0,
    delivered_every: int = 0,
) -> list[dict[str, Any]]:
    """`count` events, one `step` seconds apart from `start` (default: count*step ago),
    cycling through `types`; every `delivered_every`-th gets a 200 attempt."""
    kinds = list(types)
    first = time.time() - count * step - 5 if start is None else start
    events = []
    for n in range(count):
        event = make_event(
            kinds[n % len(kinds)],
            order_id=n + 1,
            payment_intent=f"pi_test{n:06d}",
            amount_cents=1_000 + n,
            created=first + n * step,
        )
        ledger.record(event)
        if delivered_every and n % delivered_every == 0:
            ledger.attempt(event["id"], 200)
        else:
            ledger.attempt(event["id"], 0)
        events.append(event)
    return events


# ---- a whole Stripe side: ledger + local API + the reference receiver ---------------------


FAST_RETRY = RetryPolicy(attempts=3, base_seconds=0.02, cap_seconds=0.2)
WORLD_RATE_LIMIT = 6_000  # per minute: far above what a test sends


@dataclass
class StripeWorld:
    """Stripe (ledger + API) and the endpoint it delivers to, around one database."""

    dsn: str
    api: StripeApi
    receiver: WebhookReceiver
    faults: FaultSet
    tmp: Any
    sent: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ledger(self) -> EventLedger:
        return self.api.ledger

    def settings(self, **overrides: Any) -> Settings:
        base = Settings(
            database_url=self.dsn,
            stripe_secret_key=Secret(DEMO_RESTRICTED_KEY),
            stripe_api_base=self.api.url,
            stripe_webhook_secret=Secret(SECRET),
            webhook_url=self.receiver.url + WEBHOOK_PATH,
            rate_limit_max_events=WORLD_RATE_LIMIT,
        )
        return replace(base, **overrides)

    def events_api(self, settings: Settings | None = None) -> StripeEvents:
        return StripeEvents.from_settings(settings or self.settings(), retry=FAST_RETRY)

    def new_event(self, event_type: str = "payment_intent.succeeded", **kw: Any) -> dict[str, Any]:
        order = create_order(self.dsn)
        return event_for(event_type, order, **kw)

    async def send(self, event: dict[str, Any], *, secret: str = SECRET) -> int:
        """Stripe creates the event and delivers it once."""
        self.ledger.record(event)
        status, _ = await post(self.receiver.url, event, secret=secret)
        self.ledger.attempt(event["id"], status)
        self.sent.append(event)
        return status

    def miss(self, event: dict[str, Any]) -> None:
        """Stripe creates the event; the endpoint is unreachable."""
        self.ledger.record(event)
        self.ledger.attempt(event["id"], 0)
        self.sent.append(event)


@pytest.fixture
async def stripe_world(db: Any, tmp_path: Any) -> AsyncIterator[StripeWorld]:
    faults = FaultSet()
    config = ReceiverConfig(
        secrets=(SECRET,),
        pool_timeout_seconds=1.0,
        log_path=tmp_path / "webhook.log",
        rate_limit_max_events=WORLD_RATE_LIMIT,
        seed=7,
    )
    receiver = WebhookReceiver(db.dsn, config, faults)
    api = StripeApi()
    await receiver.start()
    await api.start()
    try:
        yield StripeWorld(db.dsn, api, receiver, faults, tmp_path)
    finally:
        with contextlib.suppress(Exception):
            await api.stop()
        await receiver.stop()


@pytest.fixture
def cli_env(stripe_world: StripeWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """The environment `incident-console` reads, pointed at this world's Stripe and receiver."""
    settings = stripe_world.settings()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("INCIDENT_CONSOLE_CONFIG", raising=False)
    monkeypatch.setenv("STRIPE_SECRET_KEY", settings.stripe_secret_key.reveal())  # type: ignore[union-attr]
    monkeypatch.setenv("STRIPE_API_BASE", stripe_world.api.url)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("WEBHOOK_URL", settings.webhook_url or "")
    monkeypatch.setenv("RATE_LIMIT_MAX_EVENTS", str(settings.rate_limit_max_events))
