"""What a console remembers of the shared incident for when the state database is down.

A note typed during an outage must still land on the right incident: the store's local
JSONL takes the note, and this small file says which incident was open when the
database was last reachable. It is a cache, never the truth: the moment the database
answers, its open incident wins and the file is rewritten.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from console.core.jsonable import dumps
from console.core.private_files import write_private
from console.incidents.model import Incident
from console.incidents.model import incident_from as incident_from_record

CACHE_FILE = "current-incident.json"


class IncidentCache:
    def __init__(self, local_dir: Path) -> None:
        self.path = local_dir / CACHE_FILE

    def remember(self, incident: Incident | None) -> None:
        """Write (or, for None and closed incidents, forget) the open incident."""
        try:
            if incident is None or not incident.is_open:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                return
            tmp = self.path.with_suffix(".tmp")
            write_private(tmp, dumps(incident).encode("utf-8"))
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written costs only the offline note

    def recall(self) -> Incident | None:
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        try:
            incident = incident_from_record(record)
        except (KeyError, TypeError, ValueError):
            return None
        return incident if incident.is_open else None
