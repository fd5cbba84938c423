"""The simulated live system: receiver + traffic + faults, started and stopped as one.

`incident-console demo` and training run this on top of the embedded database and the
generated history:

    async with LiveSystem(dsn) as live:
        live.faults.enable("wrong_secret")
        ... live.url, live.stats(), live.settings (what the console should be told)

The receiver listens on 127.0.0.1 on a free port, and so does the simulated Stripe API
(`live.stripe`): every event the traffic sends, with its delivery attempts, behind
`/v1/events`, which the console reads with the demo's restricted key. Stopping cancels
every task it started, releases hogged sessions and closes both pools, so nothing
outlives the block.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from console.core.config import Secret, Settings
from console.core.service import Service
from console.sim.endpoints import HEALTH_DATABASE_PATH, HEALTH_WEBHOOK_PATH, WEBHOOK_PATH
from console.sim.faults import FaultSet
from console.sim.receiver import ReceiverConfig, WebhookReceiver
from console.sim.stripe_api import DEMO_RESTRICTED_KEY, EventLedger, StripeApi
from console.sim.traffic import TrafficConfig, TrafficGenerator

# A fixed, obviously-fake test-mode secret, so docs and training can name it.
DEMO_WEBHOOK_SECRET = "whsec_" + hashlib.sha256(b"incident-console demo").hexdigest()[:32]

DEMO_STRIPE_THRESHOLDS = {"stripe_poll_seconds": 10.0, "undelivered_grace_seconds": 15.0}

# The demo's rate limit: far above normal traffic, far below a retry storm.
DEMO_RATE_LIMIT_MAX_EVENTS = 600


def demo_settings(base: Settings | None = None, rate: float = 2.0) -> Settings:
    """Settings for the demo world: the demo secret unless one is configured, and a rate
    limit that healthy traffic at `rate` events/s never trips (only a retry storm does)."""
    settings = base or Settings()
    if not settings.stripe_webhook_secret:
        settings = replace(settings, stripe_webhook_secret=Secret(DEMO_WEBHOOK_SECRET))
    window_s = settings.rate_limit_window_ms / 1000
    roomy = max(DEMO_RATE_LIMIT_MAX_EVENTS * window_s / 60, 3 * rate * window_s)
    if settings.rate_limit_max_events < roomy:
        settings = replace(settings, rate_limit_max_events=math.ceil(roomy))
    return settings


class LiveSystem(Service):
    """Receiver, traffic generator and faults around one database; an async context."""

    def __init__(
        self,
        dsn: str,
        settings: Settings | None = None,
        *,
        rate: float = 2.0,
        faults: FaultSet | None = None,
        log_path: str | Path | None = None,
        traffic: bool = True,
        traffic_config: TrafficConfig | None = None,
        receiver_overrides: dict[str, Any] | None = None,
        seed: int | None = None,
    ) -> None:
        self.dsn = dsn
        self.faults = faults or FaultSet()
        self._base_settings = demo_settings(settings, rate)
        self._temp_dir: Path | None = None
        if log_path is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="ic-webhook-"))
            log_path = self._temp_dir / "webhook.log"
        self.log_path = Path(log_path)
        secrets = self._base_settings.webhook_secrets()
        window_s = self._base_settings.rate_limit_window_ms / 1000
        storm = max(25, math.ceil(2 * self._base_settings.rate_limit_max_events / window_s))
        self.traffic_config = traffic_config or TrafficConfig(
            rate=rate, seed=seed, storm_burst=storm
        )
        config = ReceiverConfig.from_settings(
            self._base_settings, log_path=self.log_path, seed=seed
        )
        if receiver_overrides:
            config = replace(config, **receiver_overrides)
        self.receiver = WebhookReceiver(dsn, config, self.faults)
        self.stripe = StripeApi(EventLedger())
        self._signing_secret = secrets[0].reveal()
        self._run_traffic = traffic
        self.traffic: TrafficGenerator | None = None
        self._started = False

    @property
    def url(self) -> str:
        return self.receiver.url

    @property
    def settings(self) -> Settings:
        """The settings a console watching this system should use (URLs, secret, log, and
        the simulated Stripe with the demo's restricted key, whatever key is configured)."""
        if not self._started:
            return self._base_settings
        return replace(
            self._base_settings,
            database_url=self._base_settings.database_url or self.dsn,
            stripe_secret_key=Secret(DEMO_RESTRICTED_KEY),
            stripe_api_base=self.stripe.url,
            # the demo's Stripe is local and cheap to ask: every 10 s, not every 2 min
            thresholds={**DEMO_STRIPE_THRESHOLDS, **self._base_settings.thresholds},
            webhook_url=self.url + WEBHOOK_PATH,
            health_webhook_url=self.url + HEALTH_WEBHOOK_PATH,
            health_database_url=self.url + HEALTH_DATABASE_PATH,
            log_sources={**self._base_settings.log_sources, "webhook": str(self.log_path)},
        )

    async def start(self) -> None:
        try:
            await self.receiver.start()
            await self.stripe.start()
            self.traffic = TrafficGenerator(
                self.receiver.url,
                self.dsn,
                self._signing_secret,
                self.faults,
                self.traffic_config,
                tolerance_seconds=self._base_settings.webhook_tolerance_seconds,
                ledger=self.stripe.ledger,
            )
            if self._run_traffic:
                await self.traffic.start()
            else:
                await self.traffic.open()
        except BaseException:
            await self.stop()
            raise
        self._started = True

    async def stop(self) -> None:
        """Traffic first (no new deliveries), then the receiver; then the temporary log dir."""
        if self.traffic is not None:
            await self.traffic.stop()
        await self.stripe.stop()
        await self.receiver.stop()
        self._started = False
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def stats(self) -> dict[str, Any]:
        """Deliveries sent, accepted, rejected by status, retries; and the receiver's view."""
        sender = self.traffic.stats.as_dict() if self.traffic else {}
        return {
            "deliveries_sent": sender.get("sent", 0),
            "accepted": sender.get("accepted", 0),
            "rejected": sender.get("rejected", {}),
            "retries": sender.get("retries", 0),
            "redeliveries": sender.get("redeliveries", 0),
            "gave_up": sender.get("gave_up", 0),
            "events": sender.get("events", 0),
            "orders": sender.get("orders", 0),
            "stuck_orders": sender.get("stuck_orders", 0),
            "receiver": self.receiver.snapshot_stats(),
            "stripe": {
                "events": len(self.stripe.ledger),
                "undelivered": len(self.stripe.ledger.undelivered()),
            },
            "faults": sorted(self.faults.active()),
        }
