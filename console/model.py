"""Plain data passed from sources through the poller to the panes.

Nothing here does I/O or imports Textual; every value is immutable so a pane can
compare the last thing it drew with the new one and skip the redraw when equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypedDict

from console.alert_history import AlertHistory


class Status(str, Enum):
    """The health of one check, in monitoring-plugin order of badness."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"

    @property
    def exit_code(self) -> int:
        """The monitoring-plugin exit code for this status."""
        return {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}[self.value]

    @property
    def rank(self) -> int:
        """Worse is larger; UNKNOWN ranks between WARNING and CRITICAL for verdicts."""
        return {"ok": 0, "warning": 1, "unknown": 2, "critical": 3}[self.value]


def worst(statuses: list[Status]) -> Status:
    """The overall status of several checks (CRITICAL beats UNKNOWN beats WARNING)."""
    if not statuses:
        return Status.UNKNOWN
    return max(statuses, key=lambda s: s.rank)


@dataclass(frozen=True)
class ProbeResult:
    """What one source said at one moment: a status, a human sentence and its data."""

    name: str
    status: Status
    detail: str
    latency_ms: float | None = None
    obtained_at: float = 0.0  # wall-clock epoch seconds when the answer arrived
    data: SourceData = None

    def to_json(self) -> dict[str, Any]:
        """The `check --format json` shape of one check."""
        return {
            "name": self.name,
            "status": self.status.value,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
            "detail": self.detail,
        }


#: the usual severities, each one string
_SEVERITIES = {name: name for name in ("critical", "warning", "info", "none", "page", "ticket")}


def _label(labels: tuple[tuple[str, str], ...], name: str, default: str) -> str:
    """The value of one label (the last of its name, as `dict(labels)` has it)."""
    value = default
    for key, label_value in labels:
        if key == name:
            value = label_value
    return value


@dataclass(frozen=True, slots=True)
class Alert:
    """One Alertmanager alert, merged across every Alertmanager that has it.

    Slotted, with its name and severity worked out once when made: a storm holds
    10,000 of these, and an instance dict (grown further by cached properties) cost
    ~900 bytes an alert (issue 13)."""

    fingerprint: str
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]
    starts_at: float | None  # epoch seconds; None when Alertmanager sent no valid time
    ends_at: float | None
    state: str  # active | suppressed | unprocessed
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    generator_url: str = ""
    sources: tuple[str, ...] = ()  # the Alertmanager URLs that returned it
    receivers: tuple[str, ...] = ()  # the receivers Alertmanager routes it to (v2 API)
    #: who acknowledged it (an active `ACK by <who>` silence mutes it); "" when nobody
    acked_by: str = ""
    # read for every alert on every sort, count and incident check of a storm: worked out
    # once per alert (the labels never change), not a dict of its labels each time
    #: the alertname label ("" without one)
    name: str = field(init=False, repr=False, compare=False)
    #: the severity label, lower case ("none" without one)
    severity: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _label(self.labels, "alertname", ""))
        severity = _label(self.labels, "severity", "none")
        # the same string object for every alert of a severity, not one copy each
        object.__setattr__(self, "severity", _SEVERITIES.get(severity) or severity.lower())

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def annotation_map(self) -> dict[str, str]:
        return dict(self.annotations)

    @property
    def summary(self) -> str:
        notes = self.annotation_map
        return notes.get("summary") or notes.get("description") or notes.get("message", "")

    @property
    def display_state(self) -> str:
        """active, acked, silenced or inhibited, as an engineer says it."""
        if self.acked_by:
            return "acked"
        if self.silenced_by:
            return "silenced"
        if self.inhibited_by:
            return "inhibited"
        if self.state == "suppressed":
            return "silenced"
        return self.state or "active"


SEVERITY_ORDER = {"critical": 0, "warning": 1}


def alert_sort_key(alert: Alert) -> tuple[int, int, float, str]:
    """Critical first, then warning, then the rest; newest first within a severity,
    and those whose start time is unknown after those whose time is known."""
    known = alert.starts_at is not None
    return (
        SEVERITY_ORDER.get(alert.severity, 2),
        0 if known else 1,
        -alert.starts_at if alert.starts_at is not None else 0.0,
        alert.fingerprint,
    )


@dataclass(frozen=True, slots=True)
class Silence:
    """One Alertmanager silence."""

    id: str
    matchers: tuple[tuple[str, str, bool, bool], ...]  # name, value, is_regex, is_equal
    created_by: str
    comment: str
    starts_at: float
    ends_at: float
    state: str  # active | pending | expired
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlaValue:
    """One SLA indicator at one moment, compared with its target."""

    key: str  # availability | p95_latency | error_rate | recovery
    value: float | None
    target: float
    status: str  # ok | at_risk | breached | unknown
    detail: str = ""


