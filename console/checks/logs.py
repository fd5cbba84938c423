"""Tail a log file and keep the lines matching a pattern: the guide's `tail … | grep`.

Reads backwards from the end in blocks, so a multi-gigabyte log costs only the bytes
needed for the last N matching lines (bounded by `max_bytes`). The pattern is a plain,
case-insensitive substring, not a regular expression: operators type it under pressure
and a regex can be made to run for ever. A missing or unreadable file is a result, not
an exception.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from console.checks.context import CheckContext
from console.checks.result import CheckResult
from console.checks.web import printable

BLOCK = 64 * 1024
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
LINE_CHARS = 500


@dataclass(frozen=True)
class LogTail:
    path: str
    lines: tuple[str, ...]
    scanned_bytes: int
    file_bytes: int
    problem: str | None = None


def tail_lines(
    path: str | os.PathLike[str],
    *,
    lines: int = 50,
    pattern: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> LogTail:
    """The last `lines` lines (matching `pattern`, if given), oldest first."""
    where = str(path)
    needle = pattern.lower() if pattern else None
    try:
        handle = Path(path).open("rb")  # noqa: SIM115 - closed by the `with` below
    except FileNotFoundError:
        return LogTail(where, (), 0, 0, f"log file {where} does not exist")
    except IsADirectoryError:
        return LogTail(where, (), 0, 0, f"{where} is a directory, not a log file")
    except PermissionError:
        return LogTail(where, (), 0, 0, f"no permission to read {where}")
    except OSError as exc:
        return LogTail(where, (), 0, 0, f"cannot read {where}: {exc.strerror}")
    found: list[str] = []
    with handle:
        size = os.fstat(handle.fileno()).st_size
        position = size
        carry = b""
        scanned = 0
        while position > 0 and len(found) < lines and scanned < max_bytes:
            step = min(BLOCK, position)
            position -= step
            handle.seek(position)
            chunk = handle.read(step) + carry
            scanned += step
            parts = chunk.split(b"\n")
            carry = parts[0] if position > 0 else b""
            complete = parts[1:] if position > 0 else parts
            for raw in reversed(complete):
                if _keep(raw, needle):
                    found.append(printable(raw.decode("utf-8", errors="replace"), LINE_CHARS))
                    if len(found) >= lines:
                        break
        if position == 0 and carry and len(found) < lines and _keep(carry, needle):
            found.append(printable(carry.decode("utf-8", errors="replace"), LINE_CHARS))
    return LogTail(where, tuple(reversed(found)), scanned, size)


def _keep(raw: bytes, needle: str | None) -> bool:
    if not raw.strip():
        return False
    return needle is None or needle in raw.decode("utf-8", errors="replace").lower()


async def log_tail(
    ctx: CheckContext,
    source: str = "app",
    lines: int = 50,
    pattern: str | None = None,
    default_path: str | None = None,
) -> CheckResult:
    """Tail the log source named in LOG_SOURCES (or the guide's default path)."""
    path = ctx.settings.log_sources.get(source) or default_path
    name = f"log_tail:{source}"
    if not path:
        return CheckResult(
            name,
            "skipped",
            f"no log source {source!r} configured (set LOG_SOURCES={source}=/path/to/file)",
        )
    if pattern is not None and "\x00" in pattern:
        return CheckResult(name, "error", "the filter contains a NUL character")
    result = tail_lines(path, lines=max(1, min(int(lines), 10_000)), pattern=pattern)
    details = {
        "path": result.path,
        "pattern": pattern,
        "lines": list(result.lines),
        "scanned_bytes": result.scanned_bytes,
        "file_bytes": result.file_bytes,
    }
    if result.problem:
        return CheckResult(name, "skipped", result.problem, details)
    what = f"matching {pattern!r}" if pattern else ""
    if not result.lines:
        return CheckResult(
            name,
            "ok",
            f"no lines {what} in the last {result.scanned_bytes} bytes of {path}",
            details,
        )
    return CheckResult(
        name,
        "warn" if pattern else "ok",
        f"{len(result.lines)} line(s) {what} from {path}".replace("  ", " "),
        details,
    )
