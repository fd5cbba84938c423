"""The reference webhook receiver: what the guide's handler does, as an aiohttp service.

`POST /api/webhooks/stripe` verifies the signature (explicit tolerance), checks the
event's age and an in-memory rate limit, then records and processes the event against
the guide's tables, answering with the codes of the guide's Appendix A. Every delivery
that names an event is recorded in `webhook_events` (one row per event_id: a redelivery
of a rejected or failed event updates that row's retry_count and error instead of adding
one), and every delivery gets a line in the service log.

- config.py   ReceiverConfig (the URL paths are in console.sim.endpoints);
- gate.py     the checks before anything is written (signature, age, rate limit);
- store.py    what happens in the tables (EventStore);
- log.py      the delivery log;
- routes.py   health endpoints and the loopback-only admin API (`/_sim/…`);
- service.py  WebhookReceiver: the pool, the life cycle, the webhook, the connection hog.
"""

from __future__ import annotations

from console.sim.endpoints import (
    FAULTS_PATH,
    HEALTH_DATABASE_PATH,
    HEALTH_WEBHOOK_PATH,
    WEBHOOK_PATH,
)
from console.sim.receiver.config import ReceiverConfig
from console.sim.receiver.service import WebhookReceiver

__all__ = [
    "FAULTS_PATH",
    "HEALTH_DATABASE_PATH",
    "HEALTH_WEBHOOK_PATH",
    "WEBHOOK_PATH",
    "ReceiverConfig",
    "WebhookReceiver",
]
