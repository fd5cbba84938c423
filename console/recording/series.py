"""The curves the team watched, read back from a recording, and the numbers of the impact.

The series are what the dashboard showed at each poll (the 5-minute rates, the 15-minute
p95, the backlog), not a re-computation: a postmortem should show what the people on call
saw when they decided. Peaks are taken over every recorded poll; only the plotted points
are thinned (`max_points`), so a spike between two plotted points still counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.recording import format as fmt
from console.recording.recording import Recording

METRICS = ("received", "processed", "error_rate", "p95", "backlog", "waiting")


@dataclass(frozen=True)
class Marker:
    """A moment to mark on the charts: a finding fired or cleared, an action applied."""

    at: datetime
    kind: str  # "fired" | "cleared" | "action"
    label: str


@dataclass(frozen=True)
class Series:
    """Poll-by-poll values over a window (None where the dashboard had no value)."""

    times: tuple[datetime, ...] = ()
    values: Mapping[str, tuple[float | None, ...]] = field(default_factory=dict)
    peaks: Mapping[str, float | None] = field(default_factory=dict)
    lows: Mapping[str, float | None] = field(default_factory=dict)
    totals: Mapping[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.times)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _point(state: Mapping[str, Any]) -> dict[str, float | None]:
    backlog = state.get("backlog") or {}
    p95 = state.get("p95_processing_seconds_15m")
    if p95 is None:
        p95 = state.get("p95_processing_seconds_1h")
    processed = _number(state.get("processed_5m"))
    return {
        "received": _number(state.get("events_per_minute")),
        "processed": processed / 5 if processed is not None else None,
        "error_rate": _number(state.get("error_rate_5m")),
        "p95": _number(p95),
        "backlog": _number(backlog.get("unprocessed")),
        "waiting": _number(backlog.get("oldest_without_error_age_seconds")),
    }


def series(
    recording: Recording,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    max_points: int = 1500,
) -> Series:
    """The dashboard's values at each poll in `start..end` (the whole recording by default)."""
    times: list[datetime] = []
    points: list[dict[str, float | None]] = []
    first_window: dict[str, Any] | None = None
    last_window: dict[str, Any] | None = None
    for at, state, _ in recording.iter_states():
        if (start and at < start) or (end and at > end):
            continue
        times.append(at)
        points.append(_point(state))
        throughput = state.get("throughput") or {}
        if first_window is None:
            first_window = dict(throughput)
        last_window = throughput
    peaks = {
        name: max((p[name] for p in points if p[name] is not None), default=None)
        for name in METRICS
    }
    lows = {
        name: min((p[name] for p in points if p[name] is not None), default=None)
        for name in METRICS
    }
    totals = _window_totals(first_window or {}, last_window or {}, times)
    step = max(1, -(-len(times) // max_points)) if max_points > 0 else 1
    keep = list(range(0, len(times), step))
    if times and keep[-1] != len(times) - 1:
        keep.append(len(times) - 1)
    return Series(
        times=tuple(times[i] for i in keep),
        values={name: tuple(points[i][name] for i in keep) for name in METRICS},
        peaks=peaks,
        lows=lows,
        totals=totals,
    )


def _window_totals(
    first: Mapping[str, Any], last: Mapping[str, Any], times: list[datetime]
) -> dict[str, int]:
    """Events received and failed during the window, from the per-minute buckets of its
    last poll (the minutes since its first poll's newest minute)."""
    if not times or not last:
        return {}
    since = max(first) if first else min(last)
    received = errors = 0
    for minute, values in last.items():
        if minute >= since:
            by_type, failed = values[0] or {}, values[1] or 0
            received += sum(int(n) for n in by_type.values())
            errors += int(failed)
    return {"received": received, "failed": errors}


def markers(recording: Recording, extra: Iterable[Any] = ()) -> list[Marker]:
    """Findings fired and cleared, and actions applied: from the recording and from any
    timeline entries given (an incident's own timeline), each once."""
    out: list[Marker] = []
    seen: set[str] = set()
    for event in recording.events:
        if event.kind == fmt.FIRED:
            out.append(Marker(event.at, "fired", event.finding_id))
        elif event.kind == fmt.CLEARED:
            out.append(Marker(event.at, "cleared", event.finding_id))
        elif event.kind == fmt.ENTRY:
            entry = event.data.get("entry") or {}
            seen.add(str(entry.get("id")))
            if entry.get("kind") == "action_applied":
                label = str((entry.get("data") or {}).get("action_id") or "action")
                out.append(Marker(event.at, "action", label))
    for entry in extra:
        if getattr(entry, "kind", None) == "action_applied" and str(entry.id) not in seen:
            label = str((getattr(entry, "data", None) or {}).get("action_id") or "action")
            out.append(Marker(entry.at, "action", label))
    return sorted(out, key=lambda m: m.at)
