"""The SLA straight from the orchestrator, for when Prometheus does not answer.

The runbook's "complete monitoring stack failure: switch to manual monitoring": the
orchestrator's own `/metrics` (Prometheus text) gives the error rate and the p95 latency
over the console's last few minutes of polling (or since the orchestrator started, on the
first look), and `/health/metrics` its average latency. The month's availability, the
error budget and its burn rates need Prometheus's history: they stay unknown.

Everything read here is outside text: numbers are parsed, names are matched, and nothing
from the reply is shown but numbers.
"""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass, field

#: how far back the direct error rate and p95 look (Prometheus's rate() window)
WINDOW_SECONDS = 300.0
#: at most this much of /metrics is read
MAX_METRICS_BYTES = 2_000_000

TOTAL = "genesis_orchestrator_total_runs"
FAILED = "genesis_orchestrator_failed_runs"
BUCKET = "genesis_orchestrator_request_duration_seconds_bucket"

_LINE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)(?:\s+\S+)?$"
)
_LE = re.compile(r'(?:^|,)\s*le\s*=\s*"(?P<le>[^"]*)"')


@dataclass
class Sample:
    """The orchestrator's counters at one moment (summed over any other labels)."""

    at: float  # the console's monotonic clock
    total: float | None = None
    failed: float | None = None
    buckets: dict[float, float] = field(default_factory=dict)  # le → cumulative count


def parse_metrics(text: str, at: float) -> Sample:
    """The counters the SLA needs from Prometheus exposition text; others are ignored.

    `name_total` (OpenMetrics' counter suffix) counts as `name`. Malformed lines are skipped.
    """
    sample = Sample(at)
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            continue
        name = match.group("name").removesuffix("_total")
        try:
            value = float(match.group("value"))
        except ValueError:
            continue
        if not math.isfinite(value) or value < 0:
            continue
        if name == TOTAL:
            sample.total = (sample.total or 0.0) + value
        elif name == FAILED:
            sample.failed = (sample.failed or 0.0) + value
        elif name == BUCKET:
            le = _LE.search(match.group("labels") or "")
            if le is None:
                continue
            try:
                bound = float(le.group("le"))
            except ValueError:
                continue
            sample.buckets[bound] = sample.buckets.get(bound, 0.0) + value
    return sample


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """histogram_quantile over cumulative buckets (le → count), as Prometheus interpolates."""
    if not buckets or math.inf not in buckets:
        return None
    bounds = sorted(buckets)
    total = buckets[math.inf]
    if total <= 0:
        return None
    rank = q * total
    lower, below = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower if len(bounds) > 1 else None  # above the largest finite bucket
            if count == below:
                return bound
            return lower + (bound - lower) * (rank - below) / (count - below)
        lower, below = bound, count
    return None


@dataclass
class Direct:
    """Error rate (percent) and p95 (seconds) from the orchestrator, and over what span."""

    error_rate: float | None
    p95: float | None
    span: str  # "over the last 3m" or "since the orchestrator started"


class DirectHistory:
    """The orchestrator samples of the last WINDOW_SECONDS, to work rates out of."""

    def __init__(self) -> None:
        self.samples: deque[Sample] = deque()

    def clear(self) -> None:
        self.samples.clear()

    def add(self, sample: Sample) -> Direct:
        while self.samples and sample.at - self.samples[0].at > WINDOW_SECONDS:
            self.samples.popleft()
        first = self.samples[0] if self.samples else None
        self.samples.append(sample)
        reset = first is not None and (
            (first.total or 0) > (sample.total or 0) or (first.failed or 0) > (sample.failed or 0)
        )
        if reset:  # the orchestrator restarted: its counters began again
            self.samples.clear()
            self.samples.append(sample)
            first = None
        if first is None or sample.at - first.at < 1:
            return Direct(
                _ratio(sample.failed, sample.total),
                quantile(0.95, sample.buckets),
                "since the orchestrator started",
            )
        buckets = {
            le: count - first.buckets[le]
            for le, count in sample.buckets.items()
            if le in first.buckets
        }
        minutes = (sample.at - first.at) / 60
        span = f"over the last {minutes:.0f}m" if minutes >= 1 else "over the last minute"
        return Direct(
            _ratio(_minus(sample.failed, first.failed), _minus(sample.total, first.total)),
            quantile(0.95, buckets),
            span,
        )


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _ratio(failed: float | None, total: float | None) -> float | None:
    if failed is None or total is None or total <= 0:
        return None
    return 100.0 * failed / total
