"""Record and replay: what the console polled, and what happened, in one compact file.

- format.py      the file (gzip members of JSON Lines) and its errors;
- writer.py      the Recorder: keyframes, changed leaves per poll, flushed every few s;
- background.py  recording beside a live console (a writer thread; when to record);
- wire.py        a Snapshot as a JSON state, the changes between two, and back (typed.py);
- redact.py      what may be written: no secret, no DSN password, samples optional;
- files.py       0600 files in 0700 folders, where the console keeps its recordings;
- reader.py      reading back up to any damage, named by byte offset and record;
- recording.py   a recording opened for replay (snapshots decoded on demand);
- player.py      the replay's clock: pause, speed, seek;
- summary.py     fire/clear times, the incident, its phases (headless replay);
- series.py      the curves for the postmortem's charts, and the impact's numbers.

Below incidents and training (which read recordings), above metrics (whose Snapshot it
stores); it needs nothing from triage or incidents: findings and timeline entries are
duck-typed.
"""
