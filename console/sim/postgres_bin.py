"""The PostgreSQL binaries the embedded server runs, the user it runs as, and how it stops.

The binaries come from the `pgserver` wheel (a PostgreSQL built for pip), or, when that
cannot run here, from a PostgreSQL found on PATH (`initdb`/`pg_ctl`) or under
/usr/lib/postgresql. PostgreSQL refuses to run as root; when we are root, the server runs
as an unprivileged system user (`pgserver`, created if missing, as pgserver itself does).
`stop_server` is shared by `EmbeddedPostgres.stop()` and the watchdog.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SERVER_USER = "pgserver"


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be set up; the message says what to do."""


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    source: str  # "pgserver" or "system"

    @property
    def libdir(self) -> Path:
        return self.bindir.parent / "lib"

    def tool(self, name: str) -> str:
        return str(self.bindir / name)

    def has_extension(self, name: str) -> bool:
        candidates = [self.libdir / f"{name}.so", self.libdir / "postgresql" / f"{name}.so"]
        return any(path.exists() for path in candidates)


def _works(bindir: Path) -> bool:
    initdb = bindir / "initdb"
    if not (initdb.exists() and (bindir / "pg_ctl").exists() and (bindir / "postgres").exists()):
        return False
    try:
        subprocess.run([str(initdb), "--version"], check=True, capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def find_binaries(prefer: str = "pgserver") -> Binaries:
    """pgserver's bundled PostgreSQL first, then one on PATH, then /usr/lib/postgresql."""
    candidates: list[Binaries] = []
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pgserver._commands import POSTGRES_BIN_PATH  # type: ignore[import-untyped]

        candidates.append(Binaries(Path(POSTGRES_BIN_PATH), "pgserver"))
    except Exception:  # pgserver missing or broken on this platform: fall back
        pass
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Binaries(Path(os.path.realpath(on_path)).parent, "system"))
    for versioned in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        candidates.append(Binaries(versioned, "system"))
    if prefer == "system":
        candidates.sort(key=lambda b: b.source != "system")
    for candidate in candidates:
        if _works(candidate.bindir):
            return candidate
    raise EmbeddedPostgresError(
        "no usable PostgreSQL found: `pip install pgserver`, or install PostgreSQL "
        "(e.g. apt-get install postgresql) so that initdb and pg_ctl are available"
    )


def as_user(user: str | None) -> dict[str, object]:
    """subprocess kwargs that drop to `user` with its own group and no root groups.

    Setting only the uid would keep gid 0, and then a root-owned 0701 directory (what
    mktemp makes) denies access through its group bits.
    """
    if not user:
        return {}
    import pwd

    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def ensure_server_user() -> str | None:
    """The user the server runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVER_USER,
            ],
            check=True,
            capture_output=True,
        )
    return SERVER_USER


def open_path_for(path: Path) -> None:
    """Let the unprivileged server user traverse every parent of `path` (root set-ups)."""
    for parent in [path, *path.parents]:
        with contextlib.suppress(OSError):
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)


def stop_server(bindir: Path, data_dir: Path, user: str | None) -> None:
    """pg_ctl stop -m fast, then immediate, then SIGKILL of the postmaster as a last resort."""
    pgdata = Path(data_dir) / "data"
    if not (pgdata / "postmaster.pid").exists():
        return
    for mode in ("fast", "immediate"):
        result = subprocess.run(
            [str(Path(bindir) / "pg_ctl"), "-D", str(pgdata), "-m", mode, "-w", "-t", "15", "stop"],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            check=False,
            **as_user(user),  # type: ignore[arg-type]
        )
        if result.returncode == 0 or not (pgdata / "postmaster.pid").exists():
            return
    try:
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
    except (OSError, ValueError, IndexError):
        pass
