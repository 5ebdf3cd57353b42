"""Pure SLA math: status of each indicator, error budget, burn rate, incident class."""

from __future__ import annotations

import math

from console.model import SlaValue

#: a value is "at risk" once it has used this share of its allowance
AT_RISK_SHARE = 0.8
#: the SLA window: a 30-day month, so 99.9 % allows 43.2 minutes of downtime
MONTH_MINUTES = 30 * 24 * 60


def budget_minutes(target_percent: float) -> float:
    """Downtime a month the availability target allows (99.9 % → 43.2 min)."""
    return (100.0 - target_percent) / 100.0 * MONTH_MINUTES


def budget_left_minutes(availability_percent: float | None, target_percent: float) -> float | None:
    """Error budget left this month, given the month's availability so far."""
    if availability_percent is None or not math.isfinite(availability_percent):
        return None
    downtime = (100.0 - availability_percent) / 100.0 * MONTH_MINUTES
    return budget_minutes(target_percent) - downtime


def availability_text(value: float, target: float) -> str:
    """A percentage with enough digits that it never reads on the wrong side of its
    target: 99.8996 against 99.9 is "99.8996%", not "99.900%" beside BREACHED."""
    text = f"{value:.3f}"
    for digits in range(3, 11):
        text = f"{value:.{digits}f}"
        if (float(text) >= target) == (value >= target):
            break
    return text + "%"


def _minutes_text(minutes: float) -> str:
    """1.5 min, or seconds under a minute (so a small overspend never reads as 0.0)."""
    if minutes >= 1:
        return f"{minutes:.1f} min"
    seconds = minutes * 60
    return f"{seconds:.0f} s" if seconds >= 0.5 else "<1 s"


def budget_text(left: float | None, total: float) -> str:
    """The error budget as a sentence: what is left, or how far over it the month is."""
    if left is None:
        return "error budget unknown"
    if left < 0:
        return f"over budget by {_minutes_text(-left)} (of {total:.1f} min)"
    if left < 1:
        return f"{_minutes_text(left)} of {total:.1f} min left"
    return f"{left:.1f} of {total:.1f} min left"


def burn_rate(error_rate_percent: float | None, target_error_percent: float) -> float | None:
    """How fast the error budget burns: 1.0 spends exactly the budget in the window."""
    if error_rate_percent is None or target_error_percent <= 0:
        return None
    return error_rate_percent / target_error_percent


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value


def availability(value: float | None, target: float) -> SlaValue:
    """Availability (percent, higher is better) against its target."""
    value = _finite(value)
    if value is None:
        return SlaValue("availability", None, target, "unknown", "no data")
    left = budget_left_minutes(value, target)
    total = budget_minutes(target)
    if value < target:
        status = "breached"
    elif left is not None and total > 0 and (total - left) / total >= AT_RISK_SHARE:
        status = "at_risk"
    else:
        status = "ok"
    return SlaValue("availability", value, target, status, budget_text(left, total))


def upper_bound(key: str, value: float | None, limit: float) -> SlaValue:
    """An indicator that must stay at or below `limit` (latency, error rate, recovery)."""
    value = _finite(value)
    if value is None:
        return SlaValue(key, None, limit, "unknown", "no data")
    if value > limit:
        status = "breached"
    elif value >= limit * AT_RISK_SHARE:
        status = "at_risk"
    else:
        status = "ok"
    return SlaValue(key, value, limit, status)


def open_recovery(seconds: float, limit: float) -> SlaValue:
    """An incident still open: how long it has run against the recovery target.

    Never "ok": it has not recovered. "open" within the target, "overdue" past it.
    """
    status = "overdue" if seconds > limit else "open"
    return SlaValue("recovery", seconds, limit, status, "incident open")


def incident_class(
    *,
    down_seconds: float,
    error_rate_percent: float | None,
    p95_seconds: float | None,
    sla_at_risk: bool,
    anomalies: bool,
) -> str | None:
    """The runbook's P0–P3 class of the current state, or None when all is well.

    P0: complete outage for more than 30 s. P1: more than 50 % errors or more than
    10 s latency. P2: SLA at risk but not breached. P3: monitoring anomalies.
    """
    if down_seconds > 30:
        return "P0"
    if (error_rate_percent or 0) > 50 or (p95_seconds or 0) > 10:
        return "P1"
    if sla_at_risk:
        return "P2"
    if anomalies:
        return "P3"
    return None
