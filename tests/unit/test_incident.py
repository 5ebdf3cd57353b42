"""Incident classes from live state, the escalation clock, and time to recovery."""

from __future__ import annotations

import pytest

from console.incident import (
    ClassTracker,
    IncidentTracker,
    classify,
    escalation_level,
    next_escalation,
)
from console.model import Alert, AlertmanagerData, ProbeResult, SlaSnapshot, Status
from console.sla import availability, upper_bound
from console.state import State

NOW = 10_000.0


def alert(name: str, severity: str, started: float, state: str = "active") -> Alert:
    return Alert(
        fingerprint=name,
        labels=(("alertname", name), ("severity", severity)),
        annotations=(),
        starts_at=started,
        ends_at=None,
        state=state,
    )


def state_with(
    *,
    orchestrator=Status.OK,
    down_since=NOW,
    alerts=(),
    avail=99.99,
    p95=0.5,
    errors=0.1,
    others=Status.OK,
):
    state = State()
    state.apply(ProbeResult("orchestrator", orchestrator, "", obtained_at=down_since))
    state.apply(ProbeResult("redis", others, "", obtained_at=NOW))
    state.apply(
        ProbeResult(
            "alertmanager",
            Status.OK,
            "",
            data=AlertmanagerData(alerts=tuple(alerts)),
            obtained_at=NOW,
        )
    )
    snapshot = SlaSnapshot(
        (
            availability(avail, 99.9),
            upper_bound("p95_latency", p95, 2.0),
            upper_bound("error_rate", errors, 1.0),
        )
    )
    state.apply(ProbeResult("sla", Status.OK, "", data=snapshot, obtained_at=NOW))
    return state


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, None),
        ({"orchestrator": Status.CRITICAL, "down_since": NOW - 31}, "P0"),
        ({"orchestrator": Status.CRITICAL, "down_since": NOW - 30}, "P3"),  # down, not yet 30 s
        (
            {
                "orchestrator": Status.CRITICAL,
                "down_since": NOW,
                "alerts": [alert("GenesisOrchestratorDown", "critical", NOW - 95)],
            },
            "P0",
        ),
        ({"errors": 51.0}, "P1"),
        ({"errors": 50.0}, "P2"),  # breached the 1 % SLA, not past the P1 line
        ({"p95": 10.5}, "P1"),
        ({"p95": 1.7}, "P2"),  # at risk
        ({"avail": 99.91}, "P2"),  # budget nearly spent
        ({"others": Status.WARNING}, "P3"),
        ({"alerts": [alert("RouterEfficiencyLow", "warning", NOW - 60)]}, "P3"),
        ({"alerts": [alert("RouterEfficiencyLow", "warning", NOW - 60, state="suppressed")]}, None),
    ],
)
def test_classify_live_state(kwargs, expected):
    assert classify(state_with(**kwargs), NOW) == expected


@pytest.mark.parametrize(
    ("minutes", "level", "due"),
    [
        (0, "on-call engineer", ("senior engineer", 30)),
        (29.9, "on-call engineer", ("senior engineer", 0.1)),
        (30, "senior engineer", ("engineering manager", 30)),
        (60, "engineering manager", ("C-level", 60)),
        (119, "engineering manager", ("C-level", 1)),
        (120, "C-level", None),
        (600, "C-level", None),
    ],
)
def test_escalation_matrix_due_times(minutes, level, due):
    assert escalation_level(minutes * 60)[1] == level
    following = next_escalation(minutes * 60)
    if due is None:
        assert following is None
    else:
        assert following[0] == due[0]
        assert following[1] == pytest.approx(due[1] * 60)


def test_class_tracker_takes_the_evidence_of_an_earlier_start():
    tracker = ClassTracker()
    assert tracker.observe("P0", NOW, began=NOW - 600)
    assert tracker.open_for(NOW) == 600
    assert not tracker.observe("P0", NOW + 5)
    assert tracker.observe("P2", NOW + 10)
    assert tracker.open_for(NOW + 10) == 610  # still the same incident
    assert tracker.observe(None, NOW + 20)
    assert tracker.open_for(NOW + 20) is None


def test_time_to_recovery_is_first_critical_to_all_clear():
    tracker = IncidentTracker()
    down = alert("GenesisOrchestratorDown", "critical", NOW - 100)
    assert tracker.update([down, alert("HighFailureRate", "warning", NOW - 200)], NOW)
    assert tracker.open_for(NOW) == 100
    assert not tracker.update([down], NOW + 50)
    assert tracker.update([alert("HighFailureRate", "warning", NOW - 200)], NOW + 140)
    assert tracker.last_recovery_seconds == 240
