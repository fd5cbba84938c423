"""Private files on shared hosts: 0600 files in 0700 folders, whatever the umask.

On-call bastions are shared (RELIABILITY 31): the audit log, the incident fallback, the
training history, recordings and postmortems hold what the team did and watched during an
incident, so nobody else on the host may read them. The mode is set explicitly after
creation (the umask can only remove bits, and a file that already existed keeps its old
mode otherwise). `exposed` finds what is readable by others, for `doctor`.
"""

from __future__ import annotations

import contextlib
import os
import stat
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


def exposed(root: Path) -> list[Path]:
    """Files and folders under `root` (itself included) that group or others may read,
    write or enter; symlinks are not followed."""
    found: list[Path] = []
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root):
        for path in [Path(folder)] + [Path(folder) / name for name in files]:
            with contextlib.suppress(OSError):
                mode = path.lstat().st_mode
                if not stat.S_ISLNK(mode) and mode & 0o077:
                    found.append(path)
        dirs.sort()
    return found