@dataclass(frozen=True)
class SlaSnapshot:
    """The four SLA indicators plus the error budget left this month."""

    values: tuple[SlaValue, ...]
    budget_left_minutes: float | None = None
    #: (window seconds, burn rate or None for unknown) of the error budget, shortest first;
    #: empty when burn rates were not asked for
    burn: tuple[tuple[int, float | None], ...] = ()
    #: why the burn rates are unknown, when they are
    burn_detail: str = ""
    #: computed by the console from the orchestrator itself because Prometheus did not answer
    direct: bool = False

    def get(self, key: str) -> SlaValue | None:
        for value in self.values:
            if value.key == key:
                return value
        return None


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    pid: int
    name: str
    cpu_percent: float
    memory_percent: float


@dataclass(frozen=True)
class HostSnapshot:
    """Host resources, as psutil sees them."""

    cpu_percent: float
    memory_percent: float
    disk_percent: float
    load: tuple[float, float, float]
    cpu_count: int
    top: tuple[ProcessInfo, ...] = field(default_factory=tuple)
    disk_read_bps: float | None = None
    disk_write_bps: float | None = None


@dataclass(frozen=True, slots=True)
class EndpointStatus:
    """How one of several endpoints (e.g. one Alertmanager URL) answered."""

    url: str
    ok: bool
    detail: str
    cut: str = ""  # why only the beginning of its alert list was read; "" when all was
    unreadable: int = 0  # alerts it sent that could not be read (skipped)


@dataclass(frozen=True, slots=True)
class AlertGroup:
    """One Alertmanager alert group: its group labels, receiver and member alerts."""

    labels: tuple[tuple[str, str], ...]
    receiver: str
    fingerprints: tuple[str, ...]


@dataclass(frozen=True)
class AlertmanagerData:
    """What the alertmanager source returns: merged alerts, silences, and per-URL health."""

    alerts: tuple[Alert, ...] = ()
    silences: tuple[Silence, ...] = ()
    endpoints: tuple[EndpointStatus, ...] = ()

    @property
    def unreachable(self) -> tuple[str, ...]:
        """The Alertmanagers that could not be read this time: their alerts are missing."""
        return tuple(endpoint.url for endpoint in self.endpoints if not endpoint.ok)

    @property
    def cut(self) -> tuple[str, ...]:
        """The Alertmanagers whose alert list was too long to read whole: the rest is unread."""
        return tuple(endpoint.url for endpoint in self.endpoints if endpoint.cut)

    @property
    def cut_reason(self) -> str:
        """Why the list is cut, e.g. "am:9093's reply was over 64 MiB"; "" when it is not."""
        return "; ".join(endpoint.cut for endpoint in self.endpoints if endpoint.cut)

    @property
    def unreadable(self) -> int:
        """How many alerts were skipped because they could not be read."""
        return sum(endpoint.unreadable for endpoint in self.endpoints)

    @property
    def partial(self) -> bool:
        """Whether some alerts are known to be missing from `alerts`."""
        return bool(self.unreachable or self.cut or self.unreadable)


#: a JSON object as decoded from a backend's reply: its values are not checked yet
JsonObject = dict[str, Any]


class RedisData(TypedDict):
    """What the redis source returns besides its sentence."""

    hit_rate: float | None  # percent; None before the first lookup
    used_memory: int  # bytes
    clients: int


class MysqlData(TypedDict):
    """What the mysql source returns besides its sentence."""

    threads_connected: int
    slow_queries: int
    deadlock_at: str | None  # the server's local time of the latest deadlock, as it printed it


class PortData(TypedDict):
    """What a port source returns; None where the local listener scan could not tell."""

    listening: bool | None
    accepts: bool
    pid: int | None
    process: str | None


class OrchestratorData(TypedDict):
    """Readiness and the /health/metrics object (None when that could not be read)."""

    ready: bool
    ready_detail: JsonObject | None
    metrics: JsonObject | None


class GrafanaData(TypedDict):
    """Grafana's /api/health: its database state and version, as it sent them."""

    database: str | None
    version: str | None


class TemporalData(TypedDict):
    """The gRPC health status name, e.g. "SERVING"."""

    serving: str


#: the data of a ProbeResult, by source: Alertmanager's alerts, the SLA snapshot (prometheus
#: and its direct fallback), host resources, the datastores', orchestrator's, Grafana's and
#: Temporal's facts, the alerts' last day from Prometheus; None when the source has nothing beyond its sentence (e.g. it failed)
SourceData = (
    AlertmanagerData
    | SlaSnapshot
    | HostSnapshot
    | RedisData
    | MysqlData
    | PortData
    | OrchestratorData
    | GrafanaData
    | TemporalData
    | AlertHistory
    | None
)
