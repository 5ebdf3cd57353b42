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
            self.open_since = min(a.starts_at for a in critical)
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
