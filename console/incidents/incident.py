"""Incidents: who leads, which phase of the guide's response we are in, and what happened.

An incident is opened from a finding or by hand. Its phase clock follows the guide's
Best Practices / Response: Immediate Response (0-5 min), Investigation (5-30 min),
Resolution (30 min-2 h), Post-Incident (2-24 h), counted from `opened_at`. The timeline
records findings fired and cleared, runbook steps and their verdicts, actions planned and
applied with row counts, notes and phase changes, each with its author and time.

Everything lives in the state database (schema `incident_console`), so several operators
share one incident and a restarted console resumes the open one (`current_incident()`).
When the state database cannot be written, records go to a local JSONL file instead and
are pushed to the database by `sync()` once it is back; ids are made on the client so the
push is idempotent.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from console.core.config import GUIDE_ESCALATION, Settings
from console.core.db import DatabaseError, SessionLimits, connect_sync, translate
from console.core.state import (
    SCHEMA,
    InputError,
    append_jsonl,
    check_text,
    default_state_dir,
    ensure_schema,
    read_jsonl,
    state_sql,
    to_json,
)

SEVERITIES = ("P0", "P1", "P2")
FALLBACK_FILE = "incidents.jsonl"


# --- the guide's phase clock ---------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    id: str
    title: str
    starts: timedelta
    ends: timedelta
    tasks: tuple[str, ...]


PHASES: tuple[Phase, ...] = (
    Phase(
        "immediate",
        "Immediate Response",
        timedelta(0),
        timedelta(minutes=5),
        (
            "Assess severity and impact",
            "Notify relevant team members",
            "Implement temporary fixes if needed",
        ),
    ),
    Phase(
        "investigation",
        "Investigation",
        timedelta(minutes=5),
        timedelta(minutes=30),
        ("Analyze logs and metrics", "Identify root cause", "Document findings"),
    ),
    Phase(
        "resolution",
        "Resolution",
        timedelta(minutes=30),
        timedelta(hours=2),
        (
            "Implement permanent fix",
            "Test solution thoroughly",
            "Deploy to production",
            "Monitor for issues",
        ),
    ),
    Phase(
        "post_incident",
        "Post-Incident",
        timedelta(hours=2),
        timedelta(hours=24),
        (
            "Document lessons learned",
            "Update procedures",
            "Improve monitoring",
            "Conduct team review",
        ),
    ),
)
PHASES_BY_ID = {p.id: p for p in PHASES}


@dataclass(frozen=True)
class PhaseClock:
    """Where the guide says we should be, `elapsed` after opening."""

    phase: Phase
    elapsed: timedelta
    remaining: timedelta  # until the phase's end (negative once past 24 h)

    @property
    def overdue(self) -> bool:
        return self.remaining < timedelta(0)

    def describe(self) -> str:
        minutes = int(self.elapsed.total_seconds() // 60)
        if self.overdue:
            return f"{self.phase.title} — {minutes} min since opening, past the guide's 24 h"
        left = int(self.remaining.total_seconds() // 60)
        return f"{self.phase.title} — {minutes} min in, {left} min left in this phase"


def phase_at(opened_at: datetime, now: datetime | None = None) -> PhaseClock:
    """The guide's phase for an incident opened at `opened_at`."""
    now = now or datetime.now(UTC)
    elapsed = max(now - opened_at, timedelta(0))
    phase = next((p for p in PHASES if elapsed < p.ends), PHASES[-1])
    return PhaseClock(phase=phase, elapsed=elapsed, remaining=phase.ends - elapsed)


# --- escalation --------------------------------------------------------------------------

ISSUE_TYPE_BY_FINDING: dict[str, str] = {
    "security_anomaly": "security",
    "signature_failures": "security",
    "event_age_failures": "security",
    "db_connection_failure": "infrastructure",
    "performance_degradation": "infrastructure",
    "processing_down": "infrastructure",
    "payments_not_processing": "business",
    "inconsistent_orders": "business",
    "stuck_orders": "business",
}


def issue_type_for(finding_id: str | None) -> str:
    """The escalation row of a finding: the guide's matrix has four issue types."""
    return ISSUE_TYPE_BY_FINDING.get(finding_id or "", "code")


