"""Who is operating: the name recorded on audit records, timeline entries and incidents.

The audit log itself is the recovery capability's (console.recovery.audit): only a
recovery action writes audit records, and it loads its SQL through console.queries.
"""

from __future__ import annotations

import getpass


def current_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
