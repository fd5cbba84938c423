"""The faults switched on now: a thread-safe set that tells its listeners every change.

A `FaultSet` is shared by the receiver (which consults it for receiver-side faults), the
traffic generator (sender- and storefront-side faults) and whoever toggles them: code,
the receiver's loopback admin endpoint (`POST /_sim/faults`), the CLI and the dashboard.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from console.sim.faults.specs import FAULTS, FaultError


@dataclass(frozen=True)
class ActiveFault:
    name: str
    params: Mapping[str, Any]
    since: float

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "params": dict(self.params), "since": self.since}


Listener = Callable[[str, bool], None]


def _coerce(name: str, key: str, value: Any, default: Any) -> Any:
    if default is None or value is None:
        return value
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        return type(default)(value)
    except (TypeError, ValueError):
        raise FaultError(f"fault {name}: {key} must be a {type(default).__name__}") from None


class FaultSet:
    """The faults switched on now. Thread-safe; listeners hear every change."""

    def __init__(self) -> None:
        self._active: dict[str, ActiveFault] = {}
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def enable(self, name: str, **params: Any) -> ActiveFault:
        spec = FAULTS.get(name)
        if spec is None:
            raise FaultError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        unknown = sorted(set(params) - set(spec.defaults))
        if unknown:
            allowed = ", ".join(spec.defaults) or "none"
            raise FaultError(f"fault {name} has no parameter {unknown[0]!r} (allowed: {allowed})")
        merged = {
            key: _coerce(name, key, params.get(key, default), default)
            for key, default in spec.defaults.items()
        }
        fault = ActiveFault(name, MappingProxyType(merged), time.time())
        with self._lock:
            self._active[name] = fault
            listeners = list(self._listeners)
        for listener in listeners:
            listener(name, True)
        return fault

    def disable(self, name: str) -> bool:
        if name not in FAULTS:
            raise FaultError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            was_on = self._active.pop(name, None) is not None
            listeners = list(self._listeners)
        if was_on:
            for listener in listeners:
                listener(name, False)
        return was_on

    def set(self, name: str, on: bool, **params: Any) -> None:
        if on:
            self.enable(name, **params)
        else:
            self.disable(name)

    def active(self) -> dict[str, Mapping[str, Any]]:
        """Name -> parameters of every fault switched on."""
        with self._lock:
            return {name: fault.params for name, fault in self._active.items()}

    def get(self, name: str) -> Mapping[str, Any] | None:
        """The parameters of `name` if it is on, else None."""
        with self._lock:
            fault = self._active.get(name)
        return fault.params if fault else None

    def is_on(self, name: str) -> bool:
        return self.get(name) is not None

    def clear(self) -> None:
        for name in list(self.active()):
            self.disable(name)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(name, on)` on every change; returns the unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def describe(self) -> list[dict[str, Any]]:
        """Every known fault with its state, for `GET /_sim/faults` and `--list-faults`."""
        with self._lock:
            active = dict(self._active)
        return [
            {
                "name": spec.name,
                "on": spec.name in active,
                "acts_on": spec.acts_on,
                "findings": list(spec.findings),
                "description": spec.description,
                "params": dict(active[spec.name].params if spec.name in active else spec.defaults),
            }
            for spec in FAULTS.values()
        ]
