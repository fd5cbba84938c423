"""Textual front end of incident-console: the app, its screens and one widget per panel.

Everything here renders values from `console` (Snapshot, findings, drill-down rows);
nothing here talks SQL. `screens.app.dashboard_command` is the entry point.
"""
