"""Error-message grouping: the guide's wording by default, LIKE patterns, odd input."""

from __future__ import annotations

import pytest

from console.metrics.latency import LatencyAgg, bin_seconds, latency_bin
from console.metrics.patterns import (
    CONNECTION,
    EVENT_TOO_OLD,
    INVALID_SIGNATURE,
    INVALID_STATE_TRANSITION,
    RATE_LIMIT_EXCEEDED,
    ErrorClassifier,
)


@pytest.mark.parametrize(
    ("message", "group"),
    [
        ("Invalid signature", INVALID_SIGNATURE),
        ("No signatures found matching the expected signature for payload", INVALID_SIGNATURE),
        ("Event too old", EVENT_TOO_OLD),
        ("event TOO OLD (age 4000s)", EVENT_TOO_OLD),
        ("Rate limit exceeded", RATE_LIMIT_EXCEEDED),
        ("Invalid state transition: paid -> pending", INVALID_STATE_TRANSITION),
        ("Connection terminated unexpectedly", CONNECTION),
        ("canceling statement due to statement timeout", CONNECTION),
        ("upstream timed out", CONNECTION),
    ],
)
def test_guide_wording_is_grouped_by_default(message: str, group: str) -> None:
    assert ErrorClassifier().classify(message) == group


def test_unmatched_messages_are_grouped_as_themselves_trimmed() -> None:
    classifier = ErrorClassifier()
    assert classifier.classify("  Card   declined\n") == "Card declined"
    assert classifier.pattern_of("Card declined") == ""
    assert len(classifier.classify("x" * 5000)) == 200
    assert classifier.classify("") == "(empty message)"


def test_configured_patterns_override_and_extend_the_defaults() -> None:
    classifier = ErrorClassifier(
        {INVALID_SIGNATURE: "%bad sig%", "Upstream": "upstream 50_|%gateway%"}
    )
    assert classifier.classify("bad sig v1") == INVALID_SIGNATURE
    assert classifier.classify("Invalid signature") == "Invalid signature"  # as itself now
    assert classifier.classify("upstream 502") == "Upstream"
    assert classifier.classify("upstream 5023") == "upstream 5023"  # `_` is one character
    assert classifier.classify("Bad Gateway") == "Upstream"


@pytest.mark.parametrize("hostile", ["'; DROP TABLE orders; --", "$$", "a.*b", "(", "\\", "ü😀"])
def test_patterns_are_text_not_regex_or_sql(hostile: str) -> None:
    classifier = ErrorClassifier({"Hostile": f"%{hostile}%"})
    assert classifier.classify(f"before {hostile} after") == "Hostile"
    assert classifier.classify("a-anything-b") != "Hostile"  # "." and "*" are literal


def test_latency_percentile_is_within_a_bin_of_the_truth() -> None:
    agg = LatencyAgg()
    values = [i * 10_000 for i in range(1, 1001)]  # 10 ms .. 10 s
    for us in values:
        agg.add(us)
    true_p95 = sorted(values)[949] / 1e6
    assert agg.percentile(0.95) == pytest.approx(true_p95, rel=0.03)
    assert agg.avg_seconds == pytest.approx(sum(values) / len(values) / 1e6)
    assert agg.max_seconds == 10.0
    assert latency_bin(0) == 0 and bin_seconds(0) == 0.0005
    assert LatencyAgg().percentile(0.95) is None
