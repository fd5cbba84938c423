"""The traffic generator: a storefront and Stripe, talking to the receiver.

As the storefront it creates orders directly in the database (pending, then
pending_payment with a payment intent id, or left pending for a checkout session). As
Stripe it sends Stripe-shaped events (`evt_…`, `type`, `created`, `livemode: false`,
`data.object` with the `pi_…` id and `metadata.order_id`), signed with the endpoint secret,
at a configurable rate: mostly payments that succeed, some that fail, now and then a
refund or a dispute (never of an order paid_without_payment left without its payment
row: a fault's damage stays until someone repairs it). Like Stripe, it retries a non-2xx
delivery with exponential backoff (scaled down from hours to seconds) and re-signs every
attempt with the time of sending.

Sender-side faults come from the shared `FaultSet`: wrong_secret, clock_skew,
duplicate_deliveries, retry_storm, and the storefront's stuck_orders. With a `ledger`
(`console.sim.stripe_api`) every event sent and every delivery attempt is recorded, so
the simulated Stripe can answer `/v1/events` as the real one would. The events' shape
is `console.sim.stripe_events`; the storefront's database side is `console.sim.shop`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import psycopg

from console.checks.signature import sign
from console.core.service import Service
from console.sim.endpoints import WEBHOOK_PATH
from console.sim.faults import FaultSet
from console.sim.shop import Order, Storefront
from console.sim.stripe_api import EventLedger
from console.sim.stripe_events import encode, make_event


def random_wrong_secret() -> str:
    """wrong_secret without a given secret: one the receiver cannot know."""
    return "whsec_" + secrets.token_hex(16)


@dataclass(frozen=True)
class TrafficConfig:
    rate: float = 2.0  # new events per second
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_factor: float = 2.0
    backoff_cap: float = 8.0
    request_timeout: float = 10.0
    fail_ratio: float = 0.12
    refund_ratio: float = 0.04
    dispute_ratio: float = 0.02
    checkout_ratio: float = 0.15
    storm_burst: int = 25  # redeliveries per second during retry_storm (default)
    seed: int | None = None

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (1-based): base × factor^(n-1), capped."""
        return min(self.backoff_cap, self.backoff_base * self.backoff_factor ** (attempt - 1))


@dataclass
class TrafficStats:
    sent: int = 0
    accepted: int = 0
    rejected: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    redeliveries: int = 0
    gave_up: int = 0
    connection_errors: int = 0
    storefront_errors: int = 0
    events: int = 0
    orders: int = 0
    stuck_orders: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "accepted": self.accepted,
            "rejected": {str(k): v for k, v in sorted(self.rejected.items())},
            "retries": self.retries,
            "redeliveries": self.redeliveries,
            "gave_up": self.gave_up,
            "connection_errors": self.connection_errors,
            "storefront_errors": self.storefront_errors,
            "events": self.events,
            "orders": self.orders,
            "stuck_orders": self.stuck_orders,
        }


