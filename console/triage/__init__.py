"""Triage: a Snapshot in, the guide's Quick Reference items out as Findings (P0/P1/P2).

The detectors are pure functions of one Snapshot, so a one-shot `check` and the live
dashboard judge the same way. Windows are judged by the events' own timestamps (the
Snapshot's per-minute buckets), so a one-shot check needs no history of its own: the
guide's "for 5 minutes" alert rules become "over the last 5 minutes of events";
connection rules are instantaneous. Every threshold has a name and a default and can be
overridden through the `[thresholds]` table of the settings.

The parts: findings.py (the Finding, the guide's items, runbooks), thresholds.py,
needs.py (the panels each detector reads), detectors/ (one module per family),
evaluate.py, check.py (the one-shot check's poll and reports; the command itself is
console/cli/check.py). This package re-exports what callers use.
"""

from __future__ import annotations

from console.triage.detectors import DETECTORS
from console.triage.evaluate import evaluate
from console.triage.findings import (
    GUIDE_ITEMS,
    RUNBOOK_FOR_FINDING,
    SEVERITIES,
    Finding,
    FindingTracker,
    overall_severity,
    runbook_for,
)
from console.triage.needs import NEEDS, disabled_detectors
from console.triage.thresholds import DEFAULT_THRESHOLDS, UnknownThreshold, resolve_thresholds

__all__ = [
    "DEFAULT_THRESHOLDS",
    "DETECTORS",
    "GUIDE_ITEMS",
    "NEEDS",
    "RUNBOOK_FOR_FINDING",
    "SEVERITIES",
    "Finding",
    "FindingTracker",
    "UnknownThreshold",
    "disabled_detectors",
    "evaluate",
    "overall_severity",
    "resolve_thresholds",
    "runbook_for",
]
