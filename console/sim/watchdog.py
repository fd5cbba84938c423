"""Stops an embedded PostgreSQL once the process that started it is gone.

Started by `EmbeddedPostgres.start()` in its own session, so a Ctrl-C, SIGTERM, SIGHUP or
crash of the console does not reach it; it polls the owner's pid and, when the owner has
gone, shuts the server down and removes a temporary data directory. A normal stop
terminates the watchdog first (SIGTERM), which makes it exit without touching anything.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

from console.sim.postgres_bin import stop_server


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str]) -> int:
    owner, data_dir, bindir, user, mode = argv
    owner_pid = int(owner)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    while _alive(owner_pid):
        time.sleep(0.5)
    stop_server(Path(bindir), Path(data_dir), user or None)
    if mode == "delete":
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
