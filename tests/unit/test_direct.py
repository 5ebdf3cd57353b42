"""The SLA from the orchestrator's own /metrics, for when Prometheus does not answer."""

from __future__ import annotations

import math

import pytest

from console.sources.direct import DirectHistory, parse_metrics, quantile

TEXT = """\
# HELP genesis_orchestrator_total_runs Runs started.
# TYPE genesis_orchestrator_total_runs counter
genesis_orchestrator_total_runs{worker="a"} 600
genesis_orchestrator_total_runs{worker="b"} 400
genesis_orchestrator_failed_runs_total 20
genesis_orchestrator_request_duration_seconds_bucket{le="0.5"} 900
genesis_orchestrator_request_duration_seconds_bucket{le="1.0"} 990
genesis_orchestrator_request_duration_seconds_bucket{le="+Inf"} 1000
genesis_orchestrator_failed_runs{x="}"} NaN
genesis_orchestrator_total_runs -5
not a metric line at all \x1b[31m
genesis_orchestrator_up 1
"""


def test_counters_summed_over_labels_and_junk_skipped():
    sample = parse_metrics(TEXT, at=0.0)
    assert sample.total == 1000
    assert sample.failed == 20  # the OpenMetrics _total suffix counts; NaN is skipped
    assert sample.buckets == {0.5: 900, 1.0: 990, math.inf: 1000}


def test_quantile_interpolates_as_prometheus_does():
    assert quantile(0.95, {0.5: 900, 1.0: 990, math.inf: 1000}) == pytest.approx(
        0.5 + 0.5 * 50 / 90
    )
    # past the largest finite bucket: its bound, as histogram_quantile says
    assert quantile(0.95, {0.5: 10, math.inf: 1000}) == 0.5
    assert quantile(0.95, {}) is None
    assert quantile(0.95, {0.5: 0, math.inf: 0}) is None  # no requests: unknown, not 0


def test_rates_over_the_span_and_a_restart_starts_again():
    history = DirectHistory()
    first = history.add(
        parse_metrics(
            "genesis_orchestrator_total_runs 1000\ngenesis_orchestrator_failed_runs 10\n", at=0.0
        )
    )
    assert first.error_rate == pytest.approx(1.0) and first.span == "since the orchestrator started"
    later = history.add(
        parse_metrics(
            "genesis_orchestrator_total_runs 1100\ngenesis_orchestrator_failed_runs 60\n", at=120.0
        )
    )
    assert later.error_rate == pytest.approx(50.0) and later.span == "over the last 2m"
    # counters went down: the orchestrator restarted, so only its own totals count
    restarted = history.add(
        parse_metrics(
            "genesis_orchestrator_total_runs 10\ngenesis_orchestrator_failed_runs 0\n", at=130.0
        )
    )
    assert restarted.error_rate == 0.0 and restarted.span == "since the orchestrator started"
    # no runs in the span: unknown, not 0 %
    idle = history.add(
        parse_metrics(
            "genesis_orchestrator_total_runs 10\ngenesis_orchestrator_failed_runs 0\n", at=200.0
        )
    )
    assert idle.error_rate is None
