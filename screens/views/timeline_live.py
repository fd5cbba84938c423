"""What the timeline shows of the shared incident: you, the people on it, whose steps are
running, the approvals waiting; and a live entry as a table row. Plain functions of the
shared view (console.incidents.session.IncidentView), testable without a screen."""

from __future__ import annotations

from typing import Any

from rich.text import Text


def people_text(view: Any, me: str) -> Text:
    """Three short lines at most: the room, the running steps, the approvals."""
    if view is None:
        return Text("")
    here = "; ".join(p.describe() for p in view.present) or "nobody else"
    lines = [f"You: {me} ({view.role}) · on the incident: {here}"]
    if view.claims:
        lines.append("Running: " + "; ".join(c.describe() for c in view.claims))
    waiting = [a for a in view.approvals if a.waiting]
    text = Text("\n".join(lines))
    for a in waiting:
        decide = " — a decides" if view.role == "commander" or a.requested_by != me else ""
        text.append(f"\nWaiting for approval: {a.describe()}{decide}", style="bold")
    return text


def entry_row(entry: Any, opened_at: Any) -> tuple[str, str, str, str, str]:
    """A live entry (console.incidents.live.LiveEntry) as the timeline table's row."""
    offset = int((entry.at - opened_at).total_seconds() // 60) if opened_at else 0
    return (f"{entry.at:%H:%M:%S}", f"+{offset}", entry.who, entry.kind, entry.text)
