"""One console's hand on the shared incident: who I am, my role, and what I may do.

The CLI (`incident open|show|note|lead|close|approve`), the TUI and the browser view all
come through here, so the rules are the same everywhere: observers run nothing, only the
commander hands the lead over or decides an approval, a step run by someone else is
theirs. The incident store does the writing (with its local JSONL fallback); this adds
the live tables (presence, roles, claims, approvals) and remembers the last incident it
saw, so a note typed while the state database is down still finds its incident and is
pushed, once, when the database is back.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from console.core.audit_sink import AuditSink
from console.core.db import DatabaseError, translate
from console.core.jsonable import dumps
from console.core.state import InputError
from console.core.state_place import StatePlace
from console.core.write_link import WriteLink
from console.incidents import approvals, claims, live_sql, presence, roles
from console.incidents.live import LiveEntry
from console.incidents.model import Incident, TimelineEntry
from console.incidents.offline import IncidentCache
from console.incidents.store import IncidentStore

RECONNECT_PUSH_HINT = "saved locally; it is pushed to the state database when it is back"


@dataclass(frozen=True)
class IncidentView:
    """Everything `incident show` prints and the screens draw, read at one moment."""

    incident: Incident
    role: str
    commander: str
    members: Mapping[str, str]
    present: Sequence[presence.Present]
    claims: Sequence[claims.Claim]
    approvals: Sequence[approvals.Approval]
    timeline: Sequence[LiveEntry]
    pending: Sequence[TimelineEntry] = field(default_factory=tuple)
    offline: str = ""


def entry_json(entry: LiveEntry | TimelineEntry, *, pending: bool = False) -> dict[str, Any]:
    if isinstance(entry, LiveEntry):
        return entry.as_json()
    return {
        "at": entry.at.isoformat(),
        "kind": entry.kind,
        "who": entry.author,
        "text": entry.text,
        "incident": str(entry.incident_id),
        "id": str(entry.id),
        "seq": None,
        "data": dict(entry.data),
        "pending": pending,
    }


class SharedIncident:
    """The shared incident as one console (`identity`) sees it; synchronous (CLI, workers)."""

    def __init__(
        self, place: StatePlace, identity: presence.Identity, *, audit: AuditSink | None = None
    ) -> None:
        self.place = place
        self.state_dsn = place.dsn
        self.identity = identity
        self.limits = place.session_limits
        self.store = IncidentStore(place)
        self.cache = IncidentCache(self.store.local_dir)
        # Where requests and decisions of the two-person rule are audited; the caller gives
        # the console's audit log (without one, the rule's requests and decisions refuse).
        self.audit = audit
        self._link = WriteLink(place.dsn, limits=self.limits, role="state")
        self.offline = ""

    @property
    def who(self) -> str:
        return self.identity.who

    def db(self) -> psycopg.Connection[Any]:
        return self._link.get()

    def close(self) -> None:
        self._link.close()
        self.store.close()

    # -- the incident --

    def push_local(self) -> int:
        """Push what was written locally while the database was down (idempotent: ids are
        made on the client; the store holds the file's lock while it pushes)."""
        try:
            return self.store.sync()
        except (psycopg.Error, DatabaseError) as exc:
            self.offline = translate(exc).message
            return 0

    def current(self) -> Incident | None:
        """The open incident; with the database down, the last one this console saw open."""
        self.push_local()
        found = self.store.current_incident()
        if not self.store.last_problem:
            self.offline = ""
            self.cache.remember(found)
            return found
        self.offline = self.store.last_problem
        return found or self.cache.recall()

    def require_current(self) -> Incident:
        incident = self.current()
        if incident is None:
            raise InputError("no incident is open: incident open [--title TEXT]")
        return incident

    def role(self, incident: Incident) -> str:
        try:
            return roles.role_of(incident, self.who, roles.members(self.db(), incident.id))
        except (psycopg.Error, DatabaseError):
            # Offline we cannot know a demotion; the commander column we remember still
            # says who leads. Writes are local-only then and pushed later.
            return roles.COMMANDER if incident.commander == self.who else roles.OPERATOR

    def open(
        self, title: str | None, severity: str = "P1", finding: Any = None
    ) -> tuple[Incident, bool]:
        """Open an incident (or return the one already open: two bots asking at once get the
        same incident). Returns (incident, newly_opened)."""
        existing = self.current()
        if existing is not None:
            return existing, False
        if self.offline:
            raise DatabaseError(
                f"cannot open an incident: {self.offline}",
                "the state database is needed to share it; retry when it is back",
            )
        if finding is not None and not title:
            incident = self.store.open_from_finding(finding, self.who)
        elif title:
            fid = getattr(finding, "id", None) if finding is not None else None
            incident = self.store.open_incident(title, severity, self.who, self.who, finding_id=fid)
        else:
            raise InputError("nothing is firing to name the incident after: give --title TEXT")
        self.cache.remember(incident)
        return incident, True

    def note(self, text: str, incident: Incident | None = None) -> tuple[TimelineEntry, bool]:
        """Add a note; returns (entry, stored_in_database). Observers may write notes: a
        note changes nothing but the record."""
        incident = incident or self.require_current()
        entry = self.store.note(incident, self.who, text)
        return entry, not self.store.last_problem

    def close_incident(self, summary: str = "") -> Incident:
        incident = self.require_current()
        role = self.role(incident)
        if role != roles.COMMANDER:
            raise roles.NotAllowed(
                f"only the commander ({incident.commander}) closes the incident",
                "ask them, or take the lead first (incident lead --take)",
            )
        closed = self.store.close_incident(incident, self.who, summary)
        self.cache.remember(None)
        return closed

    def lead(self, to: str | None) -> Incident:
        """Hand the lead to `to`, or take it (`to` None)."""
        incident = self.require_current()
        target = (to or self.who).strip()
        previous = roles.change_lead(self.db(), incident, self.who, target, self.role(incident))
        verb = "took the lead from" if target == self.who else "handed the lead to"
        other = previous if target == self.who else target
        self.store.add_entry(
            incident,
            "commander",
            self.who,
            f"{self.who} {verb} {other} — incident commander: {previous} → {target}",
            {"from": previous, "to": target},
        )
        return self.store.get(incident.id)

    def set_role(self, who: str, role: str) -> bool:
        incident = self.require_current()
        changed = roles.set_role(self.db(), incident, self.who, who, role)
        if changed:
            self.store.add_entry(
                incident,
                "role",
                self.who,
                f"{who.strip()} is now {role}",
                {"who": who, "role": role},
            )
        return changed

    # -- what everyone sees --

    def view(self, incident: Incident | None = None, *, timeline: bool = True) -> IncidentView:
        """The incident now; with the database down, what this console has (its local
        entries) and why."""
        incident = incident or self.require_current()
        try:
            return self._view(incident, timeline)
        except (psycopg.Error, DatabaseError) as exc:
            self.offline = translate(exc).message
            return IncidentView(
                incident=incident,
                role=self.role(incident),
                commander=incident.commander,
                members={},
                present=(),
                claims=(),
                approvals=(),
                timeline=(),
                pending=self.store.timeline(incident) if timeline else (),
                offline=self.offline,
            )

    def _view(self, incident: Incident, timeline: bool) -> IncidentView:
        conn = self.db()
        entries: list[LiveEntry] = []
        if timeline:
            entries = [
                LiveEntry.from_row(r)
                for r in live_sql.rows(
                    conn,
                    "timeline_since",
                    {"after": 0, "incident_id": incident.id, "limit": 100_000},
                )
            ]
        seen = {e.id for e in entries}
        local = [e for e in self.store.timeline(incident) if e.id not in seen] if timeline else []
        explicit = roles.members(conn, incident.id)
        return IncidentView(
            incident=incident,
            role=roles.role_of(incident, self.who, explicit),
            commander=incident.commander,
            members=explicit,
            present=presence.present(conn, incident.id),
            claims=claims.claims(conn, incident.id),
            approvals=approvals.of_incident(conn, incident.id),
            timeline=entries,
            pending=local,
            offline=self.offline,
        )

    # -- steps and the two-person rule --

    def claim_step(self, incident: Incident, runbook: str, step: str) -> claims.ClaimResult:
        roles.require_runner(incident, self.who, self.role(incident), "run steps")
        got = claims.claim(self.db(), incident.id, runbook, step, self.identity)
        if got.mine:
            self.store.add_entry(
                incident,
                "step_started",
                self.who,
                f"step {runbook}/{step} started by {self.who}",
                {"runbook": runbook, "step": step},
            )
        return got

    def release_step(self, incident: Incident, runbook: str, step: str) -> None:
        claims.release(self.db(), incident.id, runbook, step, self.identity)

    def request_approval(
        self, incident: Incident, write: approvals.PreviewedWrite, *, why: str
    ) -> approvals.Approval:
        roles.require_runner(incident, self.who, self.role(incident), "run recovery actions")
        sink = self._audit()
        asked = approvals.request(
            self.db(), incident_id=incident.id, write=write, why=why, requested_by=self.who
        )
        approvals.audit(sink, asked, "approval_requested", self.who)
        self.store.add_entry(
            incident,
            "approval",
            self.who,
            f"approval asked: {write.action_id} on {write.row_count:,} rows ({why})"
            + (f" — {write.reason}" if write.reason else ""),
            {"approval": str(asked.id), "status": asked.status, "action_id": write.action_id},
        )
        return asked

    def decide(
        self, approval_id: uuid.UUID, *, approve: bool, note: str = ""
    ) -> approvals.Approval:
        incident = self.require_current()
        roles.require_runner(incident, self.who, self.role(incident), "approve actions")
        sink = self._audit()
        decided = approvals.decide(
            self.db(),
            approval_id,
            who=self.who,
            approve=approve,
            note=note,
            commander=incident.commander,
        )
        approvals.audit(
            sink, decided, "approval_granted" if approve else "approval_refused", self.who
        )
        verb = "approved" if approve else "refused"
        self.store.add_entry(
            incident,
            "approval",
            self.who,
            f"{verb}: {decided.action_id} on {decided.row_count:,} rows, asked by "
            f"{decided.requested_by}" + (f" — {note}" if note else ""),
            {"approval": str(decided.id), "status": decided.status, "action_id": decided.action_id},
        )
        return decided

    def _audit(self) -> AuditSink:
        if self.audit is None:
            raise DatabaseError(
                "the two-person rule needs the audit log, and none was given", "a bug: report it"
            )
        return self.audit

    def pending_approval(self, incident: Incident) -> approvals.Approval | None:
        """The oldest request still waiting (what `incident approve` decides by default)."""
        waiting = [a for a in approvals.of_incident(self.db(), incident.id) if a.waiting]
        return min(waiting, key=lambda a: a.requested_at) if waiting else None


def parse_uuid(text: str, what: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise InputError(f"not a valid {what}: {text!r}") from None


def dumps_line(document: Mapping[str, Any]) -> str:
    """One JSON line, as the bridges read it (keys in the order given)."""
    return dumps(dict(document), sort_keys=False)