def escalation_path(issue_type: str, settings: Settings | None = None) -> tuple[str, ...]:
    matrix = settings.escalation if settings else GUIDE_ESCALATION
    return tuple(matrix.get(issue_type) or matrix.get("code") or GUIDE_ESCALATION["code"])


def escalation_level(clock: PhaseClock) -> int:
    """Which level to involve now. The guide gives no times; the console's rule is: level 1
    while investigating, level 2 once resolution is under way, level 3 past two hours."""
    return {"immediate": 1, "investigation": 1, "resolution": 2}.get(clock.phase.id, 3)


# --- values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incident:
    id: uuid.UUID
    title: str
    severity: str
    commander: str
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    summary: str = ""
    finding_id: str | None = None
    issue_type: str | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def clock(self, now: datetime | None = None) -> PhaseClock:
        return phase_at(self.opened_at, now)


@dataclass(frozen=True)
class TimelineEntry:
    id: uuid.UUID
    incident_id: uuid.UUID
    at: datetime
    kind: str
    author: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)


ENTRY_KINDS = (
    "opened",
    "finding_fired",
    "finding_cleared",
    "step",
    "action_planned",
    "action_applied",
    "note",
    "phase",
    "commander",
    "closed",
    # live sharing (console/incidents/session.py): a step claimed, a role set, the
    # two-person rule's requests and decisions
    "step_started",
    "role",
    "approval",
)


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _incident_from(row: Mapping[str, Any]) -> Incident:
    def when(value: Any) -> datetime | None:
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    opened = when(row["opened_at"])
    assert opened is not None
    return Incident(
        id=uuid.UUID(str(row["id"])),
        title=row["title"],
        severity=row["severity"],
        commander=row["commander"],
        opened_by=row["opened_by"],
        opened_at=opened,
        closed_at=when(row.get("closed_at")),
        closed_by=row.get("closed_by"),
        summary=row.get("summary") or "",
        finding_id=row.get("finding_id"),
        issue_type=row.get("issue_type"),
    )


def _entry_from(row: Mapping[str, Any]) -> TimelineEntry:
    at = row["at"]
    data = row.get("data") or {}
    return TimelineEntry(
        id=uuid.UUID(str(row["id"])),
        incident_id=uuid.UUID(str(row["incident_id"])),
        at=datetime.fromisoformat(at) if isinstance(at, str) else at,
        kind=row["kind"],
        author=row["author"],
        text=row["text"],
        data=json.loads(data) if isinstance(data, str) else dict(data),
    )


class IncidentError(DatabaseError):
    kind = "incident"


# --- the store ---------------------------------------------------------------------------

_INCIDENT_COLUMNS = (
    "id",
    "title",
    "severity",
    "commander",
    "opened_by",
    "opened_at",
    "closed_at",
    "closed_by",
    "summary",
    "finding_id",
    "issue_type",
)

_CLOSE = state_sql(
    "UPDATE {incidents} SET closed_at = %(closed_at)s, closed_by = %(closed_by)s,"
    " summary = %(summary)s WHERE id = %(id)s"
)
_HAND_OVER = state_sql("UPDATE {incidents} SET commander = %(commander)s WHERE id = %(id)s")


