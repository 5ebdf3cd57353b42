"""The pure parts of the HTTP sources: times, matchers, Prometheus values, merging, sentences."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import msgspec
import pytest

from console.clock import format_rfc3339, parse_rfc3339
from console.model import Status
from console.sources.alertmanager import (
    _Alert,
    matchers_match,
    merge_alerts,
    summarize,
)
from console.sources.base import SourceError
from console.sources.orchestrator import average_latency_ms, summarize_readiness
from console.sources.prometheus import PromQLError, parse_instant, parse_value

NOON = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:00:00Z", NOON),
        ("2024-05-01T12:00:00.5Z", NOON + 0.5),
        ("2024-05-01T12:00:00.123456789Z", NOON + 0.123456789),  # Go's nanoseconds
        ("2024-05-01T14:00:00.25+02:00", NOON + 0.25),
        ("2024-05-01T07:30:00-04:30", NOON),
        ("2024-05-01t12:00:00z", NOON),
        ("2024-05-01 12:00:00Z", NOON),
    ],
)
def test_rfc3339_times_become_epoch_seconds(text, expected):
    assert parse_rfc3339(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [None, "", "0001-01-01T00:00:00Z", "yesterday", "2024-02-30T00:00:00Z", "2024-05-01T12:00:00"],
)
def test_unset_or_bad_times_are_none(text):
    assert parse_rfc3339(text) is None


def test_times_we_send_read_back_the_same():
    assert format_rfc3339(NOON + 0.25) == "2024-05-01T12:00:00.250Z"
    assert parse_rfc3339(format_rfc3339(NOON + 0.25)) == pytest.approx(NOON + 0.25)


LABELS = {"alertname": "GenesisOrchestratorDown", "severity": "critical", "instance": "a:8000"}


def m(name, value, regex=False, equal=True):
    return {"name": name, "value": value, "isRegex": regex, "isEqual": equal}


@pytest.mark.parametrize(
    ("matchers", "expected"),
    [
        ([m("alertname", "GenesisOrchestratorDown")], True),
        ([m("alertname", "GenesisOrchestrator")], False),
        ([m("alertname", "Genesis.*", regex=True)], True),
        ([m("alertname", "Genesis", regex=True)], False),  # anchored: not a substring search
        ([m("alertname", "Orchestrator", regex=True)], False),
        ([m("severity", "warning|critical", regex=True)], True),
        ([m("severity", "critical", equal=False)], False),
        ([m("severity", "warning", equal=False)], True),
        ([m("severity", "crit.*", regex=True, equal=False)], False),
        ([m("team", "")], True),  # a missing label is the empty string
        ([m("team", ".+", regex=True)], False),
        ([m("team", "ops", equal=False)], True),
        ([m("alertname", "GenesisOrchestratorDown"), m("severity", "warning")], False),
        ([m("alertname", "(", regex=True)], False),  # an invalid regex matches nothing
        ([], False),
        ([("severity", "critical", False, True)], True),  # a Silence's matcher tuple
    ],
)
def test_matchers_match_like_alertmanager(matchers, expected):
    assert matchers_match(matchers, LABELS) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.21", 0.21), ("1e3", 1000.0), ("+Inf", math.inf), ("-Inf", -math.inf), ("NaN", None)],
)
def test_prometheus_sample_values(text, expected):
    assert parse_value(text) == expected


def test_a_vector_gives_its_first_sample_and_an_empty_one_none():
    vector = {
        "resultType": "vector",
        "result": [
            {"metric": {"instance": "a"}, "value": [1714564800.0, "0.5"]},
            {"metric": {"instance": "b"}, "value": [1714564800.0, "9"]},
        ],
    }
    assert parse_instant(vector, "p95") == 0.5
    assert parse_instant({"resultType": "vector", "result": []}, "p95") is None
    assert parse_instant({"resultType": "scalar", "result": [1714564800.0, "7"]}, "x") == 7.0
    assert parse_instant({"resultType": "scalar", "result": [1714564800.0, "NaN"]}, "x") is None


def test_odd_prometheus_replies_are_unknown_sentences():
    with pytest.raises(PromQLError, match="PromQL for p95 gives a matrix, not a single value"):
        parse_instant({"resultType": "matrix", "result": []}, "p95")
    for data in (None, [], {"resultType": "vector", "result": {}}):
        with pytest.raises(SourceError, match="unexpected reply for p95") as error:
            parse_instant(data, "p95")
        assert error.value.status is Status.UNKNOWN
    with pytest.raises(SourceError, match="unexpected sample for p95"):
        parse_instant({"resultType": "vector", "result": [{"value": [1, "fast"]}]}, "p95")


def wire(fingerprint, state="active", silenced=(), **labels):
    return msgspec.convert(
        {
            "fingerprint": fingerprint,
            "labels": {"alertname": "A" + fingerprint, **labels},
            "startsAt": "2024-05-01T12:00:00.000000001Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "status": {"state": state, "silencedBy": list(silenced), "inhibitedBy": []},
        },
        _Alert,
    )


def test_merging_keeps_one_alert_per_fingerprint_with_every_url():
    merged = merge_alerts(
        [
            ("http://am1", [wire("1", severity="critical"), wire("2", severity="warning")]),
            ("http://am2", [wire("1", severity="critical")]),
        ]
    )
    by_fp = {a.fingerprint: a for a in merged}
    assert sorted(by_fp) == ["1", "2"]
    assert by_fp["1"].sources == ("http://am1", "http://am2")
    assert by_fp["2"].sources == ("http://am1",)
    assert by_fp["1"].starts_at == pytest.approx(NOON)
    assert by_fp["1"].ends_at is None


def test_an_alert_still_active_somewhere_counts_as_active():
    merged = merge_alerts(
        [
            ("http://am1", [wire("1", "suppressed", silenced=["s1"])]),
            ("http://am2", [wire("1", "active")]),
        ]
    )
    assert merged[0].display_state == "active" and merged[0].silenced_by == ()
    both = merge_alerts(
        [
            ("http://am1", [wire("1", "suppressed", silenced=["s1"])]),
            ("http://am2", [wire("1", "suppressed", silenced=["s1", "s2"])]),
        ]
    )
    assert both[0].display_state == "silenced" and both[0].silenced_by == ("s1", "s2")


def test_summary_sentence_counts_firing_by_severity_and_silenced():
    alerts = merge_alerts(
        [
            (
                "u",
                [
                    wire("1", severity="critical"),
                    wire("2", severity="warning"),
                    wire("3", severity="warning"),
                    wire("4", "suppressed", silenced=["s"], severity="critical"),
                ],
            )
        ]
    )
    assert summarize(alerts) == "3 firing (1 critical, 2 warning), 1 silenced"
    assert summarize(()) == "nothing firing"


def test_readiness_summary_names_failing_parts():
    body = {"status": "not ready", "checks": {"database": "down", "redis": "ok", "temporal": False}}
    assert (
        summarize_readiness(body)
        == "checks.database: down, checks.temporal: False, status: not ready"
    )
    assert summarize_readiness(None) == ""
    assert average_latency_ms({"orchestrator": {"average_latency_ms": 230.5}}) == 230.5
    assert average_latency_ms({"average_latency_ms": 12}) == 12.0
    assert average_latency_ms({"orchestrator": {"average_latency_ms": "fast"}}) is None
