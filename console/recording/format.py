"""The recording file: gzip members of JSON Lines, so `zcat FILE | jq` reads it too.

Layout: a sequence of gzip members (concatenated members are one valid gzip file). Each
member opens with a keyframe (the whole Snapshot state) and then holds the changes of the
next polls, the findings fired and cleared, timeline entries, phases and incident records.
The writer sync-flushes the open member and fsyncs every few seconds, so a console killed
mid-incident leaves a file readable up to its last flush; it closes a member every
`member_seconds` (the gzip trailer's CRC then vouches for it) and starts the next with a
fresh keyframe, which is also where a replay seeks from.

Every line is one object with `t` (its type) and `at` (the console's UTC clock when it
was written; the Snapshot inside keeps the database's own `taken_at`):

- header   {format, version, console_version, started_at, settings, samples, ...}
- key      {s: state, f: findings}          a keyframe
- snap     {d: changes, f?: findings}       the changes since the previous snapshot
- error    {error}                          a poll that failed (database unreachable, ...)
- fired    {finding: {...}}                 a finding lit
- cleared  {id}                             a finding went out
- entry    {entry: {id, kind, author, text, data, at}}   an incident timeline entry
- incident {incident: {...}}                the incident opened, handed over or closed
- phase    {phase, title}                   the incident's phase changed
- end      {}                               the recording was closed cleanly
"""

from __future__ import annotations

FORMAT = "incident-console-recording"
VERSION = 1
SUFFIX = ".icrec.gz"

HEADER = "header"
KEY = "key"
SNAP = "snap"
ERROR = "error"
FIRED = "fired"
CLEARED = "cleared"
ENTRY = "entry"
INCIDENT = "incident"
PHASE = "phase"
END = "end"
KINDS = (HEADER, KEY, SNAP, ERROR, FIRED, CLEARED, ENTRY, INCIDENT, PHASE, END)
EVENT_KINDS = (FIRED, CLEARED, ENTRY, INCIDENT, PHASE)

DEFAULT_FLUSH_SECONDS = 3.0
DEFAULT_MEMBER_SECONDS = 600.0


class RecordingError(Exception):
    """A recording that cannot be read (further): one line saying where and why."""

    def __init__(self, message: str, *, offset: int | None = None, record: int | None = None):
        self.offset = offset
        self.record = record
        super().__init__(message)


class TruncatedRecording(RecordingError):
    """The file ends in the middle of a record (a partial copy, a full disk)."""


class CorruptRecording(RecordingError):
    """Bytes in the file are not what was written (a bad checksum, undecodable data)."""


class NotARecording(RecordingError):
    """The file is not a recording at all (or of a format version this console lacks)."""
