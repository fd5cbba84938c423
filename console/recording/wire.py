"""A Snapshot as the recording stores it: a JSON state, and the changes between two states.

Consecutive Snapshots differ in a few dozen leaves (counters, ages, a session's duration),
while each carries 24 h of per-minute buckets; storing only the changed leaves is what
keeps a day of 2 s polls small. The state is `jsonable(snapshot)` with one change: the
per-minute buckets are keyed by their minute, so a sliding window adds one key and drops
one instead of shifting every element of a list; and the ages of the payment events
waiting (up to 1000 of them, all older at every poll) are kept as the microsecond they
arrived (the poll's time minus the age), which does not change while they wait.

A change is `[path, value]` (set) or `[path]` (delete); a path is a list of object keys
(str) and list indices (int). Lists of equal length are compared element by element;
otherwise the list is replaced whole.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from console.core.jsonable import jsonable
from console.metrics.snapshot import MinuteBucket, Snapshot
from console.recording.typed import decode

Path = list[str | int]
Change = list[Any]  # [path, value] or [path]
State = dict[str, Any]


class Scrub(Protocol):
    """What the encoder asks of `console.recording.redact.Scrubber`."""

    def state(self, state: State) -> State: ...
    def value(self, data: Any) -> Any: ...


_WAITING = "payment_waiting_since_us"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(at: datetime) -> int:
    """Microseconds since the epoch, exactly (a float timestamp would round)."""
    delta = (at if at.tzinfo else at.replace(tzinfo=UTC)) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_BUCKET_FIELDS = ("by_type", "errors", "processed", "latency_sum_seconds", "latency_count")


class StateEncoder:
    """Encodes the Snapshots of one recording, a keyframe or the changes since the last.

    The Collector hands over the same frozen MinuteBucket objects poll after poll for the
    minutes that did not change, so a bucket is encoded (and scrubbed) once, and the
    changes of the 24 h window are found by identity instead of comparing 1440 buckets.
    """

    def __init__(self, scrub: Scrub | None = None) -> None:
        self.scrub = scrub
        self._rest: State | None = None
        self._window: tuple[MinuteBucket, ...] = ()
        self._encoded: dict[int, tuple[MinuteBucket, str, list[Any]]] = {}
        self._memo: dict[Any, Any] = {}

    def encode(self, snapshot: Snapshot) -> State:
        """The whole state of `snapshot` (a keyframe); the next `changes` start from it."""
        rest = self._encode_rest(snapshot)
        self._encoded = {}
        throughput = dict(self._bucket(b) for b in snapshot.throughput)
        self._rest, self._window = rest, snapshot.throughput
        return {**rest, "throughput": throughput}

    def changes(self, snapshot: Snapshot) -> list[Change]:
        """What changed since the previous `encode` or `changes` (which must exist)."""
        if self._rest is None:
            raise RuntimeError("encode a keyframe before asking for changes")
        rest = self._encode_rest(snapshot)
        out = diff(self._rest, rest)
        out += self._window_changes(snapshot.throughput)
        self._rest, self._window = rest, snapshot.throughput
        return out

    def _window_changes(self, window: tuple[MinuteBucket, ...]) -> list[Change]:
        old = self._window
        if len(old) == len(window) and old and old[0] is window[0]:
            changed = [b for a, b in zip(old, window, strict=True) if a is not b]
            return [[["throughput", key], value] for key, value in map(self._bucket, changed)]
        kept: dict[int, tuple[MinuteBucket, str, list[Any]]] = {}
        out: list[Change] = []
        minutes = set()
        for bucket in window:
            cached = self._encoded.get(id(bucket))
            if cached is None or cached[0] is not bucket:
                key, value = self._bucket(bucket)
                out.append([["throughput", key], value])
            minutes.add(bucket.minute)
        for bucket in old:
            if bucket.minute not in minutes:
                out.append([["throughput", bucket.minute.isoformat()]])
        for bucket in window:
            kept[id(bucket)] = self._encoded[id(bucket)]
        self._encoded = kept
        return out

    def _encode_rest(self, snapshot: Snapshot) -> State:
        memo, self._memo = self._memo, {}
        state: State = {
            f.name: self._json(getattr(snapshot, f.name), memo)
            for f in fields(snapshot)
            if f.name not in ("throughput", "backlog")
        }
        backlog = snapshot.backlog
        encoded = {
            f.name: jsonable(getattr(backlog, f.name))
            for f in fields(backlog)
            if f.name != "payment_waiting_seconds"
        }
        now_us = _micros(snapshot.taken_at)
        arrived = Counter(
            str(now_us - round(age * 1_000_000))
            for age in backlog.payment_waiting_seconds
            if age is not None and math.isfinite(age)
        )
        state["backlog"] = {**encoded, _WAITING: dict(arrived)}
        return self.scrub.state(state) if self.scrub is not None else state

    def _json(self, value: Any, memo: dict[Any, Any]) -> Any:
        """`jsonable(value)`, remembering frozen values (sessions, error groups, latency
        rows) from the previous poll: most of them come back unchanged."""
        if isinstance(value, tuple):
            return [self._json(v, memo) for v in value]
        if not is_dataclass(value) or isinstance(value, type):
            return jsonable(value)
        try:
            found = memo.get(value)
        except TypeError:  # holds a mapping: not hashable
            return {f.name: self._json(getattr(value, f.name), memo) for f in fields(value)}
        if found is None:
            found = {f.name: self._json(getattr(value, f.name), memo) for f in fields(value)}
        self._memo[value] = found
        return found

    def _bucket(self, bucket: MinuteBucket) -> tuple[str, list[Any]]:
        cached = self._encoded.get(id(bucket))
        if cached is not None and cached[0] is bucket:
            return cached[1], cached[2]
        value = [jsonable(getattr(bucket, name)) for name in _BUCKET_FIELDS]
        if self.scrub is not None:
            value = self.scrub.value(value)
        key = bucket.minute.isoformat()
        self._encoded[id(bucket)] = (bucket, key, value)
        return key, value


def to_state(snapshot: Snapshot, scrub: Scrub | None = None) -> State:
    """The recording's JSON state of one `snapshot` (see StateEncoder for a series)."""
    return StateEncoder(scrub).encode(snapshot)


