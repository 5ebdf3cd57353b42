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


# --- issue 9: silencing is not recovery; a P3 runs no escalation clock ----------------


@pytest.mark.parametrize("state", ["suppressed", "active"])
def test_a_silenced_down_alert_is_still_a_p0(state):
    down = alert("GenesisOrchestratorDown", "critical", NOW - 95, state=state)
    assert classify(state_with(alerts=[down]), NOW) == "P0"


def test_a_silenced_critical_is_still_an_anomaly():
    failing = alert("CriticalFailureRate", "critical", NOW - 60, state="suppressed")
    assert classify(state_with(alerts=[failing]), NOW) == "P3"


def test_silencing_the_critical_does_not_close_the_incident():
    tracker = IncidentTracker()
    assert tracker.update([alert("GenesisOrchestratorDown", "critical", NOW - 7)], NOW)
    silenced = alert("GenesisOrchestratorDown", "critical", NOW - 7, state="suppressed")
    assert not tracker.update([silenced], NOW + 1)
    assert tracker.open_since == NOW - 7
    assert tracker.last_recovery_seconds is None


def test_the_orchestrator_probe_opens_and_holds_the_incident_without_any_alert():
    tracker = IncidentTracker()
    assert tracker.update([], NOW, down_since=NOW - 40)
    assert tracker.open_for(NOW) == 40
    assert not tracker.update([], NOW + 60, down_since=NOW - 40)  # still down
    assert tracker.update([], NOW + 100)  # back: all clear
    assert tracker.last_recovery_seconds == 140


def test_an_alertmanager_that_did_not_answer_never_closes_the_incident():
    tracker = IncidentTracker()
    tracker.update([alert("GenesisOrchestratorDown", "critical", NOW - 10)], NOW)
    assert not tracker.update([], NOW + 5, complete=False)
    assert tracker.open_since == NOW - 10
    assert tracker.update([], NOW + 9)
    assert tracker.last_recovery_seconds == 19


def test_a_p3_runs_no_escalation_clock():
    tracker = ClassTracker()
    tracker.observe("P3", NOW)
    assert not tracker.escalates
    assert tracker.escalating_for(NOW + 3600) is None
    assert tracker.open_for(NOW + 3600) == 3600


def test_the_escalation_clock_starts_when_the_class_escalates():
    tracker = ClassTracker()
    tracker.observe("P3", NOW)
    tracker.observe("P1", NOW + 600)
    assert tracker.escalates
    assert tracker.escalating_for(NOW + 660) == 60  # not the 11 minutes of the P3
    tracker.observe("P3", NOW + 700)
    assert tracker.escalating_for(NOW + 760) is None
    tracker.observe("P2", NOW + 800)
    assert tracker.escalating_for(NOW + 800) == 200  # the same incident: it kept running
    tracker.observe(None, NOW + 900)
    tracker.observe("P0", NOW + 1000, began=NOW + 940)
    assert tracker.escalating_for(NOW + 1000) == 60  # a new incident, from its evidence


@pytest.mark.parametrize("klass", ["P0", "P1", "P2"])
def test_p0_to_p2_escalate(klass):
    tracker = ClassTracker()
    tracker.observe(klass, NOW)
    assert tracker.escalates
    assert tracker.escalating_for(NOW + 5) == 5
