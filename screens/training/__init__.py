"""Training mode's screens: the briefing, the training bar, hints, finish and the debrief.

The dashboard itself is the production one (`screens.app.IncidentApp`) on the training
database; `TrainingApp` only adds the page before it, the bar, and the debrief after it,
and tells the session what the trainee did through the app's observer hook.

- app.py       TrainingApp: starts the session on Enter, the bar, h (hint), f (finish);
- observer.py  the observer and Recovery that route the trainee's moves to the session
               (service commands act on the simulation, never on the host);
- briefing.py  the page; debrief.py the grade, deductions and the two paths;
- dialogs.py   the hint and "finish now?" dialogs; text.py their wording;
- run.py       `train --scenario S`: embedded database, session, app.
"""
