"""`incident-console serve`: the dashboard in a browser for an incident commander.

textual-serve runs one console process per browser tab and streams it over a websocket.
The served console is always read-only: `--allow-write` is never passed on, and the DSN
travels in the environment (DATABASE_URL), not on a command line other users can read.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from console.cli import load_settings_from
from console.core.config import dsn_host
from console.core.db import require_dsn


def served_command(config: str | None) -> str:
    """The command each browser session runs: the read-only dashboard."""
    parts = [sys.executable, "-m", "console"]
    if config:
        parts += ["--config", config]
    return shlex.join(parts)


def serve_command(args: argparse.Namespace) -> int:
    settings = load_settings_from(args)
    dsn = require_dsn(settings.database_url)
    try:
        from textual_serve.server import Server
    except ImportError:
        print(
            "incident-console: serve needs textual-serve: pip install 'incident-console[serve]'",
            file=sys.stderr,
        )
        return 1
    os.environ["DATABASE_URL"] = dsn
    title = f"incident-console (read-only) — {settings.environment} @ {dsn_host(dsn)}"
    server = Server(served_command(args.config), host=args.host, port=args.port, title=title)
    print(f"serving the read-only dashboard on http://{args.host}:{args.port}", file=sys.stderr)
    server.serve()
    return 0
