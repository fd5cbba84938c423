"""Keys that several screens bind alike: one definition, so `?` or Esc never drift apart."""

from __future__ import annotations

from textual.binding import Binding

# The help overlay: on every screen, listed in the help itself rather than the footer.
HELP = Binding("question_mark", "app.help", "Help", key_display="?", show=False)
# Closing a dialog or drill-down.
CLOSE = Binding("escape,q", "dismiss", "Close")
# Leaving a prompt or a confirmation without acting.
CANCEL = Binding("escape", "cancel", "Cancel")
# To the incident timeline, from a checklist screen.
TIMELINE = Binding("t", "app.timeline", "Timeline")
# A note on the open incident's timeline (the runbook and the timeline screens).
NOTE = Binding("n", "note", "Note")


def back(also: str = "", label: str = "Back") -> Binding:
    """Esc (and `also`, the key that opened the screen) returns to the screen below."""
    return Binding(",".join(k for k in ("escape", also) if k), "app.pop_screen", label)