class StateDecoder:
    """Turns recorded states back into Snapshots; remembers the buckets it built, since a
    replay decodes state after state of the same 24 h window."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[list[Any], MinuteBucket]] = {}

    def decode(self, state: State) -> Snapshot:
        data = dict(state)
        backlog = data.get("backlog")
        if isinstance(backlog, dict) and _WAITING in backlog:
            now_us = _micros(datetime.fromisoformat(data["taken_at"]))
            since = backlog[_WAITING]
            ages = [(now_us - int(us)) / 1_000_000 for us, n in since.items() for _ in range(n)]
            rest = {k: v for k, v in backlog.items() if k != _WAITING}
            data["backlog"] = {**rest, "payment_waiting_seconds": sorted(ages, reverse=True)}
        throughput = data.pop("throughput", None) or {}
        snapshot = decode(Snapshot, data)
        kept: dict[str, tuple[list[Any], MinuteBucket]] = {}
        buckets: list[MinuteBucket] = []
        for minute in sorted(throughput):
            values = throughput[minute]
            cached = self._buckets.get(minute)
            if cached is None or cached[0] is not values:
                bucket = decode(
                    MinuteBucket,
                    {"minute": minute, **dict(zip(_BUCKET_FIELDS, values, strict=True))},
                )
                cached = (values, bucket)
            kept[minute] = cached
            buckets.append(cached[1])
        self._buckets = kept
        return replace(snapshot, throughput=tuple(buckets))


def from_state(state: State) -> Snapshot:
    """The Snapshot a recorded state describes (typed: times, tuples, mappings)."""
    return StateDecoder().decode(state)


def diff(old: Any, new: Any, path: Path | None = None) -> list[Change]:
    """The changes that turn `old` into `new` (both plain JSON)."""
    path = path or []
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[Change] = []
        for key, value in new.items():
            if key not in old:
                changes.append([[*path, key], value])
            elif old[key] != value:
                changes.extend(diff(old[key], value, [*path, key]))
        changes.extend([[*path, key]] for key in old if key not in new)
        return changes
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and path:
        changes = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                changes.extend(diff(a, b, [*path, index]))
        return changes
    if old == new and type(old) is type(new):
        return []
    return [[path, new]]


def apply(state: State, changes: list[Change]) -> State:
    """`state` with `changes` applied, in place (and returned). Raises on a bad path."""
    for change in changes:
        path = change[0]
        if not isinstance(path, list) or not path:
            raise ValueError(f"a change needs a non-empty path, got {path!r}")
        target: Any = state
        for step in path[:-1]:
            target = target[step]
        last = path[-1]
        if len(change) == 1:
            del target[last]
        else:
            target[last] = change[1]
    return state
