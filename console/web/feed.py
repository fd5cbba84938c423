"""The live incident for every browser tab of one `serve` process.

One follower (LISTEN on the state database), one metrics collector on the monitored
database and one state session, however many tabs are open: a room full of stakeholders
costs the databases what one console costs. Tabs subscribe and get a reset (the whole
timeline and the state) and then each entry as it commits, and a new state whenever the
lead, presence, roles, claims, approvals, findings or the checklist progress change.
Nothing here writes to the monitored database, and the only state-database writes are
the serve process's own presence row (so the commander sees the browser viewers).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from console.core.config import Settings
from console.core.db import DatabaseError
from console.core.service import cancel
from console.core.state_place import StatePlace
from console.incidents.live import Changed, Follower, Link, LiveEntry, LiveEvent
from console.incidents.presence import Heartbeat, Identity
from console.incidents.session import IncidentView, SharedIncident
from console.web.document import document, entry_json

QUEUE_LIMIT = 2_000
# entries that change what the state document says (the lead, a step's progress, ...)
STATE_KINDS = {"opened", "closed", "commander", "role", "step", "step_started", "approval"}


@dataclass(eq=False)  # tabs are kept in a set, by identity
class Tab:
    """One browser tab's mailbox; a tab too slow to keep up is dropped and reconnects."""

    queue: asyncio.Queue[tuple[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LIMIT)
    )
    dropped: bool = False


