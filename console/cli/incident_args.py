"""The `incident` subcommand's arguments (argparse only: `--help` stays instant)."""

from __future__ import annotations

import argparse
from typing import Any


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dsn", help="PostgreSQL DSN (default: $DATABASE_URL)")
    parser.add_argument("--config", metavar="FILE", help="TOML settings file")
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def add_incident_parser(sub: Any) -> None:
    incident = sub.add_parser(
        "incident", help="the shared incident, headless (for bots, chat-ops and scripts)"
    )
    verbs = incident.add_subparsers(dest="incident_command", metavar="VERB", required=True)

    opened = verbs.add_parser("open", help="open an incident (titled after the top finding)")
    _common(opened)
    opened.add_argument("--title", help="default: the top finding firing now")
    opened.add_argument(
        "--severity", choices=("P0", "P1", "P2"), help="default: the finding's, else P1"
    )

    show = verbs.add_parser("show", help="the open incident: who leads, who is on, the timeline")
    _common(show)

    note = verbs.add_parser("note", help="add a note to the open incident's timeline")
    _common(note)
    note.add_argument("text", metavar="TEXT")

    lead = verbs.add_parser("lead", help="hand the lead to NAME, or take it (--take)")
    _common(lead)
    lead.add_argument("name", metavar="NAME", nargs="?")
    lead.add_argument("--take", action="store_true", help="take the lead yourself")

    close = verbs.add_parser("close", help="close the open incident (the commander)")
    _common(close)
    close.add_argument("--summary", default="", help="one line for the record")

    approve = verbs.add_parser("approve", help="decide a two-person-rule request (the commander)")
    _common(approve)
    approve.add_argument("approval", metavar="ID", nargs="?", help="default: the oldest waiting")
    approve.add_argument("--refuse", action="store_true", help="refuse instead of approving")
    approve.add_argument("--note", default="", help="why (goes on the timeline and the audit)")

    role = verbs.add_parser("role", help="make NAME an operator or an observer (the commander)")
    _common(role)
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", choices=("operator", "observer"))

    follow = verbs.add_parser("follow", help="one JSON line per timeline entry, as it happens")
    _common(follow)
    follow.add_argument("--incident", metavar="ID", help="only this incident (default: all)")
    follow.add_argument(
        "--after",
        type=int,
        metavar="SEQ",
        help="start after this seq (the last line a bridge forwarded); default: from now",
    )

    postmortem = verbs.add_parser("postmortem", help="the postmortem draft of incident ID")
    _common(postmortem)
    postmortem.add_argument("incident", metavar="ID")
    postmortem.add_argument("--out", metavar="DIR", help="default: the state dir's postmortems")
    postmortem.add_argument("--recording", metavar="FILE", help="default: the one made for it")
    postmortem.add_argument("--recordings-dir", metavar="DIR", help=argparse.SUPPRESS)
