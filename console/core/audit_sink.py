"""The audit log as its writers outside recovery see it (approvals, the Stripe redelivery).

The log itself is console.recovery.audit.AuditLog (state database and local JSONL); the
caller passes it in, so these writers do not depend on where recovery keeps its log.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol


class AuditSink(Protocol):
    """Where audit records go: `write` raises (AuditUnavailable) when it cannot write."""

    def write(
        self,
        *,
        run_id: uuid.UUID,
        phase: str,
        action_id: str,
        operator: str,
        incident_id: uuid.UUID | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Any: ...
