"""Issue 10, attacks 14 and 15, the pure parts: cut alert lists, bad alerts, bad start times."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from console.clock import parse_rfc3339
from console.commands import alert_counts, verdict
from console.incident import IncidentTracker, classify, escalation_level
from console.model import Alert, AlertmanagerData, EndpointStatus, ProbeResult, Status
from console.sources.alertmanager import (
    _Alert,
    complete_prefix,
    decode_each,
    merge_alerts,
)
from console.state import State

NOON = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC).timestamp()


def test_a_5000_digit_fraction_is_read_to_the_nanosecond_at_once():
    started = time.perf_counter()
    value = parse_rfc3339("2024-05-01T12:00:00." + "1" * 5000 + "Z")
    assert value == pytest.approx(NOON + 0.111111111, abs=1e-6)
    assert time.perf_counter() - started < 0.05


def alert_json(name: str, **extra) -> dict:
    return {
        "fingerprint": name.lower(),
        "labels": {"alertname": name, "severity": "critical"},
        "startsAt": "2024-05-01T12:00:00Z",
        "status": {"state": "active"},
        **extra,
    }


def test_one_malformed_alert_is_skipped_and_counted_not_fatal():
    body = json.dumps(
        [alert_json("A"), {"fingerprint": "b", "labels": {"alertname": 5}}, alert_json("C")]
    ).encode()
    items, skipped = decode_each(body, _Alert, "alerts")
    assert [a.labels["alertname"] for a in items] == ["A", "C"] and skipped == 1


ALERTS = [
    alert_json("A", annotations={"summary": 'braces } ] { [ and "quotes" \\ in text'}),
    alert_json("B", annotations={"summary": "ünïcödé ✖ and \\u00e9 escapes"}),
    alert_json("C"),
]


@pytest.mark.parametrize("spaced", [False, True])
def test_a_cut_array_keeps_exactly_its_whole_elements(spaced):
    text = json.dumps(ALERTS, indent=1 if spaced else None, ensure_ascii=False).encode()
    whole, cut = complete_prefix(text)
    assert whole == text and cut is False
    # every cut point: only the alerts that arrived whole come back, and none is corrupt
    ends = []  # where each element ends in `text`
    for index in range(len(ALERTS)):
        piece = json.dumps(ALERTS[: index + 1], indent=1 if spaced else None, ensure_ascii=False)
        ends.append(len(piece.rstrip().rstrip("]").rstrip().encode()))
    for at in range(len(text) - 1):
        _, cut = complete_prefix(text[:at])
        items, skipped = decode_each(text[:at], _Alert, "alerts", cut=True)
        expected = sum(1 for end in ends if end <= at)
        assert cut and skipped == 0, at
        assert [a.labels["alertname"] for a in items] == ["A", "B", "C"][:expected], at


def test_a_cut_inside_an_escape_or_a_multibyte_letter_is_safe():
    text = json.dumps([alert_json("A"), alert_json("B", annotations={"s": 'x\\"é'})]).encode()
    for at in range(len(text) - 1):
        items, skipped = decode_each(text[:at], _Alert, "alerts", cut=True)
        assert skipped == 0 and len(items) <= 1


def raw(name: str, starts: str, severity: str = "critical") -> _Alert:
    return _Alert(
        fingerprint=name,
        labels={"alertname": name, "severity": severity},
        startsAt=starts,
    )


def test_a_missing_or_bad_start_is_unknown_never_1970():
    merged = merge_alerts(
        [("am", [raw("Known", "2024-05-01T12:00:00Z"), raw("Missing", ""), raw("Bad", "soon")])]
    )
    starts = {a.name: a.starts_at for a in merged}
    assert starts == {"Known": NOON, "Missing": None, "Bad": None}
    assert merged[0].name == "Known"  # the known come first, unknown after


def alert(name: str, started: float | None, severity: str = "critical") -> Alert:
    return Alert(
        fingerprint=name,
        labels=(("alertname", name), ("severity", severity)),
        annotations=(),
        starts_at=started,
        ends_at=None,
        state="active",
    )


def test_an_unknown_start_never_opens_the_incident_earlier():
    now = NOON + 3600
    tracker = IncidentTracker()
    tracker.update([alert("A", None), alert("B", now - 600)], now)
    assert tracker.open_since == now - 600
    only_unknown = IncidentTracker()
    only_unknown.update([alert("GenesisOrchestratorDown", None)], now)
    assert only_unknown.open_since == now  # first seen by the console
    assert escalation_level(only_unknown.open_for(now + 60))[0] == 0  # not C-level at once
    only_unknown.update([], now + 120)
    assert only_unknown.last_recovery_seconds == 120


def test_an_orchestrator_down_alert_without_a_start_is_no_evidence_of_a_long_outage():
    now = NOON + 3600
    state = State()
    data = AlertmanagerData(alerts=(alert("GenesisOrchestratorDown", None),))
    state.apply(ProbeResult("alertmanager", Status.OK, "1 firing", obtained_at=now, data=data))
    with_known = State()
    known = AlertmanagerData(alerts=(alert("GenesisOrchestratorDown", now - 20 * 60),))
    with_known.apply(ProbeResult("alertmanager", Status.OK, "1", obtained_at=now, data=known))
    # 20 minutes down is P0; an unknown start is no outage of 1970 length, only an anomaly
    assert classify(with_known, now) == "P0"
    assert classify(state, now) == "P3"


def test_a_cut_list_is_partial_and_never_better_than_what_was_read():
    warnings_only = AlertmanagerData(
        alerts=(alert("Stuck", NOON, "warning"),),
        endpoints=(EndpointStatus("http://am:9093", True, "first 1 alerts", cut="over 64 MiB"),),
    )
    result = ProbeResult("alertmanager", Status.UNKNOWN, "list cut", data=warnings_only)
    counts = alert_counts([result])
    assert counts["partial"] is True and counts["cut"] == ["http://am:9093"]
    assert verdict([result], counts) is Status.UNKNOWN  # a critical may be in the unread part
    with_critical = AlertmanagerData(
        alerts=(alert("GenesisOrchestratorDown", NOON),),
        endpoints=warnings_only.endpoints,
    )
    result = ProbeResult("alertmanager", Status.UNKNOWN, "list cut", data=with_critical)
    assert verdict([result], alert_counts([result])) is Status.CRITICAL
