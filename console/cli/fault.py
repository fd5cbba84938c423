"""`incident-console fault NAME[:k=v] [--off] --url URL`: toggle a running demo's fault.

One POST to the demo receiver's loopback admin API; a refusal or an unreachable receiver
is one line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys

from console.sim.faults import FaultError, FaultToggleError, parse_fault_spec, set_fault_sync


def fault_command(args: argparse.Namespace) -> int:
    try:
        [(name, params)] = parse_fault_spec(args.spec) or [("", {})]
        if not name:
            raise FaultError("name a fault, e.g. wrong_secret")
        faults = set_fault_sync(args.url, name, not args.off, **params)
    except (FaultError, FaultToggleError, ValueError) as exc:
        print(f"incident-console: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(faults))
    else:
        print(f"{name}: {'off' if args.off else 'on'}", file=sys.stderr)
    return 0
