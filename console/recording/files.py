"""Where recordings live and what they are called; private (0600 in 0700 folders) through
`console.core.private_files`, as every local file of the console is."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


def recordings_dir() -> Path:
    """Where the console keeps the recordings it makes by itself (one per incident)."""
    from console.core.state import default_state_dir

    return default_state_dir() / "recordings"


def incident_recordings(incident_id: object, folder: Path | None = None) -> list[Path]:
    """The automatic recordings of one incident (a console restarted mid-incident makes a
    second one), oldest first."""
    folder = folder or recordings_dir()
    return sorted(folder.glob(f"incident-{incident_id}-*.icrec.gz"))


def incident_recording_path(
    incident_id: object, started: datetime, folder: Path | None = None
) -> Path:
    """A new automatic recording's path for `incident_id`."""
    folder = folder or recordings_dir()
    return folder / f"incident-{incident_id}-{started:%Y%m%dT%H%M%S}.icrec.gz"


def new_recording(raw: str | None) -> Path | None:
    """The `--record FILE` path, refused before anything starts when a recording is there
    already (one incident's recording is never overwritten by the next)."""
    if not raw:
        return None
    path = Path(raw).expanduser()
    if path.exists() and path.stat().st_size:
        from console.core.config import ConfigError

        raise ConfigError("--record", f"{path} already exists; record to a new file")
    return path
