"""This console's part in the shared incident: the live feed, its presence, and the rules.

A follower thread (console.incidents.live) brings each timeline entry and each change to
the UI thread, where it updates what the screens read — the desk's incident (a new
commander), the checklist's step states (a step someone else ran, or is running, shows
as theirs) — and posts `LiveUpdated` to the screen on top, so the timeline, the index
and the runbook show it within a second. An approval request or decision is a
notification to the people concerned. The once-a-second status tick moves this
console's presence row to the screen it is on.

The rules the controllers ask before a step or a write (observers run nothing; a step
claimed by another console is theirs; the two-person rule) are here too: blocking calls,
made from worker threads. Nothing of this starts without a state database whose schema
has the live tables, so a console without one behaves exactly as before.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import Screen

from console.core.db import DatabaseError
from console.incidents.live import Changed, Follower, Link, LiveEntry, LiveEvent
from console.incidents.presence import Heartbeat
from console.incidents.roles import OBSERVER, require_runner
from console.incidents.two_person import TwoPersonRule, guarded_apply
from screens.messages import LiveUpdated
from screens.views.checklist_state import Checklists

if TYPE_CHECKING:
    from console.incidents.session import IncidentView, SharedIncident
    from screens.controllers.incident_desk import IncidentDesk

# entries after which the roles, presence, claims or approvals are read again
STATE_KINDS = {"opened", "closed", "commander", "role", "step_started", "step", "approval"}
SCREEN_NAMES = {
    "DashboardScreen": "dashboard",
    "ChecklistScreen": "checklists",
    "TimelineScreen": "timeline",
    "BackendScreen": "backend",
}


def screen_name(screen: Screen[Any] | None) -> str:
    """What the others see this console looking at."""
    if screen is None:
        return ""
    runbook = getattr(screen, "runbook", None)
    if runbook is not None and getattr(runbook, "id", None):
        return f"runbook {runbook.id}"
    name = type(screen).__name__
    return SCREEN_NAMES.get(name, name.removesuffix("Screen").lower())


@dataclass(eq=False)
class LiveLink:
    app: App[Any]
    _desk: Callable[[], IncidentDesk]
    checklists: Checklists
    top: Callable[[], Screen[Any] | None]
    on_status: Callable[[], None]
    view: IncidentView | None = field(default=None, init=False)
    link: str = field(default="", init=False)
    started: bool = field(default=False, init=False)
    _stop: threading.Event | None = field(default=None, init=False)
    _heartbeat: Heartbeat | None = field(default=None, init=False)
    _want_view: threading.Event = field(default_factory=threading.Event, init=False)
    _reader: threading.Thread | None = field(default=None, init=False)

    @property
    def desk(self) -> IncidentDesk:
        return self._desk()

    @property
    def shared(self) -> SharedIncident:
        return self.desk.shared

    # --- life cycle ------------------------------------------------------------------

    def start(self) -> None:
        """Follow the state database (UI thread, after the desk found its schema)."""
        if self.started or not self.desk.live_ready:
            return
        self.started = True
        desk = self.desk
        self._stop = threading.Event()
        follower = Follower(self.shared.place)
        threading.Thread(
            target=follower.run, args=(self._emit, self._stop), name="live-follow", daemon=True
        ).start()
        self._heartbeat = Heartbeat(self.shared.place, self.shared.identity)
        self._heartbeat.show(desk.incident.id if desk.incident else None, screen_name(self.top()))
        self._heartbeat.start()
        self._reader = threading.Thread(target=self._read_views, name="live-view", daemon=True)
        self._reader.start()
        self.refresh()

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self._want_view.set()
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
        self.started = False

    def tick(self) -> None:
        """Once a second (the status bar's clock): keep presence on the screen shown."""
        if self._heartbeat is not None:
            incident = self.desk.incident
            self._heartbeat.show(incident.id if incident else None, screen_name(self.top()))

    # --- from the follower thread to the UI thread ------------------------------------

    def _emit(self, event: LiveEvent) -> None:
        self._to_ui(self._on_event, event)

    def _to_ui(self, call: Callable[..., None], *args: Any) -> None:
        """Run `call` on the UI thread (and wait), unless the app is going or gone."""
        stop = self._stop
        if stop is None or stop.is_set() or not self.app.is_running:
            return
        with contextlib.suppress(RuntimeError):  # it went meanwhile: nobody to tell
            self.app.call_from_thread(call, *args)

    def _on_event(self, event: LiveEvent) -> None:
        if isinstance(event, Link):
            self.link = "" if event.connected else f"live: {event.problem}"
            if event.connected:
                self.refresh()
            self.on_status()
            return
        if isinstance(event, Changed):
            self.refresh()
            return
        incident = self.desk.incident
        if incident is None or event.incident_id != incident.id:
            if event.kind == "opened":
                self.refresh()  # someone opened one: this console joins it
            return
        self._share_step(event)
        self._tell(event)
        if event.kind in STATE_KINDS:
            self.refresh()
        self._post(LiveUpdated(event))

    def _post(self, message: LiveUpdated) -> None:
        screen = self.top()
        if screen is not None and screen.is_attached:
            screen.post_message(message)

    def _share_step(self, entry: LiveEntry) -> None:
        """Another console's step: shown as theirs on this console's checklist."""
        if entry.kind not in ("step", "step_started") or entry.who == self.shared.who:
            return
        runbook, step = str(entry.data.get("runbook") or ""), str(entry.data.get("step") or "")
        if not runbook or not step:
            return
        state = self.checklists.state(runbook, step)
        if entry.kind == "step_started":
            state.status, state.verdict = "running", f"running — {entry.who} is running it"
        else:
            state.status = str(entry.data.get("status") or "done")
            state.verdict = f"{entry.data.get('verdict') or state.status} — run by {entry.who}"
            state.result = None

    def _tell(self, entry: LiveEntry) -> None:
        if entry.kind != "approval" or entry.who == self.shared.who:
            return
        status = entry.data.get("status")
        incident = self.desk.incident
        me = self.shared.who
        if status == "pending" and incident is not None and me == incident.commander:
            self.app.notify(f"{entry.text}. t, then a to decide.", title="Approval", timeout=30)
        elif status in ("approved", "refused") and f"asked by {me}" in entry.text:
            then = " Apply again to go ahead." if status == "approved" else ""
            self.app.notify(entry.text + then, title="Approval", timeout=30)

    # --- the shared view (roles, presence, claims, approvals), read off the UI thread ----

    def refresh(self) -> None:
        self._want_view.set()

    def _read_views(self) -> None:
        stop = self._stop
        while stop is not None and not stop.is_set():
            self._want_view.wait()
            self._want_view.clear()
            if stop.is_set():
                return
            stop.wait(0.05)  # a burst of hints: one read
            self._to_ui(self._set_view, self._read())

    def _read(self) -> IncidentView | None:
        desk = self.desk
        try:
            incident = desk.refresh_incident()
            return self.shared.view(incident, timeline=False) if incident else None
        except (DatabaseError, ValueError, OSError):
            return self.view

    def _set_view(self, view: IncidentView | None) -> None:
        self.view = view
        self.on_status()
        self._post(LiveUpdated(None))

    # --- what the status bar and the timeline show ------------------------------------

    def summary(self) -> str:
        """'you: operator · 3 on · 1 approval waiting', or '' outside a shared incident."""
        view = self.view
        if view is None or not self.started:
            return self.link
        parts = [f"you: {view.role}", f"{len(view.present)} on"]
        waiting = sum(1 for a in view.approvals if a.waiting)
        if waiting:
            parts.append(f"{waiting} approval{'s' if waiting > 1 else ''} waiting")
        if self.link:
            parts.append(self.link)
        return " · ".join(parts)

    # --- the rules (blocking: from worker threads) --------------------------------------

    def active(self) -> bool:
        return self.started and self.desk.incident is not None

    def require_runner(self, what: str) -> None:
        """Observers run nothing; raises NotAllowed."""
        incident = self.desk.incident
        if self.active() and incident is not None:
            require_runner(incident, self.shared.who, self.shared.role(incident), what)

    def before_step(self, runbook_id: str, step_id: str) -> str:
        """'' when this console may run the step (claimed for it), else why not."""
        incident = self.desk.incident
        if not self.active() or incident is None:
            return ""
        try:
            got = self.shared.claim_step(incident, runbook_id, step_id)
        except DatabaseError as exc:
            if getattr(exc, "kind", "") == "not_allowed":
                return str(exc)
            return ""  # the state database is down: the step runs, unclaimed
        if got.mine or got.holder is None:
            return ""
        return f"{got.holder.describe()}: its result will show here when it lands"

    def after_step(self, runbook_id: str, step_id: str) -> None:
        incident = self.desk.incident
        if self.active() and incident is not None:
            with contextlib.suppress(DatabaseError):
                self.shared.release_step(incident, runbook_id, step_id)

    @contextmanager
    def guard(self, plan: Any) -> Iterator[Any]:
        """Around an apply: observers refused, the two-person rule while shared."""
        self.require_runner("run recovery actions")
        rule = TwoPersonRule(self.shared) if self.active() else None
        with guarded_apply(rule, self.desk.incident, plan) as approval:
            yield approval

    def is_observer(self) -> bool:
        return self.view is not None and self.view.role == OBSERVER
