"""`incident-console init`: create (or confirm) the incident_console schema.

The schema goes to the state database (`state_database_url`, else the monitored one).
With --json, stdout carries one document; otherwise one line on stderr says where.
"""

from __future__ import annotations

import argparse
import json
import sys

from console.cli import EXIT_OK, load_settings_from
from console.core.config import mask_dsn
from console.core.state import SCHEMA, init_state


def init_command(args: argparse.Namespace) -> int:
    """Create (or confirm) the incident_console schema in the state database."""
    settings = load_settings_from(args)
    dsn = settings.state_database_url or settings.database_url
    init_state(dsn)
    if getattr(args, "json", False):
        print(json.dumps({"ok": True, "schema": SCHEMA, "dsn": mask_dsn(dsn)}))
    else:
        print(f"incident-console: schema {SCHEMA} ready in {mask_dsn(dsn)}", file=sys.stderr)
    return EXIT_OK
