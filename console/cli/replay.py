"""`incident-console replay FILE`: the dashboard on a recording, or `--headless` a summary.

Headless, the command prints when each finding fired and cleared and the incident's
phases: those the team recorded, and where the guide's phase clock (Immediate Response
0-5 min, Investigation 5-30 min, ...) put them, counted from the incident's opening or,
for a recording with no incident, from the first finding that fired. A damaged recording
is replayed up to the damage and named in one line on stderr (exit 1); an unterminated
one (the console was killed) replays with a warning.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from console.recording import format as fmt
from console.recording.recording import Recording
from console.recording.summary import document, episodes, incident_of

EXIT_OK = 0
EXIT_ERROR = 1


def clock_phases(recording: Recording) -> list[dict[str, Any]]:
    """Where the guide's phase clock was over the recording."""
    from console.incidents.phases import PHASES

    incident = incident_of(recording)
    origin: datetime | None = None
    basis = ""
    if incident and incident.get("opened_at"):
        origin, basis = datetime.fromisoformat(incident["opened_at"]), "incident opened"
    else:
        fired = episodes(recording)
        if fired:
            origin, basis = fired[0].fired_at, f"first finding fired ({fired[0].id})"
    end = recording.end
    if incident and incident.get("closed_at"):
        end = datetime.fromisoformat(incident["closed_at"])
    if origin is None or end is None:
        return []
    return [
        {
            "phase": phase.id,
            "title": phase.title,
            "at": (origin + phase.starts).isoformat(),
            "source": "clock",
            "from": basis,
        }
        for phase in PHASES
        if origin + phase.starts <= end
    ]


def headless_document(recording: Recording) -> dict[str, Any]:
    data = document(recording)
    recorded = [{**p, "source": "recorded"} for p in data["phases"]]
    data["phases"] = sorted([*clock_phases(recording), *recorded], key=lambda p: p["at"])
    return data


def _human(data: dict[str, Any]) -> str:
    lines = [
        f"{data['file']}: {data['snapshots']} snapshots, {data['started_at']} → "
        f"{data['ended_at']} ({data['duration_seconds']:.0f} s)"
    ]
    for finding in data["findings"]:
        cleared = finding["cleared_at"] or "still lit at the end"
        lines.append(f"  {finding['severity']} {finding['id']}: {finding['fired_at']} → {cleared}")
    if not data["findings"]:
        lines.append("  no finding fired")
    for phase in data["phases"]:
        lines.append(f"  phase {phase['title']} at {phase['at']} ({phase['source']})")
    return "\n".join(lines)


def replay_command(args: argparse.Namespace) -> int:
    try:
        recording = Recording.open(args.file)
    except fmt.RecordingError as exc:
        print(f"incident-console: {exc}", file=sys.stderr)
        if getattr(args, "json", False):
            print(json.dumps({"error": str(exc), "file": str(args.file)}))
        return EXIT_ERROR
    except OSError as exc:
        print(f"incident-console: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    damage = recording.damage
    if damage is not None:
        level = "error" if damage.fatal else "warning"
        print(f"incident-console: {level}: {damage.message}", file=sys.stderr)
    if not getattr(args, "headless", False):
        return _dashboard(recording, args)
    data = headless_document(recording)
    print(json.dumps(data) if args.json else _human(data))
    return EXIT_ERROR if damage is not None and damage.fatal else EXIT_OK


def _dashboard(recording: Recording, args: argparse.Namespace) -> int:
    """The replay screens (imported by name: the core stays free of textual)."""
    import importlib

    try:
        screens = importlib.import_module("screens.replay")
    except ImportError:
        print(
            "incident-console: the replay dashboard is not available in this build yet; "
            "use --headless",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return int(screens.replay_dashboard(recording, args))
