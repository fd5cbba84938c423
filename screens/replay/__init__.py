"""The replay of a recording in the dashboard (`incident-console replay FILE`).

source.py    the player's frame as the dashboard's SnapshotSource and evaluator;
screen.py    the dashboard screen with the replay's keys and the timeline beside;
timeline.py  that timeline;
app.py       the IncidentApp on a recording (nothing written, nothing recorded).
"""

from __future__ import annotations

import argparse
from typing import Any


def replay_dashboard(recording: Any, args: argparse.Namespace) -> int:
    """Wired from `console.cli.replay` (which stays free of textual)."""
    from screens.replay.app import ReplayApp

    app = ReplayApp(recording, speed=getattr(args, "speed", 1.0) or 1.0, handle_signals=True)
    app.run()
    return app.return_code or 0
