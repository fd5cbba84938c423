"""The commander's view in a browser: `incident-console serve` (read-only, live)."""
