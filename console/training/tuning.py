"""What a training session changes from production: shorter waits, so a fault shows in seconds.

The detector grace periods and the Stripe watch's cadence are shortened; the rest of
triage is the production code. `DATA_CHECKS` are the scenario checks that read the data
itself, so a cause switched off with its damage left in place is judged as harm.
"""

from __future__ import annotations

TRAINING_THRESHOLDS = {
    "processing_down_grace_seconds": 3.0,
    "payments_not_processing_minutes": 0.1,
    # the simulated Stripe, asked every second; a given-up delivery (~4 s) counts after 5 s
    "stripe_poll_seconds": 1.0,
    "undelivered_grace_seconds": 5.0,
    "undelivered_window_minutes": 60.0,
}
DATA_CHECKS = ("no_duplicate_unprocessed", "no_paid_without_payment", "backlog_drained")
