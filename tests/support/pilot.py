"""Waiting in Textual pilot tests: for a condition, with a deadline, never for a set time.

`pilot.press` returns when the process looks idle (CPU time against wall time), which on
a loaded machine can be before the key was handled; so a test waits for what the key
should change before it presses the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def wait_until(
    pilot: Any, condition: Callable[[], Any], timeout: float = 5.0, *, poll: float = 0.05
) -> None:
    """Until `condition()` is true (checked every `poll` s), then one more pause so the
    app has handled what made it true; fails after `timeout` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(poll)
    await pilot.pause()


async def wait_screen(pilot: Any, kind: type, timeout: float = 15.0) -> Any:
    """Until a `kind` screen is on top and mounted (composed, so it can be driven)."""
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, kind) and app.screen.is_mounted, timeout)
    return app.screen
