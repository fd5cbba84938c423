"""Step claims: a step being run by one console is shown as theirs on every other.

A console claims a step before it runs it and releases the claim when the result is in;
a second console that tries the same step is told who is running it (and can watch the
timeline for the verdict) instead of running it twice. A claim lapses on its own after
`ttl_seconds`, so a console that died mid-step does not block the step forever;
re-claiming our own claim extends it (long batches call `claim` again as they go).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from console.incidents import live_sql
from console.incidents.presence import Identity

TTL_SECONDS = 120.0


@dataclass(frozen=True)
class Claim:
    runbook: str
    step: str
    who: str
    client_id: uuid.UUID
    host: str
    since: datetime

    def describe(self) -> str:
        return f"{self.who} is running {self.runbook}/{self.step}" + (
            f" (on {self.host})" if self.host else ""
        )


@dataclass(frozen=True)
class ClaimResult:
    """`mine` when the step is ours to run; otherwise `holder` says whose it is."""

    mine: bool
    holder: Claim | None


def _claim(row: dict[str, Any], runbook: str, step: str) -> Claim:
    return Claim(
        runbook=row.get("runbook", runbook),
        step=row.get("step", step),
        who=row["who"],
        client_id=uuid.UUID(str(row["client_id"])),
        host=row.get("host") or "",
        since=row["claimed_at"],
    )


def claims(conn: psycopg.Connection[Any], incident_id: uuid.UUID) -> list[Claim]:
    return live_sql.of_incident(
        conn, "claims_of", incident_id, lambda r: _claim(r, r["runbook"], r["step"])
    )


def claim(
    conn: psycopg.Connection[Any],
    incident_id: uuid.UUID,
    runbook: str,
    step: str,
    identity: Identity,
    ttl_seconds: float = TTL_SECONDS,
) -> ClaimResult:
    params = {
        "incident_id": incident_id,
        "runbook": runbook,
        "step": step,
        "who": identity.who,
        "client_id": identity.client_id,
        "host": identity.host,
        "ttl_seconds": ttl_seconds,
    }
    holder: Claim | None = None
    for _ in range(3):  # a claim released between our try and our look: try again
        got = live_sql.one(conn, "claim_step", params)
        if got is not None:
            return ClaimResult(True, _claim({**got, "host": identity.host}, runbook, step))
        holder = next(
            (c for c in claims(conn, incident_id) if (c.runbook, c.step) == (runbook, step)),
            None,
        )
        if holder is not None:
            break
    return ClaimResult(False, holder)


def release(
    conn: psycopg.Connection[Any],
    incident_id: uuid.UUID,
    runbook: str,
    step: str,
    identity: Identity,
) -> None:
    live_sql.execute(
        conn,
        "release_step",
        {
            "incident_id": incident_id,
            "runbook": runbook,
            "step": step,
            "client_id": identity.client_id,
        },
    )
