"""Incidents and their timelines in the state database, with a local JSONL fallback.

Everything lives in the state database (schema `incident_console`), so several operators
share one incident and a restarted console resumes the open one (`current_incident()`).
When the state database cannot be written, records go to a local JSONL file instead and
are pushed to the database by `sync()` once it is back; ids are made on the client so the
push is idempotent. Reads merge both, the database winning for a record in both.
The statements themselves are in statements.py (`sql/state/*.sql`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from console.core.db import DatabaseError, translate
from console.core.state import (
    InputError,
    append_jsonl,
    check_text,
    jsonl_lock,
    read_jsonl,
    to_json,
)
from console.core.state_place import StatePlace
from console.core.write_link import WriteLink
from console.incidents import statements as db
from console.incidents import timeline as drafts
from console.incidents.escalation import escalation_path, issue_type_for
from console.incidents.model import (
    ENTRY_KINDS,
    SEVERITIES,
    Incident,
    IncidentError,
    TimelineEntry,
    entry_from,
    incident_from,
)

FALLBACK_FILE = "incidents.jsonl"


class IncidentStore:
    """Incidents and timelines in the state database, with a local JSONL fallback."""

    def __init__(self, place: StatePlace) -> None:
        self.state_dsn = place.dsn
        self.local_dir = place.folder
        self.limits = place.session_limits
        self.settings = place.settings
        self._link = WriteLink(place.dsn, limits=self.limits, role="state")
        self.last_problem = ""
        # told of each entry this store adds (the console's recording of the incident)
        self.listeners: list[Callable[[TimelineEntry], None]] = []

    @property
    def fallback_path(self) -> Path:
        return self.local_dir / FALLBACK_FILE

    # -- connection and fallback --

    def _db(self) -> psycopg.Connection[Any]:
        if not self.state_dsn:
            raise IncidentError("no state database configured")
        return self._link.get()

    def close(self) -> None:
        self._link.close()

    def _save(
        self,
        record_type: str,
        record: dict[str, Any],
        insert: Callable[[psycopg.Connection[Any]], None],
    ) -> None:
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
        record = incident.columns()
        self._save("incident", record, lambda conn: db.insert_incident(conn, record))
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
        finding_id = str(drafts.field_of(finding, "id"))
        incident = self.open_incident(
            title=str(drafts.field_of(finding, "title") or finding_id),
            severity=str(drafts.field_of(finding, "severity")),
            commander=commander or opened_by,
            opened_by=opened_by,
            finding_id=finding_id,
        )
        self.record_finding(incident, finding, author=opened_by, fired=True)
        return incident

    def current_incident(self) -> Incident | None:
        """The most recently opened incident still open: what a restarted console resumes."""
        open_ones = [i for i in self.incidents() if i.is_open]
        return max(open_ones, key=lambda i: i.opened_at) if open_ones else None

    def incidents(self) -> list[Incident]:
        found: dict[str, Incident] = {}
        try:
            self.sync()
            for row in db.incident_rows(self._db()):
                found[str(row["id"])] = incident_from(row)
        except (psycopg.Error, DatabaseError) as exc:
            self.last_problem = f"state database: {translate(exc).message}"
        local, _ = self._local()
        for key, rec in local.items():
            found.setdefault(key, incident_from(rec))
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

        self._save("close", record, lambda conn: db.close_incident(conn, record))
        self.add_entry(incident, "closed", closed_by, summary or "incident closed")
        return Incident(
            **{
                **incident.columns(),
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

        self._save("commander", record, lambda conn: db.hand_over(conn, record))
        self.add_entry(
            incident,
            "commander",
            author,
            f"incident commander: {incident.commander} → {record['commander']}",
            {"from": incident.commander, "to": record["commander"]},
        )
        return Incident(**{**incident.columns(), "commander": record["commander"]})

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
        self._save("entry", record, lambda conn: db.insert_entry(conn, record))
        for listener in self.listeners:
            listener(entry)
        return entry

    def timeline(self, incident: Incident | uuid.UUID) -> list[TimelineEntry]:
        incident_id = incident.id if isinstance(incident, Incident) else incident
        found: dict[str, TimelineEntry] = {}
        try:
            for row in db.timeline_rows(self._db(), incident_id):
                found[str(row["id"])] = entry_from(row)
        except (psycopg.Error, DatabaseError) as exc:
            self.last_problem = f"state database: {translate(exc).message}"
        _, local = self._local()
        for rec in local:
            if rec.get("incident_id") == str(incident_id):
                found.setdefault(rec["id"], entry_from(rec))
        return sorted(found.values(), key=lambda e: e.at)

    def _add_draft(
        self, incident: Incident, author: str, draft: drafts.EntryDraft
    ) -> TimelineEntry:
        return self.add_entry(incident, draft.kind, author, draft.text, draft.data)

    def note(self, incident: Incident, author: str, text: str) -> TimelineEntry:
        if not text.strip():
            raise InputError("the note is empty")
        return self.add_entry(incident, "note", author, text)

    def set_phase(self, incident: Incident, author: str, phase_id: str) -> TimelineEntry:
        return self._add_draft(incident, author, drafts.phase_entry(phase_id))

    def record_finding(
        self, incident: Incident, finding: Any, *, author: str, fired: bool = True
    ) -> TimelineEntry:
        return self._add_draft(incident, author, drafts.finding_entry(finding, fired=fired))

    def record_step(
        self,
        incident: Incident,
        *,
        author: str,
        runbook: str,
        step: str,
        verdict: str,
        rows: int | None = None,
        status: str = "",
    ) -> TimelineEntry:
        draft = drafts.step_entry(runbook, step, verdict, rows, status)
        return self._add_draft(incident, author, draft)

    def record_plan(self, incident: Incident, author: str, plan: Any) -> TimelineEntry:
        """An action previewed (a console.recovery.actions.Plan)."""
        return self._add_draft(incident, author, drafts.plan_entry(plan))

    def record_result(self, incident: Incident, author: str, result: Any) -> TimelineEntry:
        """An action applied (a console.recovery.actions.ActionResult), with its row counts."""
        return self._add_draft(incident, author, drafts.result_entry(result))

    # -- the fallback, pushed back --

    def sync(self) -> int:
        """Push records written locally while the database was down; returns how many.
        Under the file's lock: a record appended meanwhile (another console, same state
        dir) waits, and lands in a fresh file instead of being moved away unpushed."""
        if not self.fallback_path.exists():
            return 0
        with jsonl_lock(self.fallback_path):
            records = list(read_jsonl(self.fallback_path))
            if not records:
                return 0
            db.replay(self._db(), records)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            synced = self.fallback_path.with_name(f"incidents.synced-{stamp}.jsonl")
            self.fallback_path.rename(synced)
        return len(records)

    # -- escalation --

    def escalation(self, incident: Incident) -> tuple[str, ...]:
        return escalation_path(incident.issue_type or "code", self.settings)
