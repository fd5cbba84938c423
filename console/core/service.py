"""`async with` for the console's long-running parts (the simulator's servers, the drill).

Each has its own `start()` and `stop()`; entering starts it, leaving stops it, whatever
the body raised.
"""

from __future__ import annotations

from typing import Self


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
