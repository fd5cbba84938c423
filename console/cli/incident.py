"""`incident-console incident open|show|note|lead|close|approve|role|postmortem [--json]`.

Headless verbs on the shared incident for bots, chat-ops and scripts; `follow` is in
incident_follow.py. With `--json` every verb prints one JSON document on stdout; an error
is one line on stderr (and `{"error": ...}` on stdout) and exit code 1. A note typed while
the state database is down is kept locally and pushed when it is back (exit 0, and the
document says `"stored": "local"`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from console.cli import EXIT_ERROR, EXIT_OK, load_settings_from
from console.core.db import DatabaseError, SessionLimits
from console.core.jsonable import jsonable
from console.core.state import InputError
from console.core.state_place import StatePlace
from console.incidents.model import Incident
from console.incidents.presence import Identity
from console.incidents.session import (
    RECONNECT_PUSH_HINT,
    IncidentView,
    SharedIncident,
    entry_json,
    parse_uuid,
)


def open_session(args: argparse.Namespace, via: str = "cli") -> tuple[SharedIncident, Any]:
    from console.recovery.audit import AuditLog

    settings = load_settings_from(args)
    dsn = settings.state_database_url or settings.database_url
    audit = AuditLog(dsn, limits=SessionLimits.from_settings(settings))
    session = SharedIncident(StatePlace(dsn, settings), Identity.here(via=via), audit=audit)
    return session, settings


def _fail(args: argparse.Namespace, message: str) -> int:
    print(f"incident-console: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": message}))
    return EXIT_ERROR


def _print(args: argparse.Namespace, document: dict[str, Any], human: str) -> int:
    if args.json:
        print(json.dumps(jsonable(document)))
    else:
        print(human)
    return EXIT_OK


def incident_json(incident: Incident | None) -> dict[str, Any] | None:
    if incident is None:
        return None
    clock = incident.clock()
    return {**incident.to_json(clock), "finding_id": incident.finding_id, "phase": clock.phase.id}


def top_finding(settings: Any) -> Any:
    """The most severe finding firing now on the monitored database (None: all healthy)."""
    import asyncio

    from console.core.db import require_dsn
    from console.triage import evaluate, resolve_thresholds
    from console.triage.check import one_shot

    snapshot = asyncio.run(one_shot(require_dsn(settings.database_url), settings))
    findings = evaluate(snapshot, resolve_thresholds(settings.thresholds))
    order = {"P0": 0, "P1": 1, "P2": 2}
    return min(findings, key=lambda f: order.get(f.severity, 9)) if findings else None


def view_json(view: IncidentView) -> dict[str, Any]:
    return {
        "incident": incident_json(view.incident),
        "role": view.role,
        "members": dict(view.members),
        "present": [
            {
                "who": p.who,
                "host": p.host,
                "tty": p.tty,
                "via": p.via,
                "screen": p.screen,
                "since": p.since,
            }
            for p in view.present
        ],
        "claims": [
            {"runbook": c.runbook, "step": c.step, "who": c.who, "since": c.since}
            for c in view.claims
        ],
        "approvals": [
            {
                "id": str(a.id),
                "action_id": a.action_id,
                "rows": a.row_count,
                "why": a.why,
                "requested_by": a.requested_by,
                "status": "expired" if a.status == "pending" and a.expired else a.status,
                "decided_by": a.decided_by,
                "sample": list(a.sample),
            }
            for a in view.approvals
        ],
        "timeline": [entry_json(e) for e in view.timeline]
        + [entry_json(e, pending=True) for e in view.pending],
        "offline": view.offline or None,
    }


def view_text(view: IncidentView) -> str:
    i = view.incident
    lines = [
        f"{i.severity} {i.title}",
        f"  commander {i.commander} · you ({view.role}) · {i.clock().describe()}",
    ]
    if view.present:
        lines.append("  on the incident: " + "; ".join(p.describe() for p in view.present))
    lines += [f"  running: {c.describe()}" for c in view.claims]
    lines += [f"  approval {a.id}: {a.describe()}" for a in view.approvals if a.waiting]
    for e in list(view.timeline)[-20:]:
        lines.append(f"  {e.at:%H:%M:%S} {e.kind:<14} {e.who}: {e.text}")
    lines += [f"  (local) {e.at:%H:%M:%S} {e.kind:<6} {e.author}: {e.text}" for e in view.pending]
    if view.offline:
        lines.append(
            f"  state database unreachable ({view.offline}): showing what this console has"
        )
    return "\n".join(lines)


# --- the verbs ---------------------------------------------------------------------------


def _open(args: argparse.Namespace, session: SharedIncident, settings: Any) -> int:
    finding = None
    if not args.title and session.current() is None:
        try:
            finding = top_finding(settings)
        except DatabaseError as exc:
            raise InputError(f"cannot name the incident ({exc.message}): give --title") from None
    severity = args.severity or (finding.severity if finding is not None else "P1")
    incident, new = session.open(args.title, severity, finding)
    verb = "opened" if new else "already open"
    return _print(
        args,
        {"incident": incident_json(incident), "opened": new},
        f"{verb}: {incident.severity} {incident.title} ({incident.id}), commander "
        f"{incident.commander}",
    )


def _show(args: argparse.Namespace, session: SharedIncident, settings: Any) -> int:
    incident = session.current()
    if incident is None:
        return _print(
            args, {"incident": None, "offline": session.offline or None}, "no open incident"
        )
    view = session.view(incident)
    return _print(args, view_json(view), view_text(view))


def _note(args: argparse.Namespace, session: SharedIncident, settings: Any) -> int:
    entry, in_db = session.note(args.text)
    where = "database" if in_db else "local"
    human = (
        f"noted on {entry.incident_id}"
        if in_db
        else f"{RECONNECT_PUSH_HINT} ({session.store.last_problem})"
    )
    return _print(args, {"entry": entry_json(entry), "stored": where}, human)


def _lead(args: argparse.Namespace, session: SharedIncident, settings: Any) -> int:
    if args.take and args.name:
        raise InputError("either NAME (hand the lead over) or --take, not both")
    if not args.take and not args.name:
        raise InputError("hand the lead to whom? incident lead NAME, or --take")
    incident = session.lead(None if args.take else args.name)
    return _print(
        args, {"incident": incident_json(incident)}, f"incident commander: {incident.commander}"
    )


def _close(args: argparse.Namespace, session: SharedIncident, settings: Any) -> int:
    incident = session.close_incident(args.summary)
    return _print(args, {"incident": incident_json(incident)}, f"closed: {incident.title}")


def _approve(args: argparse.Namespace, session: SharedIncident, settings: Any) -> int:
    incident = session.require_current()
    if args.approval:
        approval_id = parse_uuid(args.approval, "approval id")
    else:
        waiting = session.pending_approval(incident)
        if waiting is None:
            raise InputError("no approval request is waiting")
        approval_id = waiting.id
    decided = session.decide(approval_id, approve=not args.refuse, note=args.note)
    return _print(
        args,
        {"approval": {"id": str(decided.id), "status": decided.status, "by": decided.decided_by}},
        decided.describe(),
    )


def _role(args: argparse.Namespace, session: SharedIncident, settings: Any) -> int:
    changed = session.set_role(args.name, args.role)
    return _print(
        args,
        {"who": args.name, "role": args.role, "changed": changed},
        f"{args.name} is {args.role}" + ("" if changed else " (already)"),
    )


def _postmortem(args: argparse.Namespace, session: SharedIncident, settings: Any) -> int:
    """The draft and its charts written as files (console/cli/postmortem.py); the
    Markdown is printed too."""
    from console.cli.postmortem import write_for, written_json

    incident = session.store.get(parse_uuid(args.incident, "incident id"))
    written = write_for(incident, session.store.timeline(incident), args)
    text = written.path.read_text(encoding="utf-8")
    charts = f", with {len(written.charts)} charts" if written.charts else ""
    print(f"incident-console: postmortem written to {written.path}{charts}", file=sys.stderr)
    document = {"incident": incident_json(incident), "markdown": text, **written_json(written)}
    return _print(args, document, text)


VERBS: dict[str, Callable[[argparse.Namespace, SharedIncident, Any], int]] = {
    "open": _open,
    "show": _show,
    "note": _note,
    "lead": _lead,
    "close": _close,
    "approve": _approve,
    "role": _role,
    "postmortem": _postmortem,
}


def incident_command(args: argparse.Namespace) -> int:
    if args.incident_command == "follow":
        from console.cli.incident_follow import follow_command

        return follow_command(args)
    try:
        session, settings = open_session(args)
    except DatabaseError as exc:
        return _fail(args, str(exc))
    try:
        return VERBS[args.incident_command](args, session, settings)
    except (InputError, DatabaseError) as exc:
        return _fail(args, str(exc))
    finally:
        session.close()
        close_audit = getattr(session.audit, "close", None)
        if close_audit is not None:
            close_audit()
