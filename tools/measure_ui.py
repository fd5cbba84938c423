"""Measure the dashboard as a terminal sees it: first frame, first data, bytes/s, memory.

    python tools/measure_ui.py [--minutes 10] [--cols 120 --rows 40] [--refresh 1]

Starts the demo world (embedded PostgreSQL, history, live traffic), runs
`incident-console --dsn …` in a pseudo-terminal of the given size, and reports:
- time to first frame (first output naming a panel) and to first data (the throughput
  panel counting the last hour's events), from process start;
- bytes written to the terminal per second at steady state (after a warm-up);
- resident memory of the console process at the end of the run.
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import select
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from console.core.config import load_settings
from console.sim.demo import BackgroundLive, DemoWorld

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--refresh", type=float, default=1.0)
    parser.add_argument("--warmup", type=float, default=20.0)
    args = parser.parse_args()

    world = DemoWorld(days=None, events=None, seed=1)
    dsn = world.start()
    live = BackgroundLive(dsn, load_settings(environ={}, config_file=None), [], rate=None)
    live.start()
    try:
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": str(args.cols),
            "LINES": str(args.rows),
            "INCIDENT_CONSOLE_REFRESH": str(args.refresh),
            "DATABASE_URL": dsn,
        }
        started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:
            import fcntl
            import struct
            import termios

            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", args.rows, args.cols, 0, 0))
            os.execve(sys.executable, [sys.executable, "-m", "console"], env)
        first_frame = first_data = None
        text = b""
        total = 0
        steady_bytes = 0
        steady_from = started + args.warmup
        deadline = started + args.minutes * 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            now = time.monotonic()
            total += len(chunk)
            if now >= steady_from:
                steady_bytes += len(chunk)
            if first_data is None:
                text = (text + ANSI.sub(b"", chunk))[-20000:]
                if first_frame is None and b"Throughput" in text:
                    first_frame = now - started
                if re.search(rb"\d[\d,]* in 1h", text):
                    first_data = now - started
        memory = rss_kib(pid)
        os.write(fd, b"q")
        time.sleep(2)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        steady_seconds = max(1e-9, deadline - steady_from)
        print(
            json.dumps(
                {
                    "terminal": f"{args.cols}x{args.rows}",
                    "refresh_seconds": args.refresh,
                    "minutes": args.minutes,
                    "first_frame_seconds": round(first_frame, 3) if first_frame else None,
                    "first_data_seconds": round(first_data, 3) if first_data else None,
                    "steady_bytes_per_second": round(steady_bytes / steady_seconds, 1),
                    "total_bytes": total,
                    "rss_mib_at_end": round(memory / 1024, 1),
                }
            )
        )
    finally:
        live.stop()
        world.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
