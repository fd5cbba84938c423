"""The scenario catalogue: data, in scenarios.toml (read and checked by load.py).

A new scenario goes into scenarios.toml where the listing should show it (the order is
the listing's, and `random` picks from it by seed); `validate_scenarios` checks it.
"""

from __future__ import annotations

from console.training.cases.load import load_scenarios
from console.training.model import Scenario

SCENARIOS_LIST: tuple[Scenario, ...] = load_scenarios()

# Combined scenarios: several faults at once, listed by their parts.
COMBINED: dict[str, tuple[str, ...]] = {
    "processor_down+stuck_orders": ("processor_down", "stuck_orders"),
    "duplicate_deliveries+paid_without_payment": ("duplicate_deliveries", "paid_without_payment"),
}
