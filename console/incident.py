"""Tracks incidents from alerts: when the first critical fired, and time to recovery."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.model import Alert

if TYPE_CHECKING:
    from console.state import State


def firing_critical(alerts: Iterable[Alert]) -> list[Alert]:
    """Critical alerts that fire, silenced and inhibited ones included: silencing an
    alert hides it, it does not end what it reports."""
    if isinstance(alerts, tuple):
        return list(_sorted_out(alerts)[2])
    return [a for a in alerts if a.severity == "critical" and a.display_state != "unprocessed"]


#: the last alert list sorted out, and what came out: the header asks every second, and
#: 10,000 alerts that did not change need not be gone through again each time
_Sorted = tuple[list[Alert], list[Alert], list[Alert]]
_last_sorted: tuple[tuple[Alert, ...], _Sorted] | None = None


def _sorted_out(alerts: tuple[Alert, ...]) -> _Sorted:
    """(firing, active, firing critical) of one alert list; the same list is not gone
    through twice in a row."""
    global _last_sorted
    last = _last_sorted
    if last is not None and last[0] is alerts:
        return last[1]
    firing = [a for a in alerts if a.display_state != "unprocessed"]
    active = [a for a in firing if a.display_state == "active"]
    critical = [a for a in firing if a.severity == "critical"]
    _last_sorted = (alerts, (firing, active, critical))
    return _last_sorted[1]


@dataclass
class IncidentTracker:
    """First critical → all clear is one incident; its duration is the recovery time.

    Critical is a critical alert firing (silenced or not) or the orchestrator probe
    failing; all clear is neither, judged on a whole answer from Alertmanager.
    """

    open_since: float | None = None
    last_recovery_seconds: float | None = None
    last_closed_at: float | None = None

    def update(
        self,
        alerts: tuple[Alert, ...] | list[Alert],
        now: float,
        *,
        down_since: float | None = None,
        complete: bool = True,
    ) -> bool:
        """Feed the current alerts and, when the orchestrator probe fails, since when;
        True when an incident opened or closed.

        `complete` False (some Alertmanager did not answer) may open an incident, never
        close one: an alert we cannot see has not stopped firing. An alert without a
        valid start time is no evidence of an earlier start: with none known, the
        incident starts when the console first sees it.
        """
        critical = firing_critical(alerts)
        starts = [a.starts_at for a in critical if a.starts_at is not None]
        if down_since is not None:
            starts.append(down_since)
        if critical and not starts:
            starts.append(now)
        if starts and self.open_since is None:
            self.open_since = min(starts)
            return True
        if starts and self.open_since is not None:
            self.open_since = min([self.open_since, *starts])
            return False
        if not starts and self.open_since is not None and complete:
            self.last_recovery_seconds = max(0.0, now - self.open_since)
            self.last_closed_at = now
            self.open_since = None
            return True
        return False

    def open_for(self, now: float) -> float | None:
        """Seconds the current incident has been open, or None."""
        return None if self.open_since is None else max(0.0, now - self.open_since)


#: the runbook's escalation matrix: who is due once the incident has been open this long
ESCALATION_LEVELS = (
    (0.0, "on-call engineer"),
    (30 * 60.0, "senior engineer"),
    (60 * 60.0, "engineering manager"),
    (120 * 60.0, "C-level"),
)


def escalation_level(open_seconds: float | None) -> tuple[int, str]:
    """The matrix level due for an incident open this long (0 = on-call)."""
    if open_seconds is None:
        return 0, ESCALATION_LEVELS[0][1]
    level = 0
    for index, (after, _) in enumerate(ESCALATION_LEVELS):
        if open_seconds >= after:
            level = index
    return level, ESCALATION_LEVELS[level][1]


def next_escalation(open_seconds: float | None) -> tuple[str, float] | None:
    """The next level and the seconds until it is due, or None at the top."""
    if open_seconds is None:
        return None
    for after, name in ESCALATION_LEVELS:
        if open_seconds < after:
            return name, after - open_seconds
    return None


#: the classes the escalation matrix runs for; P3 (monitoring anomalies) pages nobody
ESCALATING_CLASSES = ("P0", "P1", "P2")


@dataclass
class ClassTracker:
    """The runbook's incident class over time: when the incident began and each change.

    The escalation clock runs only while the class escalates (P0–P2), from when the
    incident first did: a P3 has none, and a P3 that grows into a P1 starts it then (or
    at the oldest firing critical alert, the evidence that it began earlier).
    """

    current: str | None = None
    open_since: float | None = None
    changed_at: float | None = None
    offered_level: int = 0
    escalating_since: float | None = None

    @property
    def escalates(self) -> bool:
        """True when the current class runs the escalation clock (P0, P1, P2)."""
        return self.current in ESCALATING_CLASSES

    def observe(self, klass: str | None, now: float, began: float | None = None) -> bool:
        """Record the class now; True when it changed.

        `began` is evidence that the incident started earlier than we saw it (the oldest
        firing critical alert), so a console opened mid-incident runs the right clock.
        """
        if klass is not None and self.open_since is not None and began is not None:
            self.open_since = min(self.open_since, began)
        if klass in ESCALATING_CLASSES:
            start = now if began is None else min(now, began)
            if self.escalating_since is None or start < self.escalating_since:
                self.escalating_since = start
        if klass == self.current:
            return False
        if klass is not None and self.open_since is None:
            self.open_since = min(now, began) if began is not None else now
        if klass is None:
            self.open_since = None
            self.escalating_since = None
            self.offered_level = 0
        self.current = klass
        self.changed_at = now
        return True

    def open_for(self, now: float) -> float | None:
        """Seconds since the incident began, or None when there is none."""
        return None if self.open_since is None else max(0.0, now - self.open_since)

    def escalating_for(self, now: float) -> float | None:
        """Seconds the escalation clock has run, or None while the class does not escalate."""
        if not self.escalates or self.escalating_since is None:
            return None
        return max(0.0, now - self.escalating_since)


def classify(state: State, now: float) -> str | None:
    """The runbook's class (P0–P3) of what the state shows now, or None when all is well."""
    from console.model import AlertmanagerData, SlaSnapshot, Status

    orchestrator = state.results.get("orchestrator")
    down_seconds = 0.0
    if orchestrator is not None and orchestrator.status is Status.CRITICAL:
        down_seconds = now - state.since.get("orchestrator", now)
    alerts = state.results.get("alertmanager")
    active: list[Alert] = []
    critical: list[Alert] = []
    if alerts is not None and isinstance(alerts.data, AlertmanagerData):
        _, active, critical = _sorted_out(tuple(alerts.data.alerts))
    for alert in critical:
        # the down alert is the evidence of how long it has been down, from before we
        # looked, silenced or not: a silence does not bring the orchestrator back
        if alert.name == "GenesisOrchestratorDown" and alert.starts_at is not None:
            down_seconds = max(down_seconds, now - alert.starts_at)
    sla = state.results.get("sla")
    snapshot = sla.data if sla is not None and isinstance(sla.data, SlaSnapshot) else None
    error_rate = p95 = None
    at_risk = False
    if snapshot is not None:
        error_value = snapshot.get("error_rate")
        p95_value = snapshot.get("p95_latency")
        error_rate = error_value.value if error_value else None
        p95 = p95_value.value if p95_value else None
        at_risk = any(v.status in ("at_risk", "breached") for v in snapshot.values)
    anomalies = any(
        result.status is not Status.OK
        for name, result in state.results.items()
        if name not in ("sla", "host")
    )
    # a silenced warning is a decision to look away; a silenced critical is still one
    anomalies = anomalies or bool(active) or bool(critical)
    from console.sla import incident_class

    return incident_class(
        down_seconds=down_seconds,
        error_rate_percent=error_rate,
        p95_seconds=p95,
        sla_at_risk=at_risk,
        anomalies=anomalies,
    )
