"""`incident-console incident postmortem ID`: the postmortem draft of an incident, with the
four charts of its recording, written beside each other (`--out DIR`, default here).

ID is the incident's id or an unambiguous prefix of it. The recording is the one the
console made while the incident was open, or `--recording FILE`. With --json, stdout
carries one document naming what was written; otherwise one line on stderr says where.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from console.cli import EXIT_OK, load_settings_from
from console.incidents.model import Incident
from console.incidents.postmortem_report import write_postmortem
from console.incidents.store import IncidentError, IncidentStore


def find_incident(store: IncidentStore, wanted: str) -> Incident:
    """The incident whose id is `wanted` or starts with it (one, or an error saying why)."""
    wanted = wanted.strip().lower()
    found = [i for i in store.incidents() if str(i.id).startswith(wanted)] if wanted else []
    if len(found) == 1:
        return found[0]
    if not found:
        problem = f" ({store.last_problem})" if store.last_problem else ""
        raise IncidentError(f"no incident {wanted!r}{problem}")
    raise IncidentError(
        f"{wanted!r} names {len(found)} incidents; give more of the id: "
        + ", ".join(str(i.id)[:13] for i in found[:5])
    )


def postmortem_command(args: argparse.Namespace) -> int:
    """`incident postmortem ID`: the draft and its charts, written as files. (Reads the
    id from `args.id` or `args.incident`, so the `incident` verbs' parser can call it.)"""
    settings = load_settings_from(args)
    local = Path(args.state_dir).expanduser() if getattr(args, "state_dir", None) else None
    store = IncidentStore(
        settings.state_database_url or settings.database_url, local_dir=local, settings=settings
    )
    wanted = getattr(args, "id", None) or getattr(args, "incident", None) or ""
    recording = getattr(args, "recording", None)
    recordings = getattr(args, "recordings_dir", None)
    try:
        incident = find_incident(store, wanted)
        written = write_postmortem(
            incident,
            store.timeline(incident),
            Path(getattr(args, "out", None) or ".").expanduser(),
            now=datetime.now(UTC),
            recording_path=Path(recording).expanduser() if recording else None,
            recordings_dir=Path(recordings).expanduser() if recordings else None,
        )
    finally:
        store.close()
    if getattr(args, "json", False):
        print(
            json.dumps(
                {
                    "incident": str(incident.id),
                    "postmortem": str(written.path),
                    "charts": [str(p) for p in written.charts],
                    "recording": str(written.recording) if written.recording else None,
                    "note": written.note or None,
                }
            )
        )
    else:
        charts = f" with {len(written.charts)} charts" if written.charts else ""
        print(f"incident-console: postmortem written to {written.path}{charts}", file=sys.stderr)
        if written.note:
            print(f"incident-console: note: {written.note}", file=sys.stderr)
    return EXIT_OK
