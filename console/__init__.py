"""incident-console core: UI-free, usable headless (CLI, JSON, tests)."""

__version__ = "0.1.0"
