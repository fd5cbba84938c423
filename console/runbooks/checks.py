"""The checks a runbook step may name: the shipped non-SQL checks plus Stripe's.

`console.checks` sits below `console.stripe` (which signs and sends with it), so the
Stripe reconciliation check cannot be registered there; the runbooks, above both, join
them. Importing this loads no heavy library (stripe, aiohttp): checks import theirs
when they run.
"""

from __future__ import annotations

from functools import cache

from console.checks.registry import CheckSpec, default_registry
from console.stripe.check import SPEC as STRIPE_RECONCILIATION


@cache
def step_checks() -> dict[str, CheckSpec]:
    """Every check a runbook step can name, by name."""
    return {**default_registry(), STRIPE_RECONCILIATION.name: STRIPE_RECONCILIATION}
