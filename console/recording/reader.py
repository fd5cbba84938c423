"""Reading a recording: everything up to the damage, then one line saying where it is.

A member whose gzip trailer checks is vouched for. The last member of a file whose
console was killed has no trailer; it ends on a flush boundary, so its complete lines are
kept and the recording is only *unterminated* (a warning, not an error). A file that ends
inside a record was cut (`TruncatedRecording`); bytes that fail to decompress or fail the
checksum, or a line that is not a record, are `CorruptRecording`, and the member holding
them is dropped whole (its checksum is the only proof of which lines are right). Every
error names the byte offset and the number of the record where reading stopped.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from console.recording import format as fmt

CHUNK = 1 << 20


@dataclass
class Member:
    """One gzip member: where its bytes are and which records it holds."""

    offset: int
    length: int = 0
    verified: bool = False
    first_record: int = 0  # index of its first record in the whole file
    records: int = 0
    snapshots: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None


@dataclass(frozen=True)
class Damage:
    kind: str  # "unterminated" | "truncated" | "corrupt"
    message: str
    offset: int
    record: int  # records read before it

    @property
    def fatal(self) -> bool:
        """True when part of what was written is lost (not just an unclosed file)."""
        return self.kind != "unterminated"


@dataclass
class Scan:
    """A whole file read once: its header, members, snapshot times, events and damage."""

    path: Path
    header: dict[str, Any]
    members: list[Member] = field(default_factory=list)
    snapshot_times: list[datetime] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    damage: Damage | None = None
    ended: bool = False
    records: int = 0


def _at(record: dict[str, Any], where: str) -> datetime:
    try:
        return datetime.fromisoformat(record["at"])
    except (KeyError, TypeError, ValueError):
        raise fmt.CorruptRecording(f"{where}: the record has no valid time") from None


_LAZY = {f'{{"t":"{kind}","at":"': kind for kind in (fmt.KEY, fmt.SNAP)}


def _lazy(line: str) -> dict[str, Any] | None:
    """The type and time of a snapshot line without parsing its (large) state."""
    for prefix, kind in _LAZY.items():
        if line.startswith(prefix):
            start = len(prefix)
            end = line.find('"', start)
            return {"t": kind, "at": line[start:end]} if end > start else None
    return None


def _parse_lines(text: str, member: Member, lazy: bool) -> list[dict[str, Any]]:
    """The records of a member's text; with `lazy` (a member whose checksum held),
    snapshot lines are only read for their time: the player decodes them when needed."""
    out: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n"), start=member.first_record):
        if not line:
            continue
        if lazy and (record := _lazy(line)) is not None:
            _at(record, f"record {number + 1} at byte {member.offset}")
            out.append(record)
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise fmt.CorruptRecording(
                f"corrupt recording: record {number + 1} in the member at byte "
                f"{member.offset} is not JSON",
                offset=member.offset,
                record=number,
            ) from None
        if not isinstance(record, dict) or not isinstance(record.get("t"), str):
            raise fmt.CorruptRecording(
                f"corrupt recording: record {number + 1} at byte {member.offset} has no type",
                offset=member.offset,
                record=number,
            )
        _at(record, f"record {number + 1} at byte {member.offset}")
        out.append(record)
    return out


def _members(path: Path) -> Iterator[tuple[Member, bytes, bool]]:
    """(member, decompressed bytes, complete) for each member; raises at damage."""
    with path.open("rb") as handle:
        offset = 0
        data = handle.read(CHUNK)
        if not data:
            raise fmt.NotARecording(f"{path} is empty: not a recording", offset=0, record=0)
        buffered = data
        read_to = len(data)
        while buffered:
            member = Member(offset=offset)
            inflater = zlib.decompressobj(31)
            out: list[bytes] = []
            while True:
                try:
                    out.append(inflater.decompress(buffered))
                except zlib.error as exc:
                    if offset == 0 and not out:
                        raise fmt.NotARecording(
                            f"{path} is not a recording (not gzip data at byte 0)",
                            offset=0,
                            record=0,
                        ) from None
                    raise fmt.CorruptRecording(
                        f"corrupt recording: the member at byte {offset} does not decompress "
                        f"({_why(exc)})",
                        offset=offset,
                    ) from None
                if inflater.eof:
                    rest = inflater.unused_data
                    member.length = read_to - len(rest) - offset
                    member.verified = True
                    yield member, b"".join(out), True
                    offset += member.length
                    buffered = rest
                    break
                buffered = handle.read(CHUNK)
                if not buffered:
                    out.append(inflater.flush())
                    member.length = read_to - offset
                    yield member, b"".join(out), False
                    return
                read_to += len(buffered)
            if not buffered:
                buffered = handle.read(CHUNK)
                read_to += len(buffered)


def _why(exc: zlib.error) -> str:
    text = str(exc)
    return text.split(": ", 1)[-1] if ": " in text else text


def iter_members(
    path: Path, *, lazy: bool = False
) -> Iterator[tuple[Member, list[dict[str, Any]]]]:
    """Each readable member with its records; raises a RecordingError at the damage.
    With `lazy`, snapshot records of verified members hold only their type and time."""
    index = 0
    last_at: datetime | None = None
    for member, raw, complete in _members(path):
        member.first_record = index
        where = f"member at byte {member.offset}"
        try:  # a cut member may end inside a character: that tail line is dropped below
            text = raw.decode("utf-8", errors="strict" if complete else "replace")
        except UnicodeDecodeError:
            raise fmt.CorruptRecording(
                f"corrupt recording: the {where} is not UTF-8 text", offset=member.offset
            ) from None
        cut = ""
        if not complete and text and not text.endswith("\n"):
            text, _, cut = text.rpartition("\n")
        records = _parse_lines(text, member, lazy and complete)
        member.records = len(records)
        member.snapshots = sum(1 for r in records if r["t"] in (fmt.KEY, fmt.SNAP))
        if records:
            member.first_at = _at(records[0], where)
            member.last_at = _at(records[-1], where)
        index += len(records)
        yield member, records
        last_at = member.last_at or last_at
        if cut:
            when = f" (last complete record at {last_at:%H:%M:%S} UTC)" if last_at else ""
            raise fmt.TruncatedRecording(
                f"recording truncated at byte {member.offset + member.length}: record "
                f"{index + 1} is cut short{when}",
                offset=member.offset + member.length,
                record=index,
            )


def scan(path: Path) -> Scan:
    """Read `path` once. Raises `NotARecording` only; other damage is in `Scan.damage`."""
    path = Path(path)
    result: Scan | None = None
    try:
        for member, records in iter_members(path, lazy=True):
            if result is None:
                result = Scan(path=path, header=_header(path, records))
            _index(result, member, records)
    except fmt.NotARecording:
        raise
    except fmt.RecordingError as exc:
        if result is None:
            raise fmt.NotARecording(
                f"{path} is not an incident-console recording ({exc})", offset=exc.offset, record=0
            ) from None
        kind = "truncated" if isinstance(exc, fmt.TruncatedRecording) else "corrupt"
        offset = exc.offset if exc.offset is not None else 0
        result.damage = Damage(kind, str(exc), offset, result.records)
        return result
    if result is None:
        raise fmt.NotARecording(f"{path} holds no records", offset=0, record=0)
    if not result.ended:
        last = result.members[-1] if result.members else None
        end = last.offset + last.length if last else 0
        when = f" at {last.last_at:%H:%M:%S} UTC" if last and last.last_at else ""
        result.damage = Damage(
            "unterminated",
            f"the recording ends without its closing record{when} (the console was killed "
            "or is still recording): replaying what was flushed",
            end,
            result.records,
        )
    return result


def _header(path: Path, records: list[dict[str, Any]]) -> dict[str, Any]:
    header = records[0] if records else {}
    if header.get("t") != fmt.HEADER or header.get("format") != fmt.FORMAT:
        raise fmt.NotARecording(f"{path} is not an incident-console recording", offset=0)
    version = header.get("version")
    if not isinstance(version, int) or version > fmt.VERSION:
        raise fmt.NotARecording(
            f"{path} is a recording of format version {version}; this console reads up to "
            f"{fmt.VERSION}",
            offset=0,
        )
    return header


def _index(result: Scan, member: Member, records: list[dict[str, Any]]) -> None:
    """Add one member's records; a change before its member's keyframe is corrupt."""
    keyed = False
    times: list[datetime] = []
    events: list[dict[str, Any]] = []
    ended = False
    for number, record in enumerate(records, start=member.first_record):
        kind = record["t"]
        if kind in (fmt.KEY, fmt.SNAP):
            if kind == fmt.SNAP and not keyed:
                raise fmt.CorruptRecording(
                    f"corrupt recording: record {number + 1} (member at byte {member.offset}) "
                    "changes a snapshot that was never recorded",
                    offset=member.offset,
                    record=number,
                )
            keyed = True
            times.append(datetime.fromisoformat(record["at"]))
        elif kind == fmt.END:
            ended = True
        elif kind in (*fmt.EVENT_KINDS, fmt.ERROR):
            events.append(record)
    result.ended = result.ended or ended
    result.events += events
    result.members.append(member)
    result.snapshot_times += times
    result.records += len(records)


def read_member(path: Path, member: Member) -> list[dict[str, Any]]:
    """The records of one member of a scanned file (the player decodes lazily)."""
    with Path(path).open("rb") as handle:
        handle.seek(member.offset)
        raw = handle.read(member.length)
    inflater = zlib.decompressobj(31)
    text = (inflater.decompress(raw) + inflater.flush()).decode("utf-8")
    lines = [line for line in text.split("\n") if line]
    return [json.loads(line) for line in lines[: member.records]]
