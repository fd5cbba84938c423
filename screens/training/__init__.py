"""Training mode's screens: the briefing, the training bar, hints, finish and the debrief.

The dashboard itself is the production one (`screens.app.IncidentApp`) on the training
database; `TrainingApp` only adds the page before it, the bar, and the debrief after it,
and tells the session what the trainee did through the app's observer hook.
"""
