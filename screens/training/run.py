"""`incident-console train --scenario S` without --autopilot: the interactive run.

An embedded PostgreSQL with a fresh database holding the guide's schema, the scenario's
session on it, and the TrainingApp in the terminal. Returns 0 when the run was
resolved, 2 when it was finished unresolved, 1 when it could not start.
"""

from __future__ import annotations

import argparse

from console.training.options import DrillOptions
from console.training.scenarios import Scenario

STARTUP_FAILED = 1


def run_training(scenario: Scenario, options: DrillOptions) -> int:
    from console.training.runner import training_database
    from console.training.session import TrainingSession
    from screens.training.app import TrainingApp

    with training_database() as dsn:
        session = TrainingSession(scenario, dsn, options)
        # SSH drop / SIGTERM: the app leaves, the simulation and the server stop.
        app = TrainingApp(session, history_dir=options.history_dir, handle_signals=True)
        app.run()
        return STARTUP_FAILED if app.return_code is None else app.return_code


def train_interactive(scenario: Scenario, args: argparse.Namespace) -> int:
    """Wired from `console.cli.train` (which stays free of textual)."""
    return run_training(scenario, DrillOptions.from_args(args))
