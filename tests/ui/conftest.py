"""Fixtures for the pilot tests: the app on a real database, ready for an incident."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.checklist_samples import checklist_app

from console.core.state import init_state
from screens.app import IncidentApp
from tests.conftest import TestDatabase


@pytest.fixture
def incident_app(db: TestDatabase, tmp_path: Path) -> IncidentApp:
    """The checklist app on `db`, the console's state schema created (incidents can open)."""
    init_state(db.dsn)
    return checklist_app(db.dsn, tmp_path)
