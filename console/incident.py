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
