"""Reading a shipped data file (runbooks, training scenarios): TOML, or one clear line."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: Path, error: type[Exception]) -> dict[str, Any]:
    """`path` parsed; `error` (the caller's own) naming the file and what is wrong with it."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path.name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise error(f"{path.name}: cannot read: {exc.strerror}") from None
