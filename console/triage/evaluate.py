"""A Snapshot in, the Findings it supports out, most severe first.

A connection failure short-cuts everything (nothing else can be judged without the
database); a detector whose panels failed is skipped (see needs.py), except
processing_down, which still answers from the webhook health probe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from console.metrics.snapshot import Snapshot
from console.triage.detectors import DETECTORS
from console.triage.findings import SEVERITIES, Finding, runbook_for
from console.triage.needs import disabled_detectors
from console.triage.thresholds import resolve_thresholds


def evaluate(snapshot: Snapshot, thresholds: Mapping[str, float] | None = None) -> list[Finding]:
    """Every finding the snapshot supports, most severe first."""
    limits = resolve_thresholds(thresholds)
    if snapshot.connection_error:
        return [
            Finding(
                "db_connection_failure",
                "P0",
                "Database connection failure: the database cannot be reached",
                1.0,
                0.0,
                "db_connection_failure",
                {"error": snapshot.connection_error},
                snapshot.taken_at,
            )
        ]
    disabled = disabled_detectors(snapshot)
    found: list[Finding] = []
    for detector_id, detector in DETECTORS.items():
        if detector_id in disabled and detector_id != "processing_down":
            continue
        finding = detector(snapshot, limits)
        if finding is not None:
            found.append(replace(finding, runbook=runbook_for(finding.id)))
    return sorted(found, key=lambda f: (SEVERITIES.index(f.severity), f.id))
