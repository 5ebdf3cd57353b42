"""30 days of made-up orchestrator history in a real Prometheus (OpenMetrics + promtool backfill).

The scenario's outages are known, so the tests compute the expected availability and
error budget from the scenario itself, not from Prometheus.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integration.fixtures_monitoring import Server, _ready
from tests.procs import Proc, free_port, need

JOB = "genesis-orchestrator"
DAY = 86400
MINUTES = 30 * 24 * 60
BUCKETS = (0.5, 1.0, 2.0, 5.0)


@dataclass
class Scenario:
    """Minute slots (0 = the first minute of the 30 days) and what happened in them."""

    end: int  # epoch, a UTC midnight: the report's "now"
    down: set[int] = field(default_factory=set)  # scraped, up == 0
    vanished: set[int] = field(default_factory=set)  # no scrape of the orchestrator at all
    prometheus_down: set[int] = field(default_factory=set)  # no scrape of anything
    error_burst: set[int] = field(default_factory=set)  # 30 % of runs fail

    @property
    def start(self) -> int:
        return self.end - 30 * DAY

    def slot_time(self, i: int) -> int:
        return self.start + i * 60 + 30  # the middle of slot i

    def expected(self, first: int, last: int) -> tuple[int, int]:
        """(monitored minutes, down minutes) over slots first..last-1."""
        monitored = [i for i in range(first, last) if i not in self.prometheus_down]
        down = [i for i in monitored if i in self.down or i in self.vanished]
        return len(monitored), len(down)


def standard_scenario(end: int) -> Scenario:
    def minutes(day: int, minute: int, length: int) -> set[int]:
        first = day * 1440 + minute
        return set(range(first, first + length))

    return Scenario(
        end=end,
        # 20 min on day 3, 4 on days 26 and 27, 2 on the last day
        down=minutes(2, 600, 20) | minutes(25, 200, 4) | minutes(26, 900, 4) | minutes(29, 720, 2),
        vanished=minutes(9, 300, 12),  # the target left service discovery for 12 min
        prometheus_down=minutes(14, 60, 90),  # Prometheus itself was down for 90 min
        error_burst=minutes(19, 480, 60),
    )


def _runs(s: Scenario, i: int) -> tuple[int, int]:
    return 100, (30 if i in s.error_burst else 0)


def openmetrics(s: Scenario) -> str:
    """The scenario as OpenMetrics text: `up` each minute, counters every 5 minutes."""
    lines: list[str] = []
    inst = 'instance="orch:8000"'
    lines.append("# TYPE up gauge")
    for i in range(MINUTES):
        if i in s.prometheus_down:
            continue
        t = s.slot_time(i)
        lines.append(f'up{{job="prometheus",instance="localhost:9090"}} 1 {t}')
    for i in range(MINUTES):
        if i in s.prometheus_down or i in s.vanished:
            continue
        value = 0 if i in s.down else 1
        lines.append(f'up{{job="{JOB}",{inst}}} {value} {s.slot_time(i)}')
    # cumulative counters, sampled every 5 minutes when the orchestrator was scraped
    total = failed = 0
    counts = [0] * (len(BUCKETS) + 1)
    samples: list[tuple[int, int, int, list[int]]] = []
    for i in range(MINUTES):
        n, bad = _runs(s, i)
        total += n
        failed += bad
        # 90 requests ≤ 0.5 s, 9 ≤ 1 s, 1 ≤ 2 s (cumulative buckets)
        for k, add in enumerate((90, 99, 100, 100, 100)):
            counts[k] += add
        scraped = i not in s.prometheus_down and i not in s.vanished and i not in s.down
        if i % 5 == 4 and scraped:
            samples.append((s.slot_time(i), total, failed, list(counts)))
    lines.append("# TYPE genesis_orchestrator_total_runs gauge")
    lines += [
        f'genesis_orchestrator_total_runs{{job="{JOB}",{inst}}} {v} {t}' for t, v, _, _ in samples
    ]
    lines.append("# TYPE genesis_orchestrator_failed_runs gauge")
    lines += [
        f'genesis_orchestrator_failed_runs{{job="{JOB}",{inst}}} {v} {t}' for t, _, v, _ in samples
    ]
    lines.append("# TYPE genesis_orchestrator_request_duration_seconds_bucket gauge")
    for k, le in enumerate([*(str(b) for b in BUCKETS), "+Inf"]):
        lines += [
            f'genesis_orchestrator_request_duration_seconds_bucket{{job="{JOB}",{inst},le="{le}"}} {c[k]} {t}'
            for t, _, _, c in samples
        ]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def counter_samples(s: Scenario) -> list[tuple[int, int, int]]:
    """(time, total, failed) of every counter sample the history holds."""
    out = []
    total = failed = 0
    for i in range(MINUTES):
        n, bad = _runs(s, i)
        total += n
        failed += bad
        scraped = i not in s.prometheus_down and i not in s.vanished and i not in s.down
        if i % 5 == 4 and scraped:
            out.append((s.slot_time(i), total, failed))
    return out


def expected_error_rate(s: Scenario, start: float, end: float) -> float:
    """failed / total runs between the first and last samples inside (start, end]."""
    inside = [x for x in counter_samples(s) if start < x[0] <= end]
    first, last = inside[0], inside[-1]
    return 100.0 * (last[2] - first[2]) / (last[1] - first[1])


def start_prometheus_with_history(folder: Path, s: Scenario) -> Server:
    """A real Prometheus whose TSDB holds the scenario (retention 90 d, no scrapes of its own)."""
    return start_prometheus_with_openmetrics(folder, openmetrics(s))


def start_prometheus_with_openmetrics(folder: Path, text: str) -> Server:
    """A real Prometheus whose TSDB holds these OpenMetrics samples, backfilled with
    promtool (retention 90 d, no scrapes of its own)."""
    binary = need("prometheus")
    promtool = need("promtool")
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    source = folder / "history.om"
    source.write_text(text, encoding="utf-8")
    subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=24h",
            str(source),
            str(data),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (folder / "prometheus.yml").write_text("global:\n  scrape_interval: 1m\n")
    port = free_port()
    proc = Proc(
        [
            binary,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=90d",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        folder / "prometheus.log",
    )
    return _ready(Server("prometheus", port, proc))


@pytest.fixture(scope="session")
def history(tmp_path_factory):
    """(scenario, server): a real Prometheus holding the standard scenario, shared by every
    test module; the history ends at the last UTC midnight."""
    end = (int(time.time()) // DAY) * DAY
    scenario = standard_scenario(end)
    server = start_prometheus_with_history(tmp_path_factory.mktemp("history"), scenario)
    yield scenario, server
    server.proc.stop()
