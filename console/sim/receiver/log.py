"""The receiver's delivery log: one line per delivery, like a service's webhook.log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO


class DeliveryLog:
    """One line per delivery, like a service's webhook.log (`grep ERROR` works)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: TextIO | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8", buffering=1)

    def write(
        self,
        status: int,
        event_id: str | None,
        event_type: str | None,
        error: str | None,
        ms: float,
        note: str = "",
    ) -> None:
        """`<time> <LEVEL> status= event= type= error="…" [note="…"] ms=`."""
        if self._file is None:
            return
        level = "INFO" if status < 400 else "WARN" if status == 429 else "ERROR"
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        line = (
            f"{stamp} {level} status={status} event={_token(event_id)} "
            f"type={_token(event_type)} error={json.dumps(error) if error else '-'}"
        )
        if note:
            line += f" note={json.dumps(note)}"
        self._file.write(f"{line} ms={ms:.0f}\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _token(value: str | None) -> str:
    """A log field without spaces or control characters (ids come from untrusted bodies)."""
    if not value:
        return "-"
    return "".join(c if c.isprintable() and not c.isspace() else "?" for c in value[:120])
