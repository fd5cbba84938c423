"""The `audit` subcommand's arguments (argparse only: `--help` stays instant)."""

from __future__ import annotations

from typing import Any


def add_audit_parser(sub: Any) -> None:
    """`audit verify`: registered by console/cli/__init__.py."""
    audit = sub.add_parser("audit", help="check the audit log's hash chain")
    verbs = audit.add_subparsers(dest="audit_command", metavar="COMMAND")
    check = verbs.add_parser("verify", help="exit 0 intact, 1 naming the first broken record")
    check.add_argument("--dsn", help="the state database (default: $DATABASE_URL)")
    check.add_argument("--config", metavar="FILE", help="TOML settings file")
    check.add_argument("--json", action="store_true", help="print one JSON document")
    check.add_argument(
        "--local", action="store_true", help="only the local audit.jsonl (no state database)"
    )
