"""An embedded PostgreSQL server for the demo world, training and tests.

The server binaries come from the `pgserver` wheel (a PostgreSQL built for pip), or, when
that cannot run here, from a PostgreSQL found on PATH (`initdb`/`pg_ctl`) or under
/usr/lib/postgresql. We drive initdb/pg_ctl ourselves rather than through
`pgserver.get_server` because the demo needs server settings at start (max_connections,
log_min_duration_statement, a TCP port on loopback) and a guarantee pgserver does not give:
no postgres left behind when the console is killed. A small watchdog process, started
with the server, stops it (and deletes a temporary data directory) as soon as the owning
process is gone, whether it exited, was interrupted or crashed.

Finding the binaries, the unprivileged user the server runs as when we are root, and
stopping a server are `console.sim.postgres_bin`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.sim.postgres_bin import (
    Binaries,
    EmbeddedPostgresError,
    as_user,
    ensure_server_user,
    find_binaries,
    open_path_for,
    stop_server,
)

__all__ = [
    "Binaries",
    "EmbeddedPostgres",
    "EmbeddedPostgresError",
    "find_binaries",
    "free_port",
    "stop_server",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedPostgres:
    """A private PostgreSQL cluster on 127.0.0.1; `with EmbeddedPostgres() as pg: pg.dsn()`."""

    data_dir: Path | None = None
    port: int | None = None
    server_settings: dict[str, str] = field(default_factory=dict)
    prefer: str = "pgserver"
    watchdog: bool = True
    binaries: Binaries | None = None
    _temporary: bool = field(default=False, init=False)
    _watchdog: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _user: str | None = field(default=None, init=False)
    _started: bool = field(default=False, init=False)

    # ---- life cycle -------------------------------------------------------------------

    def start(self) -> str:
        """Initialise (if new) and start the cluster; return the admin DSN."""
        if self._started:
            return self.dsn()
        self.binaries = self.binaries or find_binaries(self.prefer)
        self._user = ensure_server_user()
        if self.data_dir is None:
            self.data_dir = Path(tempfile.mkdtemp(prefix="ic-pg-"))
            self._temporary = True
        self.data_dir = Path(self.data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user:
            open_path_for(self.binaries.bindir)
            open_path_for(self.data_dir.parent)
            shutil.chown(self.data_dir, self._user, self._user)
            self.data_dir.chmod(0o700)
        pgdata = self.data_dir / "data"
        if not (pgdata / "PG_VERSION").exists():
            self._run(
                [
                    self.binaries.tool("initdb"),
                    "-D",
                    str(pgdata),
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "-U",
                    "postgres",
                    "--no-sync",
                ],
                "initdb",
            )
        self.port = self.port or free_port()
        self._run(
            [
                self.binaries.tool("pg_ctl"),
                "-D",
                str(pgdata),
                "-l",
                str(self.data_dir / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                self._server_options(),
                "start",
            ],
            "pg_ctl start",
        )
        self._started = True
        if self.watchdog:
            self._start_watchdog()
        return self.dsn()

    def _server_options(self) -> str:
        assert self.binaries is not None and self.data_dir is not None
        settings = {
            "max_connections": "100",
            "log_min_duration_statement": "1000",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "128MB",
            "max_wal_size": "2GB",
            "unix_socket_directories": str(self.data_dir),
        }
        if self.binaries.has_extension("pg_stat_statements"):
            settings["shared_preload_libraries"] = "pg_stat_statements"
        settings.update(self.server_settings)
        opts = [f"-p {self.port}", "-h 127.0.0.1"]
        opts += [f"-c {key}={value}" for key, value in settings.items()]
        return " ".join(opts)

    def _run(self, argv: list[str], what: str) -> None:
        try:
            subprocess.run(
                argv,
                check=True,
                capture_output=True,
                timeout=120,
                cwd=str(self.data_dir),
                **as_user(self._user),  # type: ignore[arg-type]
                stdin=subprocess.DEVNULL,
            )
        except subprocess.CalledProcessError as exc:
            log = ""
            if self.data_dir and (self.data_dir / "server.log").exists():
                log = (self.data_dir / "server.log").read_text(errors="replace")[-2000:]
            detail = (exc.stderr or b"").decode(errors="replace").strip()[-1500:]
            raise EmbeddedPostgresError(f"{what} failed: {detail}\n{log}".strip()) from None
        except subprocess.TimeoutExpired:
            raise EmbeddedPostgresError(f"{what} did not finish within 120 s") from None

    def _start_watchdog(self) -> None:
        assert self.binaries is not None and self.data_dir is not None
        argv = [
            sys.executable,
            "-m",
            "console.sim.watchdog",
            str(os.getpid()),
            str(self.data_dir),
            str(self.binaries.bindir),
            self._user or "",
            "delete" if self._temporary else "keep",
        ]
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self._watchdog = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )

    def stop(self) -> None:
        """Stop the server (fast shutdown), end the watchdog, delete a temporary data dir."""
        if self._watchdog is not None:
            with contextlib.suppress(ProcessLookupError):
                self._watchdog.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._watchdog.wait(5)
            self._watchdog = None
        if self._started and self.binaries and self.data_dir:
            stop_server(self.binaries.bindir, self.data_dir, self._user)
        self._started = False
        if self._temporary and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- using it ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._started

    @property
    def server_pid(self) -> int | None:
        if not self.data_dir:
            return None
        pidfile = self.data_dir / "data" / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def dsn(self, dbname: str = "postgres", user: str = "postgres") -> str:
        if not self.port:
            raise EmbeddedPostgresError("the embedded server is not started")
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def admin(self, sql_text: str, *params: Any) -> None:
        """Run one statement as the superuser on the maintenance database."""
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql_text, params or None)  # type: ignore[arg-type]

    def create_database(self, name: str, template: str | None = None) -> str:
        """CREATE DATABASE (optionally from a template); returns its DSN."""
        import psycopg

        from console.sim import statements

        if template:
            statement = statements.composed(
                "sim/create_database_from_template", name=name, template=template
            )
        else:
            statement = statements.composed("sim/create_database", name=name)
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(statement)
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        from console.sim import statements

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(statements.composed("sim/drop_database", name=name))
