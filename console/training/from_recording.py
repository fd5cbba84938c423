"""A drill from a real incident: `train --from-recording FILE` turns a recording into a
scenario, judged against what resolved the real one.

What the recording gives:
- the findings that fired, which name the faults the simulator re-creates (each finding
  to the catalogue scenario that teaches it; a finding the simulator cannot produce is
  listed, not faked);
- the system before the incident (the 24 h of per-minute buckets of the last poll before
  the first finding: volume, daily shape, error rate, latency, notification failures),
  from which the embedded database's history is rebuilt (`WorldSpec`);
- what resolved it: the service commands and recovery actions the team applied, in
  order, and its time to mitigation (first finding fired -> every finding clear).

The drill runs `time_scale` times faster than the incident did: its par times are the
real ones divided by the scale, and its traffic is the recorded rate times the scale.
The ideal path is the catalogue's diagnosis, then the real incident's moves, then any
catalogue fix they lacked (so the autopilot always has a path that resolves it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from console.recording import format as fmt
from console.recording.recording import Recording
from console.recording.summary import episodes, incident_of
from console.sim.world import Mix
from console.training.cases.common import step
from console.training.model import Briefing, PathStep, Scenario, ScenarioError, WorldSpec
from console.training.scenarios import SCENARIOS, combine

DEFAULT_TIME_SCALE = 10.0
MIN_PAR_SECONDS = 30.0
MAX_WORLD_EVENTS = 60_000
# Findings outside every scenario's diagnosis that a catalogue fault still explains.
ALSO_EXPLAINED_BY = {
    "payments_not_processing": "processor_down",
    "security_anomaly": "wrong_secret",
    "performance_degradation": "slow_processing",
}


def teaching_scenario(finding_id: str) -> str | None:
    """The catalogue scenario whose fault makes `finding_id` fire, if any."""
    for scenario in SCENARIOS.values():
        if finding_id in scenario.diagnose_findings:
            return scenario.id
    return ALSO_EXPLAINED_BY.get(finding_id)


@dataclass(frozen=True)
class RealIncident:
    """What the recording says about the incident and what resolved it."""

    findings: tuple[str, ...]
    unreproducible: tuple[str, ...]
    detected_at: datetime
    mitigated_at: datetime | None
    moves: tuple[PathStep, ...]
    title: str

    @property
    def time_to_mitigation(self) -> float | None:
        if self.mitigated_at is None:
            return None
        return (self.mitigated_at - self.detected_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "findings": list(self.findings),
            "not_reproducible": list(self.unreproducible),
            "detected_at": self.detected_at.isoformat(),
            "mitigated_at": self.mitigated_at.isoformat() if self.mitigated_at else None,
            "time_to_mitigation_seconds": _round(self.time_to_mitigation),
            "moves": [m.to_json() for m in self.moves],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def real_incident(recording: Recording) -> RealIncident:
    fired = episodes(recording)
    if not fired:
        raise ScenarioError(f"{recording.path}: no finding fired in this recording")
    ids = tuple(dict.fromkeys(e.id for e in fired))
    detected = fired[0].fired_at
    cleared = [e.cleared_at for e in fired]
    mitigated = max(cleared) if all(c is not None for c in cleared) else None  # type: ignore[type-var]
    incident = incident_of(recording) or {}
    return RealIncident(
        findings=ids,
        unreproducible=tuple(f for f in ids if teaching_scenario(f) is None),
        detected_at=detected,
        mitigated_at=mitigated,
        moves=tuple(_moves(recording)),
        title=str(incident.get("title") or fired[0].title),
    )


def _moves(recording: Recording) -> list[PathStep]:
    """The commands and actions the team applied, in order, as ideal-path steps."""
    from console.recovery.specs import ACTIONS
    from console.runbooks.loader import load_runbooks
    from console.runbooks.model import CommandStep
    from console.training.services import SERVICE_COMMANDS

    runbooks = load_runbooks()
    out: list[PathStep] = []
    for event in recording.events_of(fmt.ENTRY):
        entry = event.data.get("entry") or {}
        data = entry.get("data") or {}
        move: PathStep | None = None
        if entry.get("kind") == "action_applied" and not data.get("dry_run"):
            action = str(data.get("action_id") or "")
            if action in ACTIONS and data.get("status") in ("applied", "partial", None):
                move = step("action", action, "as in the real incident (default parameters)")
        elif entry.get("kind") == "step":
            runbook = runbooks.get(str(data.get("runbook") or ""))
            found = (
                next((s for s in runbook.steps if s.id == data.get("step")), None)
                if runbook
                else None
            )
            if isinstance(found, CommandStep) and found.command in SERVICE_COMMANDS:
                move = step("command", found.command, "as in the real incident")
        if move is not None and all((m.kind, m.target) != (move.kind, move.target) for m in out):
            out.append(move)
    return out


def world_spec(recording: Recording, before: datetime, *, seed: int = 0) -> WorldSpec:
    """The history to rebuild: the system as the last poll before `before` saw it."""
    index = max(0, recording.index_at(before - timedelta(seconds=1)))
    if not len(recording):
        return WorldSpec()
    state, _ = recording.state(index)
    buckets: Mapping[str, list[Any]] = state.get("throughput") or {}
    totals = [sum((v[0] or {}).values()) for v in buckets.values()]
    events = sum(totals)
    if not events:
        return WorldSpec(seed=seed)
    errors = sum(int(v[1] or 0) for v in buckets.values())
    latency_sum = sum(float(v[3] or 0) for v in buckets.values())
    latency_count = sum(int(v[4] or 0) for v in buckets.values())
    hours: dict[int, int] = {}
    for minute, total in zip(buckets, totals, strict=True):
        hour = datetime.fromisoformat(minute).hour
        hours[hour] = hours.get(hour, 0) + total
    mean = sum(hours.values()) / max(1, len(hours))
    peak = max(hours, key=lambda h: hours[h])
    swing = (max(hours.values()) - min(hours.values())) / (2 * mean) if mean else 0.0
    notifications = state.get("notifications") or {}
    sigma = Mix().latency_sigma
    avg = latency_sum / latency_count if latency_count else None
    mix = Mix(
        p_error=min(0.2, errors / events),
        latency_median=avg / math.exp(sigma * sigma / 2) if avg else Mix().latency_median,
        amplitude=max(0.0, min(0.9, swing)),
        peak_hour=float(peak),
        p_notify_fail=min(
            0.5, (notifications.get("failed_1h") or 0) / max(1, notifications.get("total_1h") or 1)
        ),
    )
    return WorldSpec(days=1.0, events=min(MAX_WORLD_EVENTS, events), mix=mix, seed=seed)


def scenario_from_recording(
    recording: Recording, *, time_scale: float = DEFAULT_TIME_SCALE, seed: int = 0
) -> tuple[Scenario, RealIncident]:
    """The drill for `recording`, and the real incident it is judged against."""
    if time_scale < 1:
        raise ScenarioError("the time scale must be at least 1 (the drill is never slower)")
    real = real_incident(recording)
    parts = list(dict.fromkeys(t for f in real.findings if (t := teaching_scenario(f))))
    if not parts:
        raise ScenarioError(
            f"{recording.path}: the simulator cannot re-create any finding of this recording "
            f"({', '.join(real.findings)})"
        )
    base = combine([SCENARIOS[p] for p in parts])
    diagnose = tuple(s for s in base.ideal_path if s.kind not in ("command", "action"))
    fixes = list(real.moves)
    fixes += [s for s in base.ideal_path if s.kind in ("command", "action") and s not in fixes]
    fixes = [s for i, s in enumerate(fixes) if (s.kind, s.target) not in _seen(fixes[:i])]
    mitigation = real.time_to_mitigation
    first_move = _first_move_at(recording, real)
    epm = _rate_before(recording, real.detected_at)
    fired = real.detected_at
    scenario = replace(
        base,
        id=f"recording:{recording.path.name.split('.')[0]}",
        title=f"Drill from a recording: {real.title}",
        briefing=Briefing(
            alert=f"[{base.briefing.severity}] {real.title}",
            severity=base.briefing.severity,
            at=f"{fired:%H:%M}",
            symptoms=(
                f"recorded {fired:%Y-%m-%d %H:%M} UTC: {', '.join(real.findings)} fired",
                *base.briefing.symptoms,
            ),
            customer_impact=base.briefing.customer_impact,
        ),
        ideal_path=(*diagnose, *fixes),
        par_diagnose_seconds=_par(first_move, time_scale, base.par_diagnose_seconds),
        par_resolve_seconds=_par(mitigation, time_scale, base.par_resolve_seconds),
        rate=max(2.0, min(8.0, epm / 60 * time_scale)) if epm else base.rate,
        world=world_spec(recording, fired, seed=seed),
    )
    return scenario, real


def _seen(steps: list[PathStep]) -> set[tuple[str, str]]:
    return {(s.kind, s.target) for s in steps}


def _par(real_seconds: float | None, scale: float, fallback: float) -> float:
    return max(MIN_PAR_SECONDS, real_seconds / scale) if real_seconds else fallback


def _first_move_at(recording: Recording, real: RealIncident) -> float | None:
    for event in recording.events_of(fmt.ENTRY):
        kind = (event.data.get("entry") or {}).get("kind")
        if kind in ("action_applied", "step") and event.at >= real.detected_at:
            return (event.at - real.detected_at).total_seconds()
    return None


def _rate_before(recording: Recording, at: datetime) -> float | None:
    index = recording.index_at(at)
    if index < 0:
        return None
    state, _ = recording.state(index)
    value = state.get("events_per_minute")
    return float(value) if isinstance(value, int | float) else None


def compare(real: RealIncident, outcome: Mapping[str, Any], time_scale: float) -> dict[str, Any]:
    """The drill beside the real incident: times (scaled back) and the moves made."""
    resolved_in = outcome.get("time_to_resolve")
    taken = {(p.get("kind"), p.get("target")) for p in outcome.get("path", [])}
    real_moves = [(m.kind, m.target) for m in real.moves]
    return {
        "time_scale": time_scale,
        "real_time_to_mitigation_seconds": _round(real.time_to_mitigation),
        "drill_time_to_resolve_seconds": resolved_in,
        "drill_time_to_resolve_scaled_back_seconds": (
            _round(resolved_in * time_scale) if resolved_in is not None else None
        ),
        "faster_than_real": (
            resolved_in is not None
            and real.time_to_mitigation is not None
            and resolved_in * time_scale < real.time_to_mitigation
        ),
        "real_moves": [f"{k} {t}" for k, t in real_moves],
        "real_moves_repeated": [f"{k} {t}" for k, t in real_moves if (k, t) in taken],
        "real_moves_not_repeated": [f"{k} {t}" for k, t in real_moves if (k, t) not in taken],
    }
