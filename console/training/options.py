"""How one drill runs: one frozen value for the session, the autopilot and the TUI.

`train --autopilot`, the interactive run and the tests all choose the same few things
(settings, seed, time limit, poll interval, where the audit log and the run history go);
they build this once (`from_args` for the command line) and hand it down, instead of
repeating the keywords at each hop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.core.config import Settings


@dataclass(frozen=True)
class DrillOptions:
    settings: Settings | None = None
    seed: int | None = None  # the traffic's (and `--scenario random`'s)
    time_limit: float | None = None  # seconds; unresolved at the limit = failed
    poll_interval: float = 0.5  # seconds between the judge's looks
    state_dir: Path | None = None  # the drill's audit log (None: the default state dir)
    history_dir: Path | None = None  # training.jsonl (None: the default)

    @classmethod
    def from_args(cls, args: Any) -> DrillOptions:
        """From `train`'s flags: --config, --seed, --time-limit, --history-dir."""
        from console.core.config import load_settings

        return cls(
            settings=load_settings(config_file=getattr(args, "config", None)),
            seed=getattr(args, "seed", None),
            time_limit=getattr(args, "time_limit", None),
            history_dir=history_dir_of(args),
        )


def history_dir_of(args: Any) -> Path | None:
    """`--history-dir`, with `~` expanded (None: the default)."""
    raw = getattr(args, "history_dir", None)
    return Path(raw).expanduser() if raw else None
