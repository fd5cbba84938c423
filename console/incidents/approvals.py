"""The two-person rule: a big write waits for a second person's approval.

An action over `TWO_PERSON_ROWS` previewed rows (default 1,000), or any terminate, is not
applied on one person's word. The requester's console files a request holding the preview
it saw (count and sample); the commander approves or refuses it from their console or with
`incident approve`; the requester's apply then spends the approval, once. The
commander's own writes need no request at apply (two_person.py says why); a request the
commander files by hand is decided by another operator, never by its requester. The
database decides who may decide (sql/incidents/decide_approval.sql), in the same statement
that records the decision, so a hand-over at the same moment cannot let a third person in.
Requests and decisions go on the timeline and into the audit log.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from console.core.audit_sink import AuditSink
from console.core.state import InputError, check_text, to_json
from console.incidents import live_sql
from console.incidents.roles import NotAllowed

TWO_PERSON_ROWS = 1_000
TERMINATING_ACTIONS = frozenset({"terminate_backend"})
TTL_SECONDS = 30 * 60.0
SAMPLE_ROWS = 20

APPROVED = "approved"
REFUSED = "refused"
PENDING = "pending"
USED = "used"


def approval_needed(action_id: str, rows: int, threshold: int = TWO_PERSON_ROWS) -> str:
    """Why this write needs a second person ('' when it does not)."""
    if action_id in TERMINATING_ACTIONS:
        return "terminates a database session"
    if rows > threshold:
        return f"{rows:,} rows, over the two-person threshold of {threshold:,}"
    return ""


def _canonical(params: Mapping[str, Any]) -> Any:
    """Params as JSON sees them, so a stored copy and a fresh one compare equal."""
    return json.loads(to_json(dict(params)))


@dataclass(frozen=True)
class PreviewedWrite:
    """The write an approval is about, as its preview showed it (one value handed from the
    apply path through the rule to the request, instead of six keywords at each hop)."""

    action_id: str
    params: Mapping[str, Any]
    row_count: int
    sample: Sequence[Mapping[str, Any]] = ()
    plan_id: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Approval:
    id: uuid.UUID
    incident_id: uuid.UUID
    action_id: str
    params: Mapping[str, Any]
    row_count: int
    preview: Mapping[str, Any]
    why: str
    reason: str
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    status: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str = ""
    expired: bool = False
    sample: Sequence[Mapping[str, Any]] = field(default_factory=tuple)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Approval:
        preview = dict(row.get("preview") or {})
        return cls(
            id=uuid.UUID(str(row["id"])),
            incident_id=uuid.UUID(str(row["incident_id"])),
            action_id=row["action_id"],
            params=dict(row.get("params") or {}),
            row_count=int(row["row_count"]),
            preview=preview,
            why=row["why"],
            reason=row.get("reason") or "",
            requested_by=row["requested_by"],
            requested_at=row["requested_at"],
            expires_at=row["expires_at"],
            status=row["status"],
            decided_by=row.get("decided_by"),
            decided_at=row.get("decided_at"),
            decision_note=row.get("decision_note") or "",
            expired=bool(row.get("expired", False)),
            sample=tuple(preview.get("sample") or ()),
        )

    @property
    def waiting(self) -> bool:
        return self.status == PENDING and not self.expired

    def describe(self) -> str:
        state = "expired" if self.status == PENDING and self.expired else self.status
        by = f" by {self.decided_by}" if self.decided_by else ""
        return (
            f"{self.action_id} on {self.row_count:,} rows ({self.why}), asked by "
            f"{self.requested_by}: {state}{by}"
        )


def request(
    conn: psycopg.Connection[Any],
    *,
    incident_id: uuid.UUID,
    write: PreviewedWrite,
    why: str,
    requested_by: str,
    ttl_seconds: float = TTL_SECONDS,
) -> Approval:
    check_text(write.reason, "reason")
    sample = list(write.sample[:SAMPLE_ROWS])
    preview = {"count": write.row_count, "sample": sample, "plan_id": write.plan_id}
    row = live_sql.one(
        conn,
        "request_approval",
        {
            "id": uuid.uuid4(),
            "incident_id": incident_id,
            "action_id": write.action_id,
            "params": to_json(dict(write.params)),
            "row_count": write.row_count,
            "preview": to_json(preview),
            "why": why,
            "reason": write.reason,
            "requested_by": requested_by,
            "ttl_seconds": ttl_seconds,
        },
    )
    assert row is not None  # a fresh uuid never conflicts
    return Approval.from_row(row)


def get(conn: psycopg.Connection[Any], approval_id: uuid.UUID) -> Approval | None:
    row = live_sql.one(conn, "approval", {"id": approval_id})
    return Approval.from_row(row) if row else None


def of_incident(conn: psycopg.Connection[Any], incident_id: uuid.UUID) -> list[Approval]:
    return live_sql.of_incident(conn, "approvals_of", incident_id, Approval.from_row)


def decide(
    conn: psycopg.Connection[Any],
    approval_id: uuid.UUID,
    *,
    who: str,
    approve: bool,
    note: str = "",
    commander: str = "",
) -> Approval:
    """Record the decision, or raise NotAllowed saying why this person cannot make it."""
    check_text(note, "note")
    status = APPROVED if approve else REFUSED
    row = live_sql.one(
        conn,
        "decide_approval",
        {"id": approval_id, "status": status, "decided_by": who, "note": note},
    )
    if row is not None:
        return Approval.from_row({**row, "expired": False})
    current = get(conn, approval_id)
    if current is None:
        raise InputError(f"no approval request {approval_id}")
    if current.status != PENDING:
        raise NotAllowed(f"already {current.status} by {current.decided_by}", "nothing to do")
    if current.expired:
        raise NotAllowed("the request expired", "the requester previews again and asks again")
    if current.requested_by == who:
        raise NotAllowed(
            "you asked for this one: the two-person rule needs someone else",
            f"the commander ({commander or 'see incident show'}) decides",
        )
    raise NotAllowed(
        f"only the commander ({commander or 'see incident show'}) decides",
        "or, when the commander asked, another operator",
    )


def withdraw(conn: psycopg.Connection[Any], approval_id: uuid.UUID, who: str) -> Approval | None:
    """The requester takes back a request still pending (they cancelled the write)."""
    row = live_sql.one(conn, "withdraw_approval", {"id": approval_id, "requested_by": who})
    return Approval.from_row({**row, "expired": False}) if row else None


def matches(approval: Approval, action_id: str, params: Mapping[str, Any]) -> bool:
    """Whether the request is for this write (same action, same parameters)."""
    return approval.action_id == action_id and _canonical(approval.params) == _canonical(params)


def usable(
    approval: Approval | None, action_id: str, params: Mapping[str, Any], row_count: int
) -> str:
    """Why this approval does not cover this write ('' when it does). The approver saw
    `row_count` rows: the write may touch fewer, never more, with the same parameters."""
    if approval is None:
        return "no approval given"
    if approval.action_id != action_id:
        return f"the approval is for {approval.action_id}, not {action_id}"
    if approval.status != APPROVED:
        return f"the request is {approval.status}, not approved"
    if approval.expired:
        return "the approval expired; preview again and ask again"
    if not matches(approval, action_id, params):
        return "the parameters differ from the approved ones"
    if row_count > approval.row_count:
        return f"{row_count:,} rows now, more than the {approval.row_count:,} approved"
    return ""


def spend(conn: psycopg.Connection[Any], approval_id: uuid.UUID, action_id: str) -> bool:
    """Use the approval up (once). False when it was already used or is not approved."""
    return (
        live_sql.one(conn, "use_approval", {"id": approval_id, "action_id": action_id}) is not None
    )


def restore(conn: psycopg.Connection[Any], approval_id: uuid.UUID) -> bool:
    """Un-spend an approval whose apply was refused before it wrote anything."""
    return live_sql.one(conn, "restore_approval", {"id": approval_id}) is not None


def audit(log: AuditSink, approval: Approval, phase: str, operator: str) -> None:
    """One audit record per request and decision; raises (the log's AuditUnavailable)
    when it can be written nowhere."""
    log.write(
        run_id=approval.id,
        phase=phase,
        action_id=approval.action_id,
        operator=operator,
        incident_id=approval.incident_id,
        detail={
            "approval": str(approval.id),
            "status": approval.status,
            "rows": approval.row_count,
            "why": approval.why,
            "params": dict(approval.params),
            "requested_by": approval.requested_by,
            "decided_by": approval.decided_by,
            "note": approval.decision_note or approval.reason,
        },
    )
