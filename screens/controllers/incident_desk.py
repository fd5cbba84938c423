"""The open incident as the screens see it: its store, whether the schema is there, and the
records the checklist makes (steps, previews, applied actions, notes).

`IncidentStore` is synchronous, so every method here is called from a thread worker. When
the `incident_console` schema is missing, nothing is opened (the store would quietly fall
back to a local file nobody else sees); the screens say "run incident-console init", or,
with `--allow-write`, offer to create it.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from console.core.db import DatabaseError
from console.core.state import SCHEMA, init_state
from console.core.state_place import StatePlace
from console.incidents import timeline as drafts
from console.incidents.desk_queries import live_schema_ready, state_schema_ready
from console.incidents.model import Incident, TimelineEntry
from console.incidents.postmortem_report import write_postmortem
from console.incidents.presence import Identity
from console.incidents.session import SharedIncident
from screens.options import DashboardOptions

INIT_HELP = f"the {SCHEMA} schema is missing: run incident-console init"


class IncidentDesk:
    """One console's view of the current incident; safe to call from worker threads."""

    def __init__(self, options: DashboardOptions, *, recording: Any = None) -> None:
        from console.core.audit import current_operator
        from console.recovery.audit import AuditLog

        place = StatePlace(
            options.state_database, options.settings, options.state_dir, options.limits
        )
        self.state_dsn = place.dsn
        self.operator = options.operator or current_operator()
        self.report_dir = options.report_dir or Path.cwd()
        # The store, shared with the live rules (roles, claims, the two-person rule, whose
        # requests and decisions go to the audit log like every write's).
        self.audit = AuditLog(place.dsn, local_dir=place.local_dir, limits=place.session_limits)
        self.shared = SharedIncident(place, Identity.here(who=self.operator), audit=self.audit)
        self.store = self.shared.store
        self.live_ready = False  # the live-sharing tables exist (see schema_ready)
        # console.recording.background.LiveRecording (None: not recording): told of the
        # incident opening and of every timeline entry this console adds
        self.recording = recording
        if recording is not None:
            self.store.listeners.append(recording.entry)
        self.incident: Incident | None = None
        self.problem = "" if place.dsn else "no state database configured (--dsn)"
        self._lock = threading.Lock()

    # -- the schema --

    def schema_ready(self) -> bool:
        """Whether the state schema exists; sets `problem` to what to do when it does not."""
        if not self.state_dsn:
            self.problem = "no state database configured (--dsn)"
            return False
        try:
            ok = state_schema_ready(self.state_dsn)
        except DatabaseError as exc:
            self.problem = f"state database: {exc.message}"
            return False
        self.problem = "" if ok else INIT_HELP
        if ok and not self.live_ready:
            try:
                self.live_ready = live_schema_ready(self.state_dsn)
            except DatabaseError:
                self.live_ready = False
        return ok

    def create_schema(self) -> None:
        init_state(self.state_dsn)
        self.problem = ""

    # -- incidents --

    def resume(self) -> Incident | None:
        """The incident still open from an earlier session (shared through the database)."""
        if self.schema_ready():
            with self._lock:
                self.incident = self.store.current_incident()
            self._tell_recording()
        return self.incident

    def refresh_incident(self) -> Incident | None:
        """The open incident as the database has it now (another console may have handed
        the lead over, closed it, or opened one); unchanged when the database is down."""
        if not self.schema_ready():
            return self.incident
        with self._lock:
            current = self.store.current_incident()
            if not self.store.last_problem:
                self.incident = current
            return self.incident

    def open(self, title: str, severity: str, finding: Any = None) -> Incident:
        if not self.schema_ready():
            raise DatabaseError(self.problem)
        with self._lock:
            if finding is not None:
                self.incident = self.store.open_from_finding(finding, self.operator)
            else:
                self.incident = self.store.open_incident(
                    title, severity, self.operator, self.operator
                )
        self._tell_recording()
        return self.incident

    def _tell_recording(self) -> None:
        if self.recording is not None and self.incident is not None:
            self.recording.incident_changed(self.incident)

    def timeline(self) -> list[TimelineEntry]:
        if self.incident is None:
            return []
        with self._lock:
            return self.store.timeline(self.incident)

    def escalation(self) -> tuple[str, ...]:
        return self.store.escalation(self.incident) if self.incident else ()

    # -- records (a no-op without an open incident) --

    def note(self, text: str) -> TimelineEntry | None:
        if self.incident is None:
            raise DatabaseError("no incident is open: open one first (o)")
        with self._lock:
            return self.store.note(self.incident, self.operator, text)

    def record_step(
        self, runbook: str, step: str, verdict: str, rows: int | None, status: str = ""
    ) -> None:
        self._record(drafts.step_entry(runbook, step, verdict, rows, status))

    def record_plan(self, plan: Any) -> None:
        self._record(drafts.plan_entry(plan))

    def record_result(self, result: Any) -> None:
        self._record(drafts.result_entry(result))

    def _record(self, draft: drafts.EntryDraft) -> None:
        """On the open incident's timeline, by this console's operator."""
        if self.incident is not None:
            with self._lock:
                self.store.add_entry(
                    self.incident, draft.kind, self.operator, draft.text, draft.data
                )

    # -- the report --

    def write_postmortem(self, now: datetime) -> Path:
        """Write the postmortem draft of the open incident, with the charts of its
        recording beside it; returns where."""
        if self.incident is None:
            raise DatabaseError("no incident is open: nothing to write")
        recorded = self.recording.flush() if self.recording is not None else None
        try:
            written = write_postmortem(
                self.incident, self.timeline(), self.report_dir, now=now, recording_path=recorded
            )
        except OSError as exc:
            raise DatabaseError(f"cannot write the postmortem: {exc.strerror or exc}") from None
        return written.path

    def close(self) -> None:
        self.shared.close()
        self.audit.close()
