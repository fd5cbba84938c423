"""The Recorder: what the console polled and what happened, appended as it happens.

The writer keeps compressed output in memory between flushes and writes it together with
a sync flush, then fsyncs: the file on disk always ends on a flush boundary, so a console
killed between two flushes leaves a recording that reads cleanly up to its last flush
(at most `flush_seconds` lost), and a file that ends inside a record really was cut.
Findings, timeline entries and phase changes are flushed at once: they are the story.

A recording never stops the console: a write that fails (disk full, folder gone) is kept
in `problem`, and the Recorder goes quiet instead of raising into the poll loop.
"""

from __future__ import annotations

import json
import os
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from console import __version__
from console.core.config import Settings
from console.core.jsonable import jsonable
from console.core.private_files import open_private
from console.core.state import INCIDENT_COLUMNS
from console.metrics.snapshot import Snapshot
from console.recording import format as fmt
from console.recording.redact import Scrubber, secrets_of, settings_summary
from console.recording.wire import StateEncoder

Clock = Callable[[], datetime]
FINDING_FIELDS = ("id", "severity", "title", "value", "threshold", "runbook", "evidence", "since")
ENTRY_FIELDS = ("id", "incident_id", "at", "kind", "author", "text", "data")
INCIDENT_FIELDS = INCIDENT_COLUMNS


def utc_now() -> datetime:
    return datetime.now(UTC)


