"""A Linux terminal driver that survives its terminal going away (an SSH drop, a closed tab).

When a terminal hangs up, the kernel sends its foreground processes SIGHUP *and* SIGCONT.
Textual's driver takes every SIGCONT for the end of a Ctrl+Z and restarts application
mode: a new input thread (not a daemon) that spins on the dead terminal for ever, so a
console quitting at that moment never exits, and its embedded server stays up. Here only
a SIGCONT that follows our own suspend resumes. And once the terminal refuses writes (EIO,
EPIPE), output is dropped instead of raised, so Textual's writer thread, which would die
and leave its bounded queue to fill and block the next write, keeps draining to the end.
"""

from __future__ import annotations

from typing import IO, Any

from textual.app import App
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver


class HangupTolerantFile:
    """The terminal's file, except that writes after the terminal has gone are dropped."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self.gone = False

    def write(self, text: str) -> int:
        if self.gone:
            return len(text)
        try:
            return self._file.write(text)
        except (OSError, ValueError):  # EIO/EPIPE from a closed pty; ValueError: closed file
            self.gone = True
            return len(text)

    def flush(self) -> None:
        if self.gone:
            return
        try:
            self._file.flush()
        except (OSError, ValueError):
            self.gone = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class HangupTolerantDriver(LinuxDriver):
    """LinuxDriver whose output thread keeps draining after the terminal has gone."""

    def __init__(self, app: App[Any], **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._file = HangupTolerantFile(self._file)  # type: ignore[assignment]

    def _sigcont_application(self, *args: Any) -> None:
        """Resume only after our own suspend (Ctrl+Z), never on a hangup's SIGCONT."""
        if self._must_signal_resume:
            super()._sigcont_application(*args)


def hangup_tolerant(chosen: type[Driver]) -> type[Driver]:
    """The driver to use in place of `chosen`: ours where Textual picked its Linux one."""
    return HangupTolerantDriver if chosen is LinuxDriver else chosen
