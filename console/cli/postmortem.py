"""`incident-console incident postmortem ID`: the draft and its four charts, as files.

The `incident` verbs (console/cli/incident.py) hand the postmortem here. The files go to
`--out DIR`, else to the console's own `postmortems` folder in its state directory (made
0700; a postmortem shows what the team watched). The recording is the one the console
made while the incident was open, or `--recording FILE`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.core.private_files import private_dir
from console.core.state import default_state_dir
from console.incidents.model import Incident, TimelineEntry
from console.incidents.postmortem_report import WrittenPostmortem, write_postmortem


def postmortems_dir() -> Path:
    return private_dir(default_state_dir() / "postmortems", own=True)


def write_for(
    incident: Incident, timeline: Sequence[TimelineEntry], args: argparse.Namespace
) -> WrittenPostmortem:
    """Write the draft of `incident` as the command's options say."""
    out = getattr(args, "out", None)
    recording = getattr(args, "recording", None)
    recordings = getattr(args, "recordings_dir", None)
    return write_postmortem(
        incident,
        timeline,
        Path(out).expanduser() if out else postmortems_dir(),
        now=datetime.now(UTC),
        recording_path=Path(recording).expanduser() if recording else None,
        recordings_dir=Path(recordings).expanduser() if recordings else None,
    )


def written_json(written: WrittenPostmortem) -> dict[str, Any]:
    return {
        "postmortem": str(written.path),
        "charts": [str(p) for p in written.charts],
        "recording": str(written.recording) if written.recording else None,
        "note": written.note or None,
    }