class IncidentStore:
    """Incidents and timelines in the state database, with a local JSONL fallback."""

    def __init__(
        self,
        state_dsn: str | None,
        *,
        local_dir: Path | None = None,
        limits: SessionLimits | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.state_dsn = state_dsn
        self.local_dir = local_dir or default_state_dir()
        self.limits = limits or SessionLimits()
        self.settings = settings
        self._conn: psycopg.Connection[Any] | None = None
        self.last_problem = ""

    @property
    def fallback_path(self) -> Path:
        return self.local_dir / FALLBACK_FILE

    # -- connection and fallback --

    def _db(self) -> psycopg.Connection[Any]:
        if not self.state_dsn:
            raise IncidentError("no state database configured")
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = connect_sync(
                self.state_dsn, allow_write=True, limits=self.limits, role="state"
            )
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _save(self, record_type: str, record: dict[str, Any], insert: Any) -> None:
        """Write to the database; if it cannot be written, to the local file."""
        try:
            insert(self._db())
            self.last_problem = ""
            return
        except (psycopg.Error, DatabaseError) as exc:
            self.last_problem = f"state database: {translate(exc).message}"
        try:
            append_jsonl(self.fallback_path, {"type": record_type, **record})
        except OSError as exc:
            raise IncidentError(
                f"cannot record the incident anywhere ({self.last_problem}; local file "
                f"{self.fallback_path}: {exc.strerror or exc})"
            ) from None

    def _local(self) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        incidents: dict[str, dict[str, Any]] = {}
        entries: list[dict[str, Any]] = []
        for rec in read_jsonl(self.fallback_path):
            kind = rec.pop("type", "")
            if kind == "incident":
                incidents[rec["id"]] = rec
            elif kind in ("close", "commander") and rec.get("id") in incidents:
                incidents[rec["id"]].update(rec)
            elif kind == "entry":
                entries.append(rec)
        return incidents, entries

    # -- incidents --

    def open_incident(
        self,
        title: str,
        severity: str,
        commander: str,
        opened_by: str,
        *,
        finding_id: str | None = None,
        issue_type: str | None = None,
    ) -> Incident:
        for name, value in (("title", title), ("commander", commander), ("opened by", opened_by)):
            check_text(value, name, max_length=500)
            if not value.strip():
                raise InputError(f"{name} must not be empty")
        severity = severity.strip().upper()
        if severity not in SEVERITIES:
            raise InputError(f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
        incident = Incident(
            id=uuid.uuid4(),
            title=title.strip(),
            severity=severity,
            commander=commander.strip(),
            opened_by=opened_by.strip(),
            opened_at=datetime.now(UTC),
            finding_id=finding_id,
            issue_type=issue_type or issue_type_for(finding_id),
        )
        record = {c: getattr(incident, c) for c in _INCIDENT_COLUMNS}
        self._save("incident", record, lambda conn: self._insert_incident(conn, record))
        self.add_entry(
            incident,
            "opened",
            opened_by,
            f"{severity} incident opened: {incident.title} (commander {incident.commander})",
            {"finding_id": finding_id, "severity": severity},
        )
        return incident

    def open_from_finding(
        self, finding: Any, opened_by: str, *, commander: str | None = None
    ) -> Incident:
        """Open an incident for a triage finding (anything with id, severity, title)."""
        finding_id = str(_field(finding, "id"))
        incident = self.open_incident(
            title=str(_field(finding, "title") or finding_id),
            severity=str(_field(finding, "severity")),
            commander=commander or opened_by,
            opened_by=opened_by,
            finding_id=finding_id,
        )
        self.record_finding(incident, finding, author=opened_by, fired=True)
        return incident

    @staticmethod
    def _insert_incident(conn: psycopg.Connection[Any], record: Mapping[str, Any]) -> None:
        conn.execute(
            state_sql(
                "INSERT INTO {incidents} ({cols}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING",
                cols=sql.SQL(", ").join(map(sql.Identifier, _INCIDENT_COLUMNS)),
                marks=sql.SQL(", ").join(map(sql.Placeholder, _INCIDENT_COLUMNS)),
            ),
            dict(record),
        )

    def current_incident(self) -> Incident | None:
        """The most recently opened incident still open: what a restarted console resumes."""
        open_ones = [i for i in self.incidents() if i.is_open]
        return max(open_ones, key=lambda i: i.opened_at) if open_ones else None

    def incidents(self) -> list[Incident]:
        found: dict[str, Incident] = {}
        try:
            self.sync()
            with self._db().cursor(row_factory=dict_row) as cur:
                cur.execute(state_sql("SELECT * FROM {incidents} ORDER BY opened_at"))
                for row in cur.fetchall():
                    found[str(row["id"])] = _incident_from(row)
        except (psycopg.Error, DatabaseError) as exc:
            self.last_problem = f"state database: {translate(exc).message}"
        local, _ = self._local()
        for key, rec in local.items():
            found.setdefault(key, _incident_from(rec))
        return sorted(found.values(), key=lambda i: i.opened_at)

    def get(self, incident_id: uuid.UUID) -> Incident:
        for incident in self.incidents():
            if incident.id == incident_id:
                return incident
        raise IncidentError(f"no incident {incident_id}")

    def close_incident(self, incident: Incident, closed_by: str, summary: str = "") -> Incident:
        check_text(closed_by, "closed by", max_length=500)
        check_text(summary, "summary")
        closed_at = datetime.now(UTC)
        record = {"id": incident.id, "closed_at": closed_at, "closed_by": closed_by}
        record["summary"] = summary or incident.summary

        def update(conn: psycopg.Connection[Any]) -> None:
            conn.execute(_CLOSE, record)

        self._save("close", record, update)
        self.add_entry(incident, "closed", closed_by, summary or "incident closed")
        return Incident(
            **{
                **{c: getattr(incident, c) for c in _INCIDENT_COLUMNS},
                "closed_at": closed_at,
                "closed_by": closed_by,
                "summary": record["summary"],
            }
        )

    def hand_over(self, incident: Incident, author: str, commander: str) -> Incident:
        """A new incident commander; the handover goes on the timeline."""
        check_text(commander, "commander", max_length=500)
        if not commander.strip():
            raise InputError("commander must not be empty")
        record = {"id": incident.id, "commander": commander.strip()}

        def update(conn: psycopg.Connection[Any]) -> None:
            conn.execute(_HAND_OVER, record)

        self._save("commander", record, update)
        self.add_entry(
            incident,
            "commander",
            author,
            f"incident commander: {incident.commander} → {record['commander']}",
            {"from": incident.commander, "to": record["commander"]},
        )
        return Incident(
            **{
                **{c: getattr(incident, c) for c in _INCIDENT_COLUMNS},
                "commander": record["commander"],
            }
        )

    # -- timeline --

    def add_entry(
        self,
        incident: Incident | uuid.UUID,
        kind: str,
        author: str,
        text: str,
        data: Mapping[str, Any] | None = None,
    ) -> TimelineEntry:
        if kind not in ENTRY_KINDS:
            raise InputError(f"unknown timeline entry kind {kind!r}")
        check_text(author, "author", max_length=500)
        check_text(text, "note")
        if "\\u0000" in to_json(data or {}):
            raise InputError("the entry's data contains a NUL character (\\0)")
        incident_id = incident.id if isinstance(incident, Incident) else incident
        entry = TimelineEntry(
            id=uuid.uuid4(),
            incident_id=incident_id,
            at=datetime.now(UTC),
            kind=kind,
            author=author,
            text=text,
            data=dict(data or {}),
        )
        record = {
            "id": entry.id,
            "incident_id": entry.incident_id,
            "at": entry.at,
            "kind": kind,
            "author": author,
            "text": text,
            "data": entry.data,
        }
        self._save("entry", record, lambda conn: self._insert_entry(conn, record))
        return entry

    @staticmethod
    def _insert_entry(conn: psycopg.Connection[Any], record: Mapping[str, Any]) -> None:
        conn.execute(
            state_sql(
                "INSERT INTO {timeline} (id, incident_id, at, kind, author, text, data)"
                " VALUES (%(id)s, %(incident_id)s, %(at)s, %(kind)s, %(author)s, %(text)s,"
                " %(data)s::jsonb) ON CONFLICT (id) DO NOTHING"
            ),
            {**record, "data": to_json(record["data"])},
        )

    def timeline(self, incident: Incident | uuid.UUID) -> list[TimelineEntry]:
        incident_id = incident.id if isinstance(incident, Incident) else incident
        found: dict[str, TimelineEntry] = {}
        try:
            with self._db().cursor(row_factory=dict_row) as cur:
                cur.execute(
                    state_sql("SELECT * FROM {timeline} WHERE incident_id = %s ORDER BY at, id"),
                    (incident_id,),
                )
                for row in cur.fetchall():
                    found[str(row["id"])] = _entry_from(row)
        except (psycopg.Error, DatabaseError) as exc:
            self.last_problem = f"state database: {translate(exc).message}"
        _, local = self._local()
        for rec in local:
            if rec.get("incident_id") == str(incident_id):
                found.setdefault(rec["id"], _entry_from(rec))
        return sorted(found.values(), key=lambda e: e.at)

    def note(self, incident: Incident, author: str, text: str) -> TimelineEntry:
        if not text.strip():
            raise InputError("the note is empty")
        return self.add_entry(incident, "note", author, text)

    def set_phase(self, incident: Incident, author: str, phase_id: str) -> TimelineEntry:
        if phase_id not in PHASES_BY_ID:
            raise InputError(f"unknown phase {phase_id!r}; one of {', '.join(PHASES_BY_ID)}")
        phase = PHASES_BY_ID[phase_id]
        return self.add_entry(
            incident, "phase", author, f"phase: {phase.title}", {"phase": phase_id}
        )

    def record_finding(
        self, incident: Incident, finding: Any, *, author: str, fired: bool = True
    ) -> TimelineEntry:
        data = {
            name: _field(finding, name)
            for name in ("id", "severity", "title", "value", "threshold", "runbook")
        }
        verb = "fired" if fired else "cleared"
        text = f"finding {verb}: {data['title'] or data['id']}"
        if fired and data["value"] is not None:
            text += f" (value {data['value']}, threshold {data['threshold']})"
        kind = "finding_fired" if fired else "finding_cleared"
        return self.add_entry(incident, kind, author, text, data)

    def record_step(
        self,
        incident: Incident,
        *,
        author: str,
        runbook: str,
        step: str,
        verdict: str,
        rows: int | None = None,
    ) -> TimelineEntry:
        text = f"step {runbook}/{step}: {verdict}"
        if rows is not None:
            text += f" ({rows} rows)"
        data = {"runbook": runbook, "step": step, "verdict": verdict, "rows": rows}
        return self.add_entry(incident, "step", author, text, data)

    def record_plan(self, incident: Incident, author: str, plan: Any) -> TimelineEntry:
        """An action previewed (a console.recovery.actions.Plan)."""
        text = f"action planned: {plan.action_id}, {plan.count} rows previewed"
        if plan.blocked:
            text += f" — blocked: {plan.blocked}"
        data = {"action_id": plan.action_id, "previewed": plan.count, "params": plan.params}
        return self.add_entry(incident, "action_planned", author, text, data)

    def record_result(self, incident: Incident, author: str, result: Any) -> TimelineEntry:
        """An action applied (a console.recovery.actions.ActionResult), with its row counts."""
        data = {
            "action_id": result.action_id,
            "run_id": result.run_id,
            "status": result.status,
            "previewed": result.previewed,
            "changed": result.changed,
            "would_change": result.would_change,
            "dry_run": result.dry_run,
        }
        return self.add_entry(incident, "action_applied", author, result.message, data)

    # -- the fallback, pushed back --

    def sync(self) -> int:
        """Push records written locally while the database was down; returns how many."""
        if not self.fallback_path.exists():
            return 0
        records = list(read_jsonl(self.fallback_path))
        if not records:
            return 0
        conn = self._db()
        with conn.transaction():
            for rec in records:
                kind = rec.get("type")
                if kind == "incident":
                    self._insert_incident(conn, {c: rec.get(c) for c in _INCIDENT_COLUMNS})
                elif kind == "entry":
                    self._insert_entry(conn, rec)
                elif kind == "commander":
                    conn.execute(_HAND_OVER, {k: rec.get(k) for k in ("commander", "id")})
                elif kind == "close":
                    conn.execute(
                        _CLOSE, {k: rec.get(k) for k in ("closed_at", "closed_by", "summary", "id")}
                    )
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        self.fallback_path.rename(self.fallback_path.with_name(f"incidents.synced-{stamp}.jsonl"))
        return len(records)

    # -- escalation --

    def escalation(self, incident: Incident) -> tuple[str, ...]:
        return escalation_path(incident.issue_type or "code", self.settings)


# --- `incident-console init` -------------------------------------------------------------


def init_state(dsn: str | None) -> None:
    with connect_sync(dsn, allow_write=True, role="init") as conn:
        ensure_schema(conn)


def init_command(args: argparse.Namespace) -> int:
    """Create (or confirm) the incident_console schema in the state database."""
    from console.cli import load_settings_from
    from console.core.config import mask_dsn

    settings = load_settings_from(args)
    dsn = settings.state_database_url or settings.database_url
    init_state(dsn)
    if getattr(args, "json", False):
        print(json.dumps({"ok": True, "schema": SCHEMA, "dsn": mask_dsn(dsn)}))
    else:
        print(f"incident-console: schema {SCHEMA} ready in {mask_dsn(dsn)}", file=sys.stderr)
    return 0


def entries_of(timeline: Sequence[TimelineEntry], *kinds: str) -> list[TimelineEntry]:
    return [e for e in timeline if e.kind in kinds]
