"""What triage hands out: a Finding per detector that fired, and the guide's words for each.

The finding ids are a fixed contract (DESIGN.md): the `check --json` document, the
checklists and the runbooks all key on them. GUIDE_ITEMS maps each id to the guide's
Quick Reference item, so a checklist can light the item a finding belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from console.core.jsonable import jsonable, pick
from console.recording.finding import ShownFinding

SEVERITIES = ("P0", "P1", "P2")

# Each finding id and the guide's words for it (Quick Reference, Issue 6, Data Consistency),
# so a checklist can light the item a finding belongs to.
GUIDE_ITEMS: dict[str, str] = {
    "processing_down": "Webhook processing completely down",
    "payments_not_processing": "Payment events not processing",
    "security_anomaly": "Security vulnerabilities detected",
    "db_connection_failure": "Database connection failures",
    "high_error_rate": "High error rates (>5%)",
    "processing_delay": "Processing delays (>10 seconds)",
    "signature_failures": "Signature validation failures",
    "idempotency_conflicts": "Idempotency conflicts",
    "stuck_orders": "Orders stuck in incorrect states (Issue 6)",
    "inconsistent_orders": "Inconsistent order states (Data Consistency)",
    "rate_limiting": "Rate limiting triggered",
    "event_age_failures": "Event age validation failures",
    "notification_failures": "Notification delivery issues",
    "performance_degradation": "Performance degradation",
    "undelivered_events": "Stripe dashboard showing failed deliveries",
}

# The findings beyond the Quick Reference open the guide sections that treat them (Stripe's
# undelivered events: Data Recovery, which starts from the events to retry);
# every other finding has a runbook of its own name (console/runbooks/<id>.toml).
RUNBOOK_FOR_FINDING: dict[str, str] = {
    "stuck_orders": "issue_state_transitions",
    "inconsistent_orders": "advanced_data_consistency",
    "undelivered_events": "recovery_data",
}


def runbook_for(finding_id: str) -> str:
    """The runbook id a finding points the operator to."""
    return RUNBOOK_FOR_FINDING.get(finding_id, finding_id)


@dataclass(frozen=True)
class Finding(ShownFinding):
    """One detector that fired: what, how bad, the number against its limit, what to do.

    Its fields are the dashboard's ShownFinding's (one definition), measured here."""

    value: float
    threshold: float
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            **pick(self, "id", "severity", "title", "value", "threshold", "runbook"),
            "since": self.since.isoformat() if self.since else None,
            "evidence": jsonable(self.evidence),
        }


def overall_severity(findings: list[Finding]) -> str | None:
    return min((f.severity for f in findings), key=SEVERITIES.index, default=None)


class FindingTracker:
    """Carries `since` across dashboard polls: a finding keeps its first-seen time."""

    def __init__(self) -> None:
        self._since: dict[str, datetime] = {}

    def update(self, findings: list[Finding], now: datetime) -> list[Finding]:
        active = {f.id for f in findings}
        self._since = {k: v for k, v in self._since.items() if k in active}
        out = []
        for finding in findings:
            first = self._since.get(finding.id) or finding.since or now
            if finding.since is not None and finding.since < first:
                first = finding.since
            self._since[finding.id] = first
            out.append(replace(finding, since=first))
        return out
