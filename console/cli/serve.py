"""`incident-console serve [--dsn DSN] [--port P] [--dashboard]`.

The default is the commander's view (console/web): the live incident read-only, for
people without a terminal. `--dashboard` keeps the older publication of the whole
terminal dashboard through textual-serve (screens/serve.py).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from console.cli import load_settings_from
from console.core.db import require_dsn


def serve_command(args: argparse.Namespace) -> int:
    if getattr(args, "dashboard", False):
        # screens is the UI layer; the core reaches it only by name, like the dashboard
        return int(importlib.import_module("screens.serve").serve_command(args))
    settings = load_settings_from(args)
    require_dsn(settings.database_url)
    from console.web.server import run

    print(
        f"serving the commander's view (read-only) on http://{args.host}:{args.port}",
        file=sys.stderr,
        flush=True,
    )
    run(settings, args.host, args.port)
    return 0
