"""The receiver's URL paths, shared by the receiver, the sender and the fault toggle."""

from __future__ import annotations

WEBHOOK_PATH = "/api/webhooks/stripe"
HEALTH_WEBHOOK_PATH = "/api/health/webhook"
HEALTH_DATABASE_PATH = "/api/health/database"
FAULTS_PATH = "/_sim/faults"
REPROCESS_PATH = "/_sim/reprocess"
STATS_PATH = "/_sim/stats"
