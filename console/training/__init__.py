"""Training mode: scenarios of injected faults, objectives, scoring and an autopilot.

- scenarios.py  the scenario table (briefing, faults, objectives, par, hints, harm,
                ideal path), combinations (`a+b`), validation;
- services.py   the runbooks' service commands acting on the simulation;
- checks.py     the resolve checks on the data;
- session.py    TrainingSession: the live simulation, trainee events, judging;
- scoring.py    Score (points, grade A-F with reasons) and Debrief;
- autopilot.py  plays the ideal path with the console's own actions;
- history.py    the local JSONL history and its summary;
- cli.py        `incident-console train`.

UI-free: the training screens read `Scenario.to_json()`, `TrainingSession.progress()`
and `Debrief.to_json()`.
"""

from __future__ import annotations

import argparse


def train_command(args: argparse.Namespace) -> int:
    from console.cli.train import train_command as command

    return command(args)
