"""The console's state: the latest result of every source, and what panes derive from it.

The poller writes here; panes read. Each update says which sources changed; each pane
declares the sources it shows (`Pane.SOURCES`), so a pane whose sources did not change is
not redrawn. The model knows nothing of widgets.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from console.alert_history import NOT_READ, AlertHistory, Firings
from console.model import AlertmanagerData, ProbeResult, SlaSnapshot, SlaValue

#: how many recent values each SLA sparkline keeps
HISTORY = 40

SERVICE_NAMES = (
    "orchestrator",
    "prometheus",
    "alertmanager",
    "grafana",
    "mysql",
    "redis",
    "temporal",
)


@dataclass
class State:
    """Latest results by source name, plus derived histories."""

    results: dict[str, ProbeResult] = field(default_factory=dict)
    history: dict[str, deque[float | None]] = field(default_factory=dict)
    last_refresh: float | None = None
    #: when each source's current status began (for "failing since 07:12")
    since: dict[str, float] = field(default_factory=dict)
    #: the recovery-time value of the open (or last) incident, beside the SLA gauges
    recovery: SlaValue | None = None

    def apply(self, result: ProbeResult) -> set[str]:
        """Store a result; return the names of the sources whose content changed."""
        previous = self.results.get(result.name)
        self.results[result.name] = result
        if previous is None or previous.status != result.status:
            self.since[result.name] = result.obtained_at
        self.last_refresh = result.obtained_at
        if result.name == "sla" and isinstance(result.data, SlaSnapshot):
            for value in result.data.values:
                self.history.setdefault(value.key, deque(maxlen=HISTORY)).append(value.value)
            return {"sla"}
        if previous is not None and _same(previous, result):
            return set()
        return {result.name}

    @property
    def alerts(self) -> AlertmanagerData | None:
        result = self.results.get("alertmanager")
        if result is not None and isinstance(result.data, AlertmanagerData):
            return result.data
        return None

    def alert_history(self, labels: Iterable[tuple[str, str]]) -> Firings:
        """What the alert with these labels did in the last day (unknown: says why)."""
        result = self.results.get("alert_history")
        if result is None:
            return NOT_READ
        if isinstance(result.data, AlertHistory):
            return result.data.of(labels)
        return Firings(None, result.detail or "Prometheus did not answer")

    def obtained_at(self, names: list[str]) -> float | None:
        """When the oldest of these results was obtained (None when any is missing)."""
        stamps = [self.results[n].obtained_at for n in names if n in self.results]
        if not stamps or len(stamps) < len(names):
            return min(stamps) if stamps else None
        return min(stamps)


def _same(a: ProbeResult, b: ProbeResult) -> bool:
    """Equal for display purposes: latency jitter below 1 ms does not count."""
    return (
        a.status == b.status
        and a.detail == b.detail
        and a.data == b.data
        and round(a.latency_ms or 0) == round(b.latency_ms or 0)
    )