def _pick(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        return {n: jsonable(obj.get(n)) for n in names if n in obj}
    return {n: jsonable(getattr(obj, n)) for n in names if hasattr(obj, n)}


def finding_json(finding: Any) -> dict[str, Any]:
    """A triage Finding (or anything shaped like one) as the recording keeps it."""
    return _pick(finding, FINDING_FIELDS)


class Recorder:
    """Appends one incident's (or one session's) recording to `path`."""

    def __init__(
        self,
        path: Path,
        *,
        settings: Settings | None = None,
        samples: bool = False,
        source: Mapping[str, Any] | None = None,
        flush_seconds: float = fmt.DEFAULT_FLUSH_SECONDS,
        member_seconds: float = fmt.DEFAULT_MEMBER_SECONDS,
        clock: Clock = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.samples = samples
        self.flush_seconds = flush_seconds
        self.member_seconds = member_seconds
        self.clock = clock
        self.monotonic = monotonic
        self.scrubber = Scrubber(secrets_of(settings), samples=samples)
        self._encoder = StateEncoder(self.scrubber)
        self.problem = ""
        self.records = 0
        self.closed = False
        self._settings = settings
        self._source = dict(source or {})
        self._lock = threading.Lock()
        self._handle: BinaryIO | None = None
        self._compressor: Any = None
        self._pending: list[bytes] = []
        self._last_flush = 0.0
        self._member_started: float | None = None
        self._findings: list[dict[str, Any]] | None = None
        self._active: dict[str, dict[str, Any]] = {}

    # --- life cycle ----------------------------------------------------------------------

    def open(self) -> Recorder:
        """Create the file (0600, refusing to overwrite a recording) and write the header."""
        with self._lock:
            if self._handle is not None:
                return self
            if self.path.exists() and self.path.stat().st_size > 0:
                raise FileExistsError(f"{self.path} already exists; record to a new file")
            self._handle = open_private(self.path)
            self._compressor = self._new_member()
            self._write(
                {
                    "t": fmt.HEADER,
                    "at": self.clock(),
                    "format": fmt.FORMAT,
                    "version": fmt.VERSION,
                    "console_version": __version__,
                    "started_at": self.clock(),
                    "settings": settings_summary(self._settings),
                    "samples": self.samples,
                    "flush_seconds": self.flush_seconds,
                    "member_seconds": self.member_seconds,
                    "source": self._source,
                }
            )
            self._flush_locked()
        return self

    def close(self) -> None:
        """Write the end record and the last member's trailer; safe to call twice."""
        with self._lock:
            if self.closed or self._handle is None:
                self.closed = True
                return
            self._write({"t": fmt.END, "at": self.clock()})
            self._finish_member()
            self._flush_locked()
            self.closed = True
            try:
                self._handle.close()
            except OSError as exc:
                self.problem = self.problem or f"recording {self.path}: {exc}"
            self._handle = None

    def flush(self) -> None:
        """Put everything recorded so far on disk now (before the file is read back)."""
        with self._lock:
            if self._writable():
                self._flush_locked()

    def __enter__(self) -> Recorder:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what is recorded ----------------------------------------------------------------

    def snapshot(
        self, snapshot: Snapshot, findings: Iterable[Any] = (), *, at: datetime | None = None
    ) -> None:
        """One poll: its Snapshot (as changes since the last) and the findings it lit.
        `at` is when it was polled (default: now; earlier polls kept in memory pass it)."""
        found = [self.scrubber.value(finding_json(f)) for f in findings]
        with self._lock:
            if not self._writable():
                return
            now = self.monotonic()
            started = self._member_started
            if started is not None and now - started >= self.member_seconds:
                self._finish_member()
                self._compressor = self._new_member()
                self._member_started = None
            at = at or self.clock()
            if self._member_started is None:
                self._member_started = now
                state = self._encoder.encode(snapshot)
                self._write({"t": fmt.KEY, "at": at, "s": state, "f": found})
            else:
                record: dict[str, Any] = {
                    "t": fmt.SNAP,
                    "at": at,
                    "d": self._encoder.changes(snapshot),
                }
                if found != self._findings:
                    record["f"] = found
                self._write(record)
            self._findings = found
            events = self._finding_events(found, at)
            self._maybe_flush(force=bool(events))

    def poll_failed(self, error: str, kind: str = "error") -> None:
        """A poll that could not read the database (what the dashboard showed instead);
        `kind` as the dashboard classed it ("unreachable": the database was down)."""
        record = {"t": fmt.ERROR, "error": self.scrubber.text(str(error)), "kind": kind}
        self._event(record, force=False)

    def entry(self, entry: Any) -> None:
        """An incident timeline entry (a TimelineEntry or a mapping with its fields)."""
        self._event({"t": fmt.ENTRY, "entry": self.scrubber.value(_pick(entry, ENTRY_FIELDS))})

    def incident(self, incident: Any) -> None:
        """The incident as it is now (opened, handed over, closed)."""
        data = self.scrubber.value(_pick(incident, INCIDENT_FIELDS))
        self._event({"t": fmt.INCIDENT, "incident": data})

    def phase(self, phase_id: str, title: str = "") -> None:
        self._event({"t": fmt.PHASE, "phase": phase_id, "title": title or phase_id})

    # --- internals -----------------------------------------------------------------------

    def _finding_events(self, found: list[dict[str, Any]], at: datetime) -> int:
        now = {str(f.get("id")): f for f in found}
        events = 0
        for finding_id, finding in now.items():
            if finding_id not in self._active:
                self._write({"t": fmt.FIRED, "at": at, "finding": finding})
                events += 1
        for finding_id in self._active:
            if finding_id not in now:
                self._write({"t": fmt.CLEARED, "at": at, "id": finding_id})
                events += 1
        self._active = now
        return events

    def _event(self, record: dict[str, Any], *, force: bool = True) -> None:
        with self._lock:
            if not self._writable():
                return
            self._write({**record, "at": self.clock()})
            self._maybe_flush(force=force)

    def _writable(self) -> bool:
        return self._handle is not None and not self.closed and not self.problem

    @staticmethod
    def _new_member() -> Any:
        return zlib.compressobj(6, zlib.DEFLATED, 31, 9)

    def _write(self, record: Mapping[str, Any]) -> None:
        # the values are JSON already (encoded once); only times need converting
        line = json.dumps(
            record, ensure_ascii=False, separators=(",", ":"), default=jsonable, allow_nan=False
        )
        self._pending.append(self._compressor.compress(line.encode("utf-8") + b"\n"))
        self.records += 1

    def _finish_member(self) -> None:
        if self._compressor is not None:
            self._pending.append(self._compressor.flush(zlib.Z_FINISH))
            self._compressor = None

    def _maybe_flush(self, *, force: bool = False) -> None:
        if force or self.monotonic() - self._last_flush >= self.flush_seconds:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if self._handle is None or self.problem:
            return
        if self._compressor is not None:
            self._pending.append(self._compressor.flush(zlib.Z_SYNC_FLUSH))
        data, self._pending = b"".join(self._pending), []
        try:
            self._handle.write(data)
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            self.problem = f"recording stopped: cannot write {self.path}: {exc.strerror or exc}"
        self._last_flush = self.monotonic()
