"""Where the shipped data lives, both in a source checkout and in an installed wheel.

The wheel carries `sql/` inside the package (`console/sql`); a source checkout keeps it at
the repository root. Looking in both keeps `pip install .` and `pip install -e .` working.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent


@cache
def sql_dir() -> Path:
    """The directory holding the named SQL files."""
    for candidate in (PACKAGE_DIR / "sql", PACKAGE_DIR.parent / "sql"):
        if (candidate / "schema").is_dir():
            return candidate
    raise FileNotFoundError("the sql/ data directory is missing from this installation")


def runbooks_dir() -> Path:
    """The directory holding the runbook TOML files."""
    return PACKAGE_DIR / "runbooks" / "data"
