"""SLA math and the incident classes, at their boundaries."""

from __future__ import annotations

import pytest

from console import sla


def test_the_monthly_budget_of_99_9_is_43_2_minutes():
    assert sla.budget_minutes(99.9) == pytest.approx(43.2)
    assert sla.budget_left_minutes(99.9, 99.9) == pytest.approx(0.0, abs=1e-9)
    assert sla.budget_left_minutes(100.0, 99.9) == pytest.approx(43.2)
    assert sla.budget_left_minutes(99.95, 99.9) == pytest.approx(21.6)


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (100.0, "ok"),
        (99.95, "ok"),
        (99.92, "at_risk"),
        (99.9, "at_risk"),
        (99.89, "breached"),
        (None, "unknown"),
        (float("nan"), "unknown"),
    ],
)
def test_availability_status(value, status):
    assert sla.availability(value, 99.9).status == status


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (0.5, "ok"),
        (1.59, "ok"),
        (1.6, "at_risk"),
        (2.0, "at_risk"),
        (2.01, "breached"),
        (float("inf"), "unknown"),
    ],
)
def test_p95_latency_status(value, status):
    assert sla.upper_bound("p95_latency", value, 2.0).status == status


def test_burn_rate():
    assert sla.burn_rate(2.0, 1.0) == 2.0
    assert sla.burn_rate(None, 1.0) is None


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"down_seconds": 31}, "P0"),
        ({"down_seconds": 30}, None),
        ({"error_rate_percent": 50.1}, "P1"),
        ({"error_rate_percent": 50.0}, None),
        ({"p95_seconds": 10.5}, "P1"),
        ({"p95_seconds": 10.0}, None),
        ({"sla_at_risk": True}, "P2"),
        ({"anomalies": True}, "P3"),
        ({}, None),
        ({"down_seconds": 45, "error_rate_percent": 90, "sla_at_risk": True}, "P0"),
    ],
)
def test_incident_class_boundaries(kwargs, expected):
    base = {
        "down_seconds": 0,
        "error_rate_percent": None,
        "p95_seconds": None,
        "sla_at_risk": False,
        "anomalies": False,
    }
    assert sla.incident_class(**{**base, **kwargs}) == expected
