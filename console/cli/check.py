"""`incident-console check`: one poll, evaluate, print; exit 0 healthy, 2 findings, 1 error.

The work is console.triage.check (poll once, judge, render); this module only turns
arguments into settings, prints, and maps the outcome to the exit code. With --json,
stdout carries exactly one JSON document, errors included; errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from console.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, load_settings_from
from console.core.config import ConfigError
from console.core.db import DatabaseError, require_dsn
from console.core.jsonable import jsonable
from console.triage import UnknownThreshold, evaluate, resolve_thresholds
from console.triage.check import check_document, check_text, one_shot, require_event_panels


def check_command(args: argparse.Namespace) -> int:
    """`incident-console check`: exit 0 healthy, 2 findings, 1 error (one clear line)."""
    as_json = bool(getattr(args, "json", False))
    try:
        settings = load_settings_from(args)
        thresholds = resolve_thresholds(settings.thresholds)
        dsn = require_dsn(settings.database_url)
        snapshot = asyncio.run(one_shot(dsn, settings))
        require_event_panels(snapshot)
    except (ConfigError, DatabaseError, UnknownThreshold) as exc:
        prefix = "config error: " if isinstance(exc, ConfigError | UnknownThreshold) else ""
        print(f"incident-console: {prefix}{exc}", file=sys.stderr)
        if as_json:
            print(json.dumps({"error": f"{prefix}{exc}"}))
        return EXIT_ERROR
    findings = evaluate(snapshot, thresholds)
    if as_json:
        print(json.dumps(jsonable(check_document(snapshot, findings))))
    else:
        print(check_text(snapshot, findings))
    return EXIT_FINDINGS if findings else EXIT_OK
