"""Private files on shared hosts: 0600 files in 0700 folders, whatever the umask.

On-call bastions are shared (RELIABILITY 31): a recording or a postmortem chart holds
what the team watched during an incident, so nobody else on the host may read it. The
mode is set explicitly after creation (the umask can only remove bits, and a file that
already existed keeps its old mode otherwise).
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path, *, own: bool = False) -> Path:
    """Create `path` (and missing parents) as 0700. An existing folder is left as it is
    (it may be the operator's working directory) unless it is the console's `own`."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    path.mkdir(parents=True, exist_ok=True)
    for folder in [*missing, *([path] if own else [])]:
        with contextlib.suppress(PermissionError):  # not ours: the file itself stays 0600
            os.chmod(folder, DIR_MODE)
    return path


def open_private(path: Path, *, append: bool = False) -> BinaryIO:
    """Open `path` for binary writing as a 0600 file (its missing folders made 0700)."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, "ab" if append else "wb")
    except BaseException:
        os.close(fd)
        raise


def write_private(path: Path, data: bytes) -> Path:
    """Write `data` to `path` as a private file (fsynced: a postmortem must survive)."""
    with open_private(path) as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return path


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
