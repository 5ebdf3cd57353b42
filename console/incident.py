"""Tracks incidents from alerts: when the first critical fired, and time to recovery."""

from __future__ import annotations

from dataclasses import dataclass

from console.model import Alert


@dataclass
class IncidentTracker:
    """First critical → all clear is one incident; its duration is the recovery time."""

    open_since: float | None = None
    last_recovery_seconds: float | None = None
    last_closed_at: float | None = None

    def update(self, alerts: tuple[Alert, ...] | list[Alert], now: float) -> bool:
        """Feed the current alerts; True when an incident opened or closed."""
        critical = [a for a in alerts if a.severity == "critical" and a.display_state == "active"]
        if critical and self.open_since is None:
            # an alert without a valid start time is no evidence of an earlier start:
            # with none known, the incident starts when the console first sees it
            known = [a.starts_at for a in critical if a.starts_at is not None]
            self.open_since = min(known) if known else now
            return True
        if not critical and self.open_since is not None:
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


@dataclass
class ClassTracker:
    """The runbook's incident class over time: when the incident began and each change."""

    current: str | None = None
    open_since: float | None = None
    changed_at: float | None = None
    offered_level: int = 0

    def observe(self, klass: str | None, now: float, began: float | None = None) -> bool:
        """Record the class now; True when it changed.

        `began` is evidence that the incident started earlier than we saw it (the oldest
        firing critical alert), so a console opened mid-incident runs the right clock.
        """
        if klass is not None and self.open_since is not None and began is not None:
            self.open_since = min(self.open_since, began)
        if klass == self.current:
            return False
        if klass is not None and self.open_since is None:
            self.open_since = min(now, began) if began is not None else now
        if klass is None:
            self.open_since = None
            self.offered_level = 0
        self.current = klass
        self.changed_at = now
        return True

    def open_for(self, now: float) -> float | None:
        """Seconds since the incident began, or None when there is none."""
        return None if self.open_since is None else max(0.0, now - self.open_since)


def classify(state, now: float) -> str | None:
    """The runbook's class (P0–P3) of what the state shows now, or None when all is well."""
    from console.model import AlertmanagerData, SlaSnapshot, Status

    orchestrator = state.results.get("orchestrator")
    down_seconds = 0.0
    if orchestrator is not None and orchestrator.status is Status.CRITICAL:
        down_seconds = now - state.since.get("orchestrator", now)
    alerts = state.results.get("alertmanager")
    active = []
    if alerts is not None and isinstance(alerts.data, AlertmanagerData):
        active = [a for a in alerts.data.alerts if a.display_state == "active"]
    for alert in active:
        # the down alert is the evidence of how long it has been down, from before we looked
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
    anomalies = anomalies or bool(active)
    from console.sla import incident_class

    return incident_class(
        down_seconds=down_seconds,
        error_rate_percent=error_rate,
        p95_seconds=p95,
        sla_at_risk=at_risk,
        anomalies=anomalies,
    )
