"""Faults of the demo world, switchable by name at run time.

A `FaultSet` is shared by the receiver (which consults it for receiver-side faults), the
traffic generator (sender- and storefront-side faults) and whoever toggles them: code,
the receiver's loopback admin endpoint (`POST /_sim/faults`), the CLI and the dashboard
through `set_fault(base_url, name, on)`. Each fault leaves the traces that the guide's
queries and the console's finding ids look for (`FAULTS[name].findings`). Disabling a
fault stops new damage; what it left behind stays for the recovery actions to fix.

- specs.py       the table of faults (FAULTS) and the `name:key=value` parser;
- registry.py    FaultSet, the faults switched on now;
- toggle.py      switching a running receiver's fault over HTTP;
- hog.py         connection_hog (the database family);
- storefront.py  stuck_orders (the storefront family).

The sender's faults act in `console.sim.traffic`, the receiver's in
`console.sim.receiver.store`.
"""

from __future__ import annotations

from console.sim.faults.hog import MAX_HOG_CONNECTIONS, ConnectionHog
from console.sim.faults.registry import ActiveFault, FaultSet, Listener
from console.sim.faults.specs import FAULTS, FaultError, FaultSpec, parse_fault_spec
from console.sim.faults.storefront import create_stuck_orders
from console.sim.faults.toggle import FaultToggleError, set_fault, set_fault_sync

__all__ = [
    "FAULTS",
    "MAX_HOG_CONNECTIONS",
    "ActiveFault",
    "ConnectionHog",
    "FaultError",
    "FaultSet",
    "FaultSpec",
    "FaultToggleError",
    "Listener",
    "create_stuck_orders",
    "parse_fault_spec",
    "set_fault",
    "set_fault_sync",
]
