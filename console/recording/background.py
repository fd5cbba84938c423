"""Recording beside a live console: a writer thread, and the rules of when to record.

The dashboard's event loop must never wait on a disk: `BackgroundRecorder` hands every
record to one thread that encodes, compresses and fsyncs (the Recorder's own cadence). The
queue is bounded; if the disk cannot keep up, snapshots are dropped (and counted) before
the console slows down, while findings and timeline entries are always kept.

`LiveRecording` decides what is recorded: on demand (`--record FILE`) from start to exit;
otherwise automatically while an incident is open, one file per incident in the
console's recordings folder, starting with the last few minutes polled before it opened
(kept in memory, so the postmortem's charts show the onset). It also notes the incident's
phase changing on the guide's clock. Incidents are duck-typed (id, title, opened_at,
closed_at, clock(now).phase).
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the writer loads when a recording starts, not with the dashboard
    from console.core.config import Settings
    from console.metrics.snapshot import Snapshot
    from console.recording.writer import Recorder


def utc_now() -> datetime:
    return datetime.now(UTC)


QUEUE_LIMIT = 64
PREROLL_POLLS = 150  # 5 minutes at a 2 s refresh: Snapshots share their unchanged parts
_STOP = object()


class BackgroundRecorder:
    """A Recorder fed from any thread, written by its own thread."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.dropped = 0
        self._queue: queue.Queue[Any] = queue.Queue()
        self._pending_snapshots = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="recording", daemon=True)
        recorder.open()
        self._thread.start()

    def snapshot(
        self,
        snapshot: Snapshot,
        findings: Iterable[Any] = (),
        at: datetime | None = None,
        *,
        keep: bool = False,
    ) -> None:
        """Queue one poll; dropped (and counted) when the writer is far behind, unless
        `keep` (the polls kept from before an incident opened are queued at once)."""
        if not keep:
            with self._lock:
                if self._pending_snapshots >= QUEUE_LIMIT:
                    self.dropped += 1
                    return
                self._pending_snapshots += 1
        self._queue.put(("snapshot", (snapshot, list(findings), at, not keep)))

    def poll_failed(self, error: str, kind: str = "error") -> None:
        self._queue.put(("poll_failed", (error, kind)))

    def entry(self, entry: Any) -> None:
        self._queue.put(("entry", (entry,)))

    def incident(self, incident: Any) -> None:
        self._queue.put(("incident", (incident,)))

    def phase(self, phase_id: str, title: str = "") -> None:
        self._queue.put(("phase", (phase_id, title)))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued is on disk (before reading the file back)."""
        done = threading.Event()
        self._queue.put(("flush", (done,)))
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                self.recorder.close()
                return
            kind, args = item
            try:
                if kind == "snapshot":
                    snapshot, findings, at, counted = args
                    if counted:
                        with self._lock:
                            self._pending_snapshots -= 1
                    self.recorder.snapshot(snapshot, findings, at=at)
                elif kind == "flush":
                    self.recorder.flush()
                    args[0].set()
                else:
                    getattr(self.recorder, kind)(*args)
            except Exception as exc:  # never kill the console: say it once, go quiet
                self.recorder.problem = self.recorder.problem or f"recording stopped: {exc}"


class LiveRecording:
    """What a live console records: everything (`path` given) or each open incident."""

    def __init__(
        self,
        settings: Settings | None,
        *,
        path: Path | None = None,
        folder: Path | None = None,
        source: dict[str, Any] | None = None,
        clock: Callable[[], datetime] = utc_now,
        samples: bool = False,
    ) -> None:
        self.settings = settings
        self.samples = samples
        self.on_demand = path
        self.folder = folder
        self.source = dict(source or {"kind": "dashboard"})
        self.clock = clock
        self.current: BackgroundRecorder | None = None
        self._preroll: deque[tuple[Snapshot, list[Any], datetime]] = deque(maxlen=PREROLL_POLLS)
        # entries made before the recording starts (the incident's "opened" entry)
        self._entries: deque[Any] = deque(maxlen=20)
        self._incident: Any = None
        self._phase: str | None = None
        # the desk tells of the incident from several worker threads (open, resume, a
        # refresh): one check-and-start at a time, or two recorders share one file
        self._changing = threading.Lock()
        if path is not None:
            self.current = self._start(Path(path), {"trigger": "on demand"})

    @classmethod
    def from_args(
        cls, settings: Settings | None, args: Any, *, source: dict[str, Any] | None = None
    ) -> LiveRecording:
        """From `--record FILE` (refused if a recording is there) and `--record-samples`."""
        from console.recording.files import new_recording

        path = new_recording(getattr(args, "record", None))
        samples = bool(getattr(args, "record_samples", False))
        return cls(settings, path=path, source=source, samples=samples)

    @property
    def problem(self) -> str:
        return self.current.recorder.problem if self.current is not None else ""

    @property
    def path(self) -> Path | None:
        return self.current.recorder.path if self.current is not None else None

    def _start(self, path: Path, extra: dict[str, Any]) -> BackgroundRecorder:
        from console.recording.writer import Recorder

        source = {**self.source, **extra}
        recorder = Recorder(path, settings=self.settings, samples=self.samples, source=source)
        return BackgroundRecorder(recorder)

    def incident_changed(self, incident: Any) -> None:
        """The incident opened, resumed, changed or closed (None: no incident)."""
        with self._changing:
            self._incident_changed(incident)

    def _incident_changed(self, incident: Any) -> None:
        if incident is not None and incident.closed_at is None and self.current is None:
            from console.core.private_files import private_dir
            from console.recording.files import incident_recording_path, recordings_dir

            folder = private_dir(self.folder or recordings_dir(), own=True)
            path = incident_recording_path(incident.id, self.clock(), folder)
            self.current = self._start(path, {"trigger": "incident", "incident": str(incident.id)})
            for snapshot, findings, at in self._preroll:
                self.current.snapshot(snapshot, findings, at, keep=True)
            self._preroll.clear()
        if self.current is not None and incident is not None:
            self.current.incident(incident)
            for entry in self._entries:  # its "opened" entry, made before this was called
                self.current.entry(entry)
        self._entries.clear()
        self._incident = incident if incident is not None and incident.closed_at is None else None
        self._phase = None if self._incident is None else self._phase
        if self.on_demand is None and self._incident is None and self.current is not None:
            self.current.close()
            self.current = None

    def polled(self, snapshot: Snapshot, findings: Iterable[Any], now: datetime) -> None:
        if self.current is None:
            self._preroll.append((snapshot, list(findings), now))
            return
        self.current.snapshot(snapshot, findings)
        if self._incident is not None:
            phase = self._incident.clock(now).phase
            if phase.id != self._phase:
                self._phase = phase.id
                self.current.phase(phase.id, phase.title)

    def poll_failed(self, error: str, kind: str = "error") -> None:
        if self.current is not None:
            self.current.poll_failed(error, kind)

    def entry(self, entry: Any) -> None:
        if self.current is not None:
            self.current.entry(entry)
        else:
            self._entries.append(entry)

    def flush(self) -> Path | None:
        """Everything so far on disk; the file's path (None when nothing is recorded)."""
        if self.current is None:
            return None
        self.current.flush()
        return self.current.recorder.path

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None
