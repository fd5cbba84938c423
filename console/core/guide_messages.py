"""The guide's error messages, word for word, as its receiver stores them in
`webhook_events.error_message`.

One definition for the three that use them: the signature check and the simulated receiver
write them, and the console's error groups (metrics/patterns.py) are named by them, so a
changed word cannot leave a receiver's failures counted under no group.
"""

from __future__ import annotations

INVALID_SIGNATURE = "Invalid signature"
EVENT_TOO_OLD = "Event too old"
RATE_LIMIT_EXCEEDED = "Rate limit exceeded"
INVALID_STATE_TRANSITION = "Invalid state transition"
