"""Switching a fault of a running receiver over HTTP (its loopback admin API).

What the CLI's `incident-console fault` and the dashboard's demo controls use: one POST
to `/_sim/faults`; a refusal or an unreachable receiver is one line, `FaultToggleError`.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

from console.sim.endpoints import FAULTS_PATH


class FaultToggleError(RuntimeError):
    """The receiver refused or could not be reached; one line saying why."""


def set_fault_sync(
    base_url: str, name: str, on: bool, timeout: float = 5.0, **params: Any
) -> dict[str, Any]:
    """Switch a fault on the running receiver at `base_url`; returns its fault list."""
    body = json.dumps({"name": name, "on": on, "params": params}).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + FAULTS_PATH,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("error", exc.reason)
        except (ValueError, AttributeError):
            detail = exc.reason
        raise FaultToggleError(f"receiver refused: {detail}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FaultToggleError(f"cannot reach the receiver at {base_url}: {reason}") from None


async def set_fault(
    base_url: str, name: str, on: bool, timeout: float = 5.0, **params: Any
) -> dict[str, Any]:
    """The async twin of `set_fault_sync` (runs it in a thread: no event-loop blocking)."""
    return await asyncio.to_thread(set_fault_sync, base_url, name, on, timeout, **params)
