"""`async with` for the console's long-running parts (the simulator's servers, the drill).

Each has its own `start()` and `stop()`; entering starts it, leaving stops it, whatever
the body raised.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Self


class Service:
    """A part that is started, then stopped: `async with Part(...) as part: ...`."""

    async def start(self) -> object:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def cancel(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel the tasks, then wait until each has ended, whatever it raised (a stop path:
    nothing a dying task says may keep the rest from stopping)."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    for task in running:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
