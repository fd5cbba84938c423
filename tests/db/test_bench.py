"""`incident-console bench` reports what users feel, beside the guide, in one run.

Kept cheap (1 000 events, a 5 s window): it checks the figures are there and sane, not
how fast this busy machine is.
"""

from __future__ import annotations

import pytest

from console.bench import run_bench


@pytest.mark.timeout(300)
def test_bench_reports_first_data_cpu_and_memory_beside_the_guide() -> None:
    report = run_bench(1_000, seconds=5, interval=1.0)
    (size,) = report["sizes"]
    console, guide = size["console"], size["guide"]
    assert console["panel_errors"] == {}  # no panel switched off to look cheap
    assert 0 < console["first_data_seconds"] <= console["history_complete_seconds"]
    assert console["polls"] >= 3 and console["rss_mb"] > 10
    assert console["db_cpu_seconds_per_minute"] is not None
    assert guide["db_cpu_seconds_per_minute"] is not None and guide["refreshes"] >= 3
    for key in (
        "refresh_ratio_guide_over_console",
        "refresh_ratio_with_duplicate_scan",
        "console_growth_large_over_small",
        "guide_growth_large_over_small",
        "console_db_cpu_seconds_per_minute",
        "guide_db_cpu_seconds_per_minute",
        "console_first_data_seconds",
        "console_rss_mb",
    ):
        assert key in report, key
