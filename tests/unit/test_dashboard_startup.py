"""Start-up: the dashboard paints before the heavy modules load (DESIGN: first frame
within 0.6 s), so what the first frame needs must not import them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("psycopg", "psycopg_pool", "aiohttp", "stripe", "console.metrics.collector")
FIRST_FRAME_PATH = (
    "console.cli",
    "console.core.config",
    "console.core.db",
    "console.sim.embedded",
    "screens.app",
    "screens.controllers.source",
)


def test_the_modules_of_the_first_frame_do_not_load_the_heavy_ones() -> None:
    script = (
        "import importlib, json, sys\n"
        f"for name in {FIRST_FRAME_PATH!r}: importlib.import_module(name)\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert json.loads(done.stdout) == []


def test_database_errors_still_translate_once_psycopg_loads_lazily() -> None:
    import psycopg

    from console.core.db import ConnectionFailed, translate

    error = translate(psycopg.OperationalError("connection refused"), "postgresql://db:5432/x")
    assert isinstance(error, ConnectionFailed)
    assert "cannot reach the database at" in error.message
