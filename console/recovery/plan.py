"""Preview an action: the exact keys it would touch, a sample, and the token to type.

The confirmation token (what the operator must type) is decided by the plan:
- the previewed row count, for row actions with rows to change (typing a number that
  Enter-spam or a stray paste cannot produce);
- the pid, for cancelling or terminating a backend;
- the action id, when there is nothing to count: a row action whose preview is empty (the
  apply is then a no-op) and the unique-index build.
A plan expires (default 120 s): a confirm dialog left open must be previewed again.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import psycopg

from console.core.db import translate
from console.core.state import to_json
from console.recovery.conn import own_pid, run_preview, run_verify
from console.recovery.errors import ActionRefused
from console.recovery.model import ActionSpec
from console.recovery.params import resolve_params
from console.recovery.specs import get_spec

DEFAULT_TTL_SECONDS = 120.0
SAMPLE_SIZE = 20


@dataclass(frozen=True)
class Plan:
    """What an action would do, as previewed; the only thing `apply` accepts."""

    plan_id: uuid.UUID
    action_id: str
    params: Mapping[str, Any]
    keys: tuple[Any, ...]
    rows: tuple[Mapping[str, Any], ...]
    token: str
    created_at: datetime
    expires_at: datetime
    deadline: float  # time.monotonic() value; wall clocks can jump, this cannot
    blocked: str = ""
    note: str = ""
    nothing_to_do: bool = False

    @property
    def count(self) -> int:
        return len(self.keys)

    @property
    def sample(self) -> tuple[Mapping[str, Any], ...]:
        return self.rows[:SAMPLE_SIZE]

    @property
    def spec(self) -> ActionSpec:
        return get_spec(self.action_id)

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def describe(self) -> str:
        """One line for the confirm dialog's heading."""
        if self.blocked:
            return f"{self.spec.title}: blocked — {self.blocked}"
        if self.nothing_to_do:
            return f"{self.spec.title}: nothing to do{' — ' + self.note if self.note else ''}"
        if self.spec.kind == "backend":
            row = self.rows[0]
            return (
                f"{self.spec.title}: pid {self.token} ({row.get('application_name') or '-'}, "
                f"user {row.get('usename')}, {row.get('state')})"
            )
        if self.spec.kind == "index":
            return f"{self.spec.title}: no duplicates block it; build CONCURRENTLY"
        return f"{self.spec.title}: {self.count} rows will change"

    def to_json(self) -> dict[str, Any]:
        """The preview as one JSON-safe document (keys as text: they may be uuids)."""
        return json.loads(
            to_json(
                {
                    "plan_id": self.plan_id,
                    "action_id": self.action_id,
                    "summary": self.describe(),
                    "params": dict(self.params),
                    "count": self.count,
                    "keys": [str(k) for k in self.keys],
                    "sample": [dict(r) for r in self.sample],
                    "confirm": self.token_prompt(),
                    "blocked": self.blocked,
                    "nothing_to_do": self.nothing_to_do,
                    "created_at": self.created_at,
                    "expires_at": self.expires_at,
                }
            )
        )

    def token_prompt(self) -> str:
        """What the confirm dialog asks the operator to type."""
        if self.blocked:
            return f"cannot apply: {self.blocked}"
        if self.spec.kind == "backend" and self.keys:
            return f"type the pid {self.token} to {self.spec.title.lower()}"
        if self.token == self.action_id:
            return f"type {self.token} to confirm"
        return f"type {self.token} (the number of rows previewed) to confirm"


def _hidden_session(pid: Any, role: str) -> str:
    """Why a session whose backend_start this role cannot see is never signalled."""
    return (
        f"pid {pid}'s session is hidden from role {role} (no backend_start), so the console "
        "cannot make sure the pid still belongs to it when it signals; "
        f"GRANT pg_read_all_stats TO {role} (or pg_monitor) to see it"
    )


def plan(
    conn: psycopg.Connection[Any],
    action_id: str,
    params: Mapping[str, Any] | None = None,
    *,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
) -> Plan:
    """Preview an action: the exact keys it would touch, a sample, and the token to type."""
    spec = get_spec(action_id)
    resolved = resolve_params(spec, params)
    if spec.kind == "backend" and resolved["pid"] == own_pid(conn):
        raise ActionRefused(
            f"pid {resolved['pid']} is this console's own session", "pick another pid"
        )
    try:
        rows = run_preview(conn, spec, resolved)
        index_rows = run_verify(conn, spec) if spec.kind == "index" else []
    except psycopg.Error as exc:
        raise translate(exc) from None
    keys = tuple(r[spec.key] for r in rows)
    blocked = note = ""
    nothing = not keys
    token = str(len(keys)) if keys else spec.id
    if spec.kind == "backend":
        token = str(resolved["pid"]) if keys else spec.id
        if not keys:
            note = f"no session with pid {resolved['pid']} in this database (or it is this one)"
        elif any(r.get(c) is None for r in rows for c in spec.carry):
            blocked = _hidden_session(resolved["pid"], conn.info.user)
    elif spec.kind == "index":
        token = spec.id
        valid = [r for r in index_rows if r["valid"]]
        nothing = bool(valid)
        if valid:
            note = f"a valid unique index on event_id already exists: {valid[0]['index_name']}"
        elif keys:
            reasons = sorted({str(r.get("reason") or "duplicate copies") for r in rows})
            blocked = f"{len(keys)} blocker(s) would make the build fail: " + "; ".join(reasons)
    now = datetime.now(UTC)
    return Plan(
        plan_id=uuid.uuid4(),
        action_id=spec.id,
        params=MappingProxyType(resolved),
        keys=keys,
        rows=tuple(MappingProxyType(r) for r in rows),
        token=token,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
        deadline=time.monotonic() + ttl_seconds,
        blocked=blocked,
        note=note,
        nothing_to_do=nothing and not blocked,
    )
