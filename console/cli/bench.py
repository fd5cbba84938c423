"""`incident-console bench`: the command line of the console-vs-guide measurement."""

from __future__ import annotations

import argparse
import json
import sys

from console.bench import run_bench


def _fig(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def bench_command(args: argparse.Namespace) -> int:
    events = int(args.events)
    if events < 1_000:
        print("incident-console: --events must be at least 1000", file=sys.stderr)
        return 1

    def say(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr)

    seconds, interval = float(args.seconds), float(args.interval)
    if seconds < 5 or interval <= 0:
        print(
            "incident-console: --seconds must be at least 5 and --interval above 0", file=sys.stderr
        )
        return 1
    report = run_bench(events, seconds=seconds, interval=interval, say=say)
    if args.json:
        print(json.dumps(report))
        return 0
    for size in report["sizes"]:
        c, g = size["console"], size["guide"]
        print(
            f"{size['events']:>12,} events  console poll p50 {c['poll_p50_ms']:8.2f} ms"
            f"  p95 {c['poll_p95_ms']:8.2f} ms  rows/poll {c['rows_per_poll_p50']:>6}"
            f"  | guide refresh {g['refresh_ms']:9.1f} ms"
            f" (+{g['duplicate_scan_ms']:.1f} ms duplicate scan)"
        )
        print(
            f"{'':>12}  first data {c['first_data_seconds']:.2f} s"
            f" (guide {g['first_data_seconds']:.2f} s),"
            f" database CPU {_fig(c['db_cpu_seconds_per_minute'])} s/min"
            f" (guide {_fig(g['db_cpu_seconds_per_minute'])} s/min), console CPU"
            f" {c['cpu_percent']:.2f} %, RSS {c['rss_mb']:.0f} MB"
        )
        for panel, reason in c["panel_errors"].items():
            print(f"  console panel {panel} was off during the run: {reason}")
    print(
        f"guide/console at the larger size: {report['refresh_ratio_guide_over_console']}x"
        f" ({report['refresh_ratio_with_duplicate_scan']}x with the duplicate scan);"
        f" console growth {report['console_growth_large_over_small']}x,"
        f" guide growth {report['guide_growth_large_over_small']}x"
    )
    return 0