class CommanderFeed:
    def __init__(
        self,
        settings: Settings,
        *,
        runbooks: Callable[[], Mapping[str, Any]] | None = None,
        refresh_seconds: float | None = None,
    ) -> None:
        self.settings = settings
        self.state_dsn = settings.state_database_url or settings.database_url
        self.monitored_dsn = settings.database_url
        self.refresh_seconds = max(refresh_seconds or settings.refresh_seconds, 1.0)
        self.identity = Identity.here(via="browser", who="browser")
        self.session = SharedIncident(StatePlace(self.state_dsn, settings), self.identity)
        self._runbooks_loader = runbooks
        self._runbooks: Mapping[str, Any] | None = None
        self.view: IncidentView | None = None
        self.entries: list[LiveEntry] = []
        self._seen: set[uuid.UUID] = set()
        self.findings: list[Any] = []
        self.monitored = "starting"
        self.link = "connecting"
        self.tabs: set[Tab] = set()
        self.doc: dict[str, Any] = {}
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="serve-state")
        self._dirty = asyncio.Event()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._follower_stop: Any = None
        self.heartbeat = Heartbeat(self.session.place, self.identity)

    # -- life cycle --

    async def start(self) -> None:
        import threading

        loop = asyncio.get_running_loop()
        self._follower_stop = threading.Event()

        def emit(event: LiveEvent) -> None:
            loop.call_soon_threadsafe(self._on_event, event)

        follower = Follower(self.session.place, after=None)
        threading.Thread(
            target=follower.run, args=(emit, self._follower_stop), daemon=True, name="serve-follow"
        ).start()
        self.heartbeat.show(None, "commander view: 0 open")
        self.heartbeat.start()
        self._dirty.set()
        self._tasks = [
            asyncio.create_task(self._refresher()),
            asyncio.create_task(self._metrics()),
        ]

    async def stop(self) -> None:
        self._stop.set()
        self._dirty.set()
        if self._follower_stop is not None:
            self._follower_stop.set()
        await cancel(*self._tasks)
        await asyncio.get_running_loop().run_in_executor(self._db, self._close_sync)
        self._db.shutdown(wait=False)

    def _close_sync(self) -> None:
        self.heartbeat.stop()
        self.session.close()

    # -- tabs --

    def subscribe(self) -> Tab:
        tab = Tab()
        tab.queue.put_nowait(("reset", [entry_json(e) for e in self.entries]))
        tab.queue.put_nowait(("state", self.doc))
        self.tabs.add(tab)
        self._presence()
        return tab

    def unsubscribe(self, tab: Tab) -> None:
        self.tabs.discard(tab)
        self._presence()

    def _presence(self) -> None:
        incident = self.view.incident.id if self.view else None
        self.heartbeat.show(incident, f"commander view: {len(self.tabs)} open")

    def _send(self, kind: str, payload: Any) -> None:
        for tab in list(self.tabs):
            try:
                tab.queue.put_nowait((kind, payload))
            except asyncio.QueueFull:
                tab.dropped = True
                self.tabs.discard(tab)

    # -- events from the follower (on the loop) --

    def _on_event(self, event: LiveEvent) -> None:
        if isinstance(event, LiveEntry):
            current = self.view.incident.id if self.view else None
            if event.incident_id == current and event.id not in self._seen:
                self._seen.add(event.id)
                self.entries.append(event)
                self._send("entry", entry_json(event))
            if event.kind in STATE_KINDS or event.incident_id != current:
                self._dirty.set()
        elif isinstance(event, Changed):
            self._dirty.set()
        elif isinstance(event, Link):
            self.link = "live" if event.connected else f"reconnecting: {event.problem}"
            self._dirty.set()

    # -- state refreshes --

    async def _refresher(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            await self._dirty.wait()
            await asyncio.sleep(0.05)  # gather a burst of hints into one read
            self._dirty.clear()
            try:
                view, reset = await loop.run_in_executor(self._db, self._read)
            except DatabaseError as exc:
                self.link = f"state database: {exc.message}"
                view, reset = self.view, None
            if reset is not None:
                self.entries = reset
                self._seen = {e.id for e in reset}
                self._send("reset", [entry_json(e) for e in reset])
            self.view = view
            self._publish()

    def _read(self) -> tuple[IncidentView | None, list[LiveEntry] | None]:
        """The open incident (or the last one shown, once closed); its whole timeline when it
        is a different incident from the one on the page."""
        session = self.session
        incident = session.current()
        if session.offline:
            raise DatabaseError(session.offline)
        if incident is None and self.view is not None:
            incident = session.store.get(self.view.incident.id)
        if incident is None:
            return None, [] if self.entries else None
        same = self.view is not None and self.view.incident.id == incident.id
        view = session.view(incident, timeline=not same)
        if session.offline:
            raise DatabaseError(session.offline)
        if same:
            return view, None
        return view, list(view.timeline)

    def _publish(self) -> None:
        doc = document(
            self.view,
            self.entries,
            findings=self.findings,
            monitored=self.monitored,
            link=self.link,
            runbooks=self.runbooks(),
        )
        if doc != self.doc:
            self.doc = doc
            self._send("state", doc)
        self._presence()

    def runbooks(self) -> Mapping[str, Any]:
        if self._runbooks is None:
            try:
                if self._runbooks_loader is not None:
                    self._runbooks = self._runbooks_loader()
                else:
                    from console.runbooks.loader import load_runbooks

                    self._runbooks = load_runbooks()
            except Exception:  # a broken runbook file costs the checklists, not the page
                self._runbooks = {}
        return self._runbooks

    # -- findings --

    async def _metrics(self) -> None:
        if not self.monitored_dsn:
            self.monitored = "no monitored database configured"
            return
        from console.metrics.collector import Collector
        from console.triage import evaluate, resolve_thresholds

        thresholds = resolve_thresholds(self.settings.thresholds)
        collector = Collector(self.monitored_dsn, self.settings)
        try:
            while not self._stop.is_set():
                try:
                    snapshot = await collector.poll()
                    self.findings = sorted(
                        evaluate(snapshot, thresholds), key=lambda f: (f.severity, f.id)
                    )
                    self.monitored = "ok"
                except DatabaseError as exc:
                    self.monitored = f"cannot read the monitored database: {exc.message}"
                self._publish()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.refresh_seconds)
        finally:
            await collector.close()