class TrafficGenerator(Service):
    """Runs the storefront and the sender until stopped; every piece is also callable."""

    def __init__(
        self,
        url: str,
        dsn: str,
        secret: str,
        faults: FaultSet | None = None,
        config: TrafficConfig | None = None,
        *,
        tolerance_seconds: int = 300,
        allow_remote: bool = False,
        ledger: EventLedger | None = None,
    ) -> None:
        host = urlsplit(url).hostname or ""
        if not allow_remote and host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(
                f"the traffic generator only sends to a local receiver, not {host or url!r} "
                "(pass allow_remote=True to send test traffic elsewhere)"
            )
        self.url = url.rstrip("/")
        self.dsn = dsn
        self.secret = secret
        self.faults = faults or FaultSet()
        self.config = config or TrafficConfig()
        self.tolerance_seconds = tolerance_seconds
        self.ledger = ledger
        self.stats = TrafficStats()
        self._random = random.Random(self.config.seed)
        self._session: aiohttp.ClientSession | None = None
        self._shop = Storefront(dsn, self._random)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[Any]] = []
        self._paid: deque[Order] = deque(maxlen=500)
        self._awaiting_payment: deque[Order] = deque(maxlen=500)
        self._recent: deque[dict[str, Any]] = deque(maxlen=200)
        self._wrong_secret: str | None = None

    # ---- life cycle ---------------------------------------------------------------------

    async def open(self) -> None:
        """Connect the storefront to the database and the sender to the receiver."""
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self.config.request_timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        await self._shop.open()

    async def start(self) -> None:
        """Open, then run the event loop and the once-a-second fault loop in the background."""
        await self.open()
        self._loops = [
            asyncio.ensure_future(self._run_events()),
            asyncio.ensure_future(self._run_faults()),
        ]

    async def stop(self, drain_seconds: float = 0.0) -> None:
        """Stop generating; let deliveries in flight finish for up to `drain_seconds`, cancel
        the rest; close the connections."""
        for task in self._loops:
            task.cancel()
        if drain_seconds > 0:
            await self.drain(drain_seconds)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._loops, *self._tasks, return_exceptions=True)
        self._loops.clear()
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self._shop.close()

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for the deliveries in flight (and their retries) to finish."""
        deadline = time.monotonic() + timeout
        while self._tasks and time.monotonic() < deadline:
            await asyncio.wait(set(self._tasks), timeout=deadline - time.monotonic())

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run_events(self) -> None:
        interval = 1.0 / max(self.config.rate, 0.01)
        next_at = time.monotonic()
        while True:
            try:
                await self.tick()
            except (psycopg.Error, OSError):
                # The storefront's database is down too: count it, retry on the next tick.
                self.stats.storefront_errors += 1
                await self._reconnect()
            next_at = max(next_at + interval, time.monotonic() - interval)
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def _run_faults(self) -> None:
        stuck_credit = 0.0
        while True:
            started = time.monotonic()
            stuck = self.faults.get("stuck_orders")
            if stuck:
                stuck_credit += float(stuck["per_second"])
                count, stuck_credit = int(stuck_credit), stuck_credit - int(stuck_credit)
                try:
                    await self.abandon_orders(count, float(stuck["age_seconds"]))
                except (psycopg.Error, OSError):
                    self.stats.storefront_errors += 1
            if stuck and not self._shop.connected:
                await self._reconnect()
            storm = self.faults.get("retry_storm")
            if storm:
                burst = storm.get("burst")
                self.storm(int(burst) if burst is not None else self.config.storm_burst)
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))

    async def _reconnect(self) -> None:
        await self._shop.drop()
        with contextlib.suppress(psycopg.Error, OSError):
            await self.open()

    # ---- the storefront -----------------------------------------------------------------

    async def create_order(self, *, checkout: bool = False) -> Order:
        """A new order: pending, then (unless a checkout session will) pending_payment."""
        order = await self._shop.create_order(checkout=checkout)
        self.stats.orders += 1
        return order

    async def abandon_orders(self, count: int, age_seconds: float) -> int:
        """stuck_orders: checkouts left in pending / pending_payment, backdated."""
        if count <= 0:
            return 0
        made = await self._shop.abandon_orders(count, age_seconds)
        self.stats.stuck_orders += made
        return made

    # ---- the sender ---------------------------------------------------------------------

    def clock(self) -> float:
        """The sender's clock: real time, unless clock_skew is on."""
        skew = self.faults.get("clock_skew")
        if not skew:
            return time.time()
        seconds = skew.get("seconds")
        offset = float(seconds) if seconds is not None else -(self.tolerance_seconds + 120.0)
        return time.time() + offset

    def signing_secret(self) -> str:
        wrong = self.faults.get("wrong_secret")
        if not wrong:
            self._wrong_secret = None
            return self.secret
        if wrong.get("secret"):
            return str(wrong["secret"])
        if self._wrong_secret is None:
            self._wrong_secret = random_wrong_secret()
        return self._wrong_secret

    async def tick(self) -> dict[str, Any]:
        """One new event: pick what happens next in the shop, send it (in the background)."""
        roll = self._random.random()
        c = self.config
        if self._awaiting_payment:
            order = self._awaiting_payment.popleft()
            event_type = "payment_intent.succeeded"
        elif roll < c.refund_ratio + c.dispute_ratio and (settled := await self._take_settled()):
            order = settled
            event_type = "charge.refunded" if roll < c.refund_ratio else "charge.dispute.created"
        elif roll < c.refund_ratio + c.dispute_ratio + c.checkout_ratio:
            order = await self.create_order(checkout=True)
            event_type = "checkout.session.completed"
        else:
            order = await self.create_order()
            failed = self._random.random() < c.fail_ratio
            event_type = "payment_intent.payment_failed" if failed else "payment_intent.succeeded"
        event = make_event(
            event_type,
            order_id=order.id,
            payment_intent=order.payment_intent,
            amount_cents=order.amount_cents,
            created=self.clock(),
        )
        self.stats.events += 1
        self._spawn(self._deliver_and_follow(event, order))
        return event

    async def _take_settled(self) -> Order | None:
        """The oldest paid order with its payment recorded, taken off the paid list.

        Orders paid_without_payment damaged stay on it, untouched: a refund or dispute
        would move them out of 'paid' and so hide the damage from a drill left alone.
        """
        if not self._paid:
            return None
        damaged = await self._shop.without_payment([order.id for order in self._paid])
        for order in self._paid:
            if order.id not in damaged:
                self._paid.remove(order)
                return order
        return None

    async def _deliver_and_follow(self, event: dict[str, Any], order: Order) -> None:
        if await self.deliver(event):
            if event["type"] == "payment_intent.succeeded":
                self._paid.append(order)
            elif event["type"] == "checkout.session.completed":
                self._awaiting_payment.append(order)

    async def deliver(self, event: dict[str, Any]) -> bool:
        """Deliver one event like Stripe: retry non-2xx with backoff; True once accepted."""
        body = encode(event)
        self._recent.append(event)
        if self.ledger is not None:
            self.ledger.record(event)
        duplicate = self.faults.get("duplicate_deliveries")
        copies = 1
        if duplicate and self._random.random() < float(duplicate["ratio"]):
            copies = max(1, int(duplicate["copies"]))
        for attempt in range(self.config.max_attempts):
            if attempt:
                self.stats.retries += 1
                await asyncio.sleep(self.config.backoff(attempt))
            sends = copies if attempt == 0 else 1
            statuses = await asyncio.gather(*(self.post(body) for _ in range(sends)))
            self._attempted(event, statuses)
            if any(200 <= s < 300 for s in statuses):
                return True
        self.stats.gave_up += 1
        return False

    async def post(self, body: bytes, *, secret: str | None = None) -> int:
        """One signed POST, signed at the sender's clock; the status (0: no connection)."""
        assert self._session is not None, "call open() first"
        header = sign(body, secret or self.signing_secret(), int(self.clock()))
        self.stats.sent += 1
        try:
            async with self._session.post(
                self.url + WEBHOOK_PATH,
                data=body,
                headers={"Content-Type": "application/json", "Stripe-Signature": header},
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            self.stats.connection_errors += 1
            self.stats.rejected[0] += 1
            return 0
        if 200 <= status < 300:
            self.stats.accepted += 1
        else:
            self.stats.rejected[status] += 1
        return status

    def storm(self, burst: int) -> int:
        """retry_storm: redeliver `burst` recent events at once (no backoff, no retries)."""
        if not self._recent:
            return 0
        picks = [self._random.choice(self._recent) for _ in range(burst)]
        for event in picks:
            self.stats.redeliveries += 1
            self._spawn(self._redeliver(event))
        return len(picks)

    async def _redeliver(self, event: dict[str, Any]) -> int:
        status = await self.post(encode(event))
        self._attempted(event, [status])
        return status

    def _attempted(self, event: dict[str, Any], statuses: list[int]) -> None:
        if self.ledger is not None:
            for status in statuses:
                self.ledger.attempt(event["id"], status)
