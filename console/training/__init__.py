"""Training mode: scenarios of injected faults, objectives, scoring and an autopilot.

- model.py      the shape of a scenario (briefing, faults, objectives, par, hints, harm,
                ideal path);
- cases/        the scenarios themselves (data), one module per family of faults;
- scenarios.py  lookup, combinations (`a+b`), `random`, validation;
- services.py   the runbooks' service commands acting on the simulation;
- checks.py     the resolve checks on the data (`sql/training/*.sql`);
- harm.py       harm read from the data and from applied actions' previews;
- session.py    TrainingSession: the live simulation, trainee events, judging;
- progress.py   what the judge saw on its latest poll;
- scoring.py    Score (points, grade A-F with reasons) and Debrief;
- autopilot.py  plays the ideal path with the console's own actions;
- runner.py     one headless autopilot run, scored and recorded;
- history.py    the local JSONL history and its summary.

UI-free: the training screens read `Scenario.to_json()`, `TrainingSession.progress()`
and `Debrief.to_json()`. The command, `incident-console train`, is `console.cli.train`.
"""
