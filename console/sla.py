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


# --- burn rates (SRE workbook, "Alerting on SLOs": multiwindow, multi-burn-rate) --------

#: (severity, long window, short window, burn rate) of each alert: both windows must burn
#: faster than the rate. Page at 14.4× over 1 h (5 m) or 6× over 6 h (30 m); ticket at 3×
#: over 1 d (2 h) or 1× over 3 d (6 h). monitoring/alert_rules/genesis_slo.yml matches.
BURN_ALERTS = (
    ("page", 3600, 300, 14.4),
    ("page", 6 * 3600, 1800, 6.0),
    ("ticket", 86400, 2 * 3600, 3.0),
    ("ticket", 3 * 86400, 6 * 3600, 1.0),
)
#: every window a burn rate is measured over, shortest first
BURN_WINDOWS = tuple(sorted({w for _, long, short, _ in BURN_ALERTS for w in (long, short)}))
#: a burn rate over a window shorter than this is asked again at every refresh
BURN_EVERY_REFRESH_WINDOW = 300
#: a burn rate is asked again once its answer is older than its window over this share:
#: over 1 h it moves by under 1 % of the window in 30 s (issue 13: seven queries at
#: every 2 s refresh were most of the console's idle HTTP)
BURN_REASK_SHARE = 120
#: ... and at least this often, whatever its window
BURN_REASK_MAX_SECONDS = 300.0
#: the windows the SLA pane shows
SHOWN_BURN_WINDOWS = (3600, 6 * 3600, 3 * 86400)
#: the "current rate" the time left is worked out at
CURRENT_BURN_WINDOW = 3600


def burn_reask_seconds(window: int) -> float:
    """How old a burn rate over `window` seconds may get before it is asked again:
    0 (every refresh) for 5 m, 15 s for 30 m, 30 s for 1 h, 5 min for 1 d and 3 d."""
    if window <= BURN_EVERY_REFRESH_WINDOW:
        return 0.0
    return min(window / BURN_REASK_SHARE, BURN_REASK_MAX_SECONDS)


def burn_from_availability(availability_percent: float | None, target: float) -> float | None:
    """(1 − availability) ÷ (1 − target): 1.0 spends exactly the budget over the SLA window."""
    value = _finite(availability_percent)
    if value is None or target >= 100:
        return None
    return max(0.0, 100.0 - value) / (100.0 - target)


def burn_alert(rates: dict[int, float | None]) -> tuple[str, int, float] | None:
    """The most severe burn-rate alert the rates meet: (severity, long window, rate), or None.

    An alert needs both its windows known and above its rate; an unknown window never
    fires one (the pane shows it as unknown).
    """
    for severity, long, short, rate in BURN_ALERTS:
        a, b = rates.get(long), rates.get(short)
        if a is not None and b is not None and a > rate and b > rate:
            return severity, long, rate
    return None


def window_text(seconds: int) -> str:
    """3600 → "1h", 259200 → "3d", 300 → "5m"."""
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m"


def rate_text(rate: float | None) -> str:
    if rate is None:
        return "unknown"
    if rate >= 100:
        return f"{rate:.0f}×"
    return f"{rate:.1f}×" if rate >= 0.05 or rate == 0 else "<0.1×"


def duration_text(seconds: float) -> str:
    """2h10m, 3d4h, 45m; under a minute "<1m"."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "<1m"
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m"


def budget_gone_text(left_minutes: float | None, rate: float | None, target: float) -> str:
    """When the month's error budget runs out at `rate`: "budget gone in 2h10m"."""
    if left_minutes is None or not math.isfinite(left_minutes):
        return "budget left unknown"
    if left_minutes <= 0:
        return "budget gone"
    if rate is None:
        return "time left unknown"
    if rate <= 0:
        return "budget not burning"
    down_per_minute = rate * (100.0 - target) / 100.0
    return f"budget gone in {duration_text(left_minutes / down_per_minute * 60)}"


def burn_queries(availability: str) -> dict[int, str]:
    """PromQL of the availability over each burn-rate window: the availability query with
    its 30-day range (`[30d]`, or the `30d` of `[30d:1m]`) shortened, so an
    `sla.queries.availability` override is honoured too. Empty when it has no such range."""
    from console.report import with_range

    queries = {w: with_range(availability, w, only="30d") for w in BURN_WINDOWS}
    if any(q == availability for q in queries.values()):
        return {}
    return queries
