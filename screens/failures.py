"""One line for any failure the screens show: a poll, a drill-down, a desk call.

At the bottom of `screens/` (views, dialogs and controllers all say what went wrong the
same way), so it imports nothing of the UI.
"""

from __future__ import annotations

from console.core.db import DatabaseError, translate


def describe_failure(exc: BaseException) -> tuple[str, str]:
    """(kind, one line) for a failed poll; never a traceback."""
    if isinstance(exc, DatabaseError):
        return exc.kind, exc.message
    if isinstance(exc, ImportError):
        return "unavailable", f"the metrics collector is not available in this build ({exc.name})"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return "error", f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def describe_error(exc: BaseException) -> str:
    """One line for any failure of an incident-desk call."""
    if isinstance(exc, DatabaseError | ValueError):  # ValueError: InputError (a NUL…)
        return str(exc)
    try:
        return str(translate(exc))
    except Exception:
        return f"{type(exc).__name__}: {exc}"
