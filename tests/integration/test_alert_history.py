"""Each alert's firing history, counted from a real Prometheus's ALERTS series.

A real Prometheus is given a known day of ALERTS (OpenMetrics backfilled with promtool):
the console must count exactly the firings put there, match an Alertmanager alert to
its series by labels, and say "unknown" (never 0) when it cannot know. The shipped
rules (monitoring/) fire in a real Prometheus and are counted the same way.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.alert_history import SPARK_CELLS
from console.model import Status
from console.sources.alert_history import AlertHistorySource
from console.sources.alertmanager import AlertmanagerSource
from console.state import State
from tests.integration.fixtures_monitoring import Server, _ready, start_alertmanager
from tests.integration.sla_history import start_prometheus_with_openmetrics
from tests.procs import Proc, free_port, need

ROOT = Path(__file__).resolve().parents[2]
HOUR = 3600
MINUTE = 60

#: the disk alert of db1: (start, length) in minutes before "now"; six begin in the last
#: 24 h, one was already firing when the window began, one ended a day and more ago
DB1_EPISODES = [
    (30 * 60, 20),  # 30 h ago: before the window, not counted
    (24 * 60 + 30, 60),  # began 24.5 h ago, still firing at the window's start: not counted
    (22 * 60, 10),
    (18 * 60, 45),
    (12 * 60, 5),
    (6 * 60, 30),
    (2 * 60, 15),
    (40, 20),  # ended 20 minutes ago
]
DB1_FIRINGS = 6
#: the same alert name on another instance: two firings, one still going on
DB2_EPISODES = [(10 * 60, 30), (30, 31)]
DB2_FIRINGS = 2

DB1 = {"alertname": "DiskFillingUp", "instance": "db1", "job": "node", "severity": "warning"}
DB2 = {**DB1, "instance": "db2"}
#: pending and never firing: it has no firing series
PENDING = {"alertname": "OnlyPending", "instance": "db1", "job": "node", "severity": "warning"}


@dataclass
class Backfilled:
    server: Server
    now: float  # the moment the episodes are measured from

    def source(self, **options) -> AlertHistorySource:
        return AlertHistorySource(self.server.url, timeout=10, clock=lambda: self.now, **options)


def _series(labels: dict[str, str], state: str, episodes, now: float) -> list[str]:
    text = ",".join(f'{k}="{v}"' for k, v in sorted({**labels, "alertstate": state}.items()))
    lines = []
    for start, length in episodes:
        first = now - start * MINUTE
        # one sample every 15 s while it fires, as a rule evaluated every 15 s writes them
        for k in range(length * 4):
            lines.append(f"ALERTS{{{text}}} 1 {first + k * 15:.0f}")
    return lines


def _openmetrics(now: float) -> str:
    lines = ["# TYPE ALERTS gauge"]
    lines += _series(DB1, "firing", DB1_EPISODES, now)
    lines += _series(DB2, "firing", DB2_EPISODES, now)
    lines += _series(PENDING, "pending", [(3 * 60, 10)], now)
    # a sample for every series must come in time order per series: OpenMetrics wants
    # a metric family's samples grouped, which they are
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory) -> Backfilled:
    """A real Prometheus whose TSDB holds the episodes above, ending a minute ago."""
    folder = tmp_path_factory.mktemp("alert-history")
    now = float(int(time.time()) - 60)
    server = start_prometheus_with_openmetrics(folder, _openmetrics(now))
    yield Backfilled(server, now)
    server.proc.stop()


async def _read(source: AlertHistorySource) -> State:
    try:
        result = await source.probe()
    finally:
        await source.close()
    state = State()
    state.apply(result)
    return state


def _alert_labels(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    # Alertmanager's copy carries Prometheus's external labels too
    return tuple(sorted({**labels, "cluster": "eu-1"}.items()))


async def test_counts_exactly_the_firings_of_the_last_day(backfilled):
    state = await _read(backfilled.source())
    db1 = state.alert_history(_alert_labels(DB1))
    assert db1.count == DB1_FIRINGS, db1
    assert db1.already  # the firing that began before the window is not one of them
    assert db1.sentence().startswith(f"fired {DB1_FIRINGS}× in 24 h")
    assert db1.cell() == f"{DB1_FIRINGS}×"
    db2 = state.alert_history(_alert_labels(DB2))
    assert (db2.count, db2.already) == (DB2_FIRINGS, False)
    # 45 + 10 + 5 + 30 + 15 + 20 minutes, and the 30 of the one begun before the window
    # (to a minute a firing: one sample a minute says "fired at some moment of it")
    assert 0 <= db1.firing_seconds() - (125 + 30) * MINUTE <= len(db1.spans) * MINUTE


async def test_the_sparkline_shows_when_it_fired(backfilled):
    state = await _read(backfilled.source())
    db1 = state.alert_history(_alert_labels(DB1))
    line = db1.sparkline()
    assert len(line) == SPARK_CELLS
    slice_minutes = 24 * 60 / SPARK_CELLS
    busy = set()
    for start, length in DB1_EPISODES:
        for minute in range(start - length + 1, start + 1):  # minutes before now it fired
            if minute < 24 * 60:
                busy.add(SPARK_CELLS - 1 - int(minute // slice_minutes))
    for cell, char in enumerate(line):
        # a slice at an episode's edge may show it or not by a minute; elsewhere exact
        if cell in busy:
            assert char != "·", (cell, line)
    quiet = [c for c in range(SPARK_CELLS) if all(abs(c - b) > 1 for b in busy)]
    assert quiet and all(line[c] == "·" for c in quiet), line
    # the 45-minute firing 18 h ago fills a whole 30-minute slice
    assert "█" in line


async def test_an_alert_with_no_series_is_unknown_never_zero(backfilled):
    state = await _read(backfilled.source())
    for labels in (
        {"alertname": "RaisedByAnotherPrometheus", "severity": "critical"},
        PENDING,  # pending is not firing
        {**DB1, "instance": "db3"},  # the name has series, this alert has none
    ):
        firings = state.alert_history(_alert_labels(labels))
        assert firings.count is None
        assert firings.cell() == "?"
        assert "no ALERTS series" in firings.sentence(), firings.sentence()


async def test_a_reply_over_the_cap_is_cut_and_says_so(backfilled):
    source = backfilled.source(max_bytes=1500)
    result = await source.probe()
    await source.close()
    assert result.status is Status.WARNING
    assert "cut" in result.detail and "unknown" in result.detail
    state = State()
    state.apply(result)
    unknown = [
        f for f in (state.alert_history(_alert_labels(x)) for x in (DB1, DB2)) if f.count is None
    ]
    assert unknown  # at least the series past the cut
    assert all("cut" in f.sentence() for f in unknown)


@pytest.mark.parametrize("where", ["refused", "not prometheus"])
async def test_prometheus_that_cannot_answer_leaves_the_history_unknown(tmp_path, where):
    if where == "refused":
        url, stop = f"http://127.0.0.1:{free_port()}", None
        expected = "refused"
    else:
        alertmanager = start_alertmanager(tmp_path / "am")  # a real server, not Prometheus
        url, stop = alertmanager.url, alertmanager.proc.stop
        expected = "HTTP 404"
    try:
        source = AlertHistorySource(url, timeout=3, clock=time.time)
        state = await _read(source)
    finally:
        if stop:
            stop()
    result = state.results["alert_history"]
    assert result.status in (Status.CRITICAL, Status.UNKNOWN)
    firings = state.alert_history(_alert_labels(DB1))
    assert firings.count is None and firings.cell() == "?"
    assert expected in firings.sentence(), firings.sentence()


async def test_a_black_holed_prometheus_is_unknown_within_the_timeout():
    import socket

    with socket.socket() as listener:  # accepts, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        started = time.monotonic()
        state = await _read(AlertHistorySource(url, timeout=1, clock=time.time))
        assert time.monotonic() - started < 3
    firings = state.alert_history(_alert_labels(DB1))
    assert firings.count is None and "no answer" in firings.sentence(), firings.sentence()


# --- the shipped rules, evaluated by a real Prometheus -----------------------------


def _prometheus_with_shipped_rules(folder: Path, alertmanager_port: int) -> Server:
    binary = need("prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    rules = ROOT / "monitoring" / "alert_rules" / "genesis.yml"
    dead = free_port()  # the orchestrator's port, with nothing listening: up == 0
    (folder / "prometheus.yml").write_text(
        f"""\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
  external_labels: {{cluster: eu-1}}
rule_files:
  - {rules}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:{alertmanager_port}"]
scrape_configs:
  - job_name: genesis-orchestrator
    static_configs:
      - targets: ["127.0.0.1:{dead}"]
"""
    )
    port = free_port()
    proc = Proc(
        [
            binary,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--rules.alert.resend-delay=1s",
            "--log.level=warn",
        ],
        folder / "prometheus.log",
    )
    return _ready(Server("prometheus", port, proc))


async def test_the_shipped_rules_firing_are_counted_for_alertmanagers_alert(tmp_path):
    """GenesisOrchestratorDown (for: 30s) fires once when the orchestrator cannot be
    scraped; the alert Alertmanager holds (with the external label) has fired 1×."""
    alertmanager = start_alertmanager(tmp_path / "am")
    prometheus = _prometheus_with_shipped_rules(tmp_path / "prom", alertmanager.port)
    try:
        am = AlertmanagerSource([alertmanager.url], timeout=3)

        async def down_alert():
            result = await am.probe()
            alerts = result.data.alerts if result.data is not None else ()
            return next((a for a in alerts if a.name == "GenesisOrchestratorDown"), None)

        deadline = time.monotonic() + 60
        alert = None
        while alert is None and time.monotonic() < deadline:
            alert = await down_alert()
            if alert is None:
                await asyncio.sleep(1)
        await am.close()
        assert alert is not None, "GenesisOrchestratorDown never reached Alertmanager"
        assert dict(alert.labels)["cluster"] == "eu-1"  # Alertmanager's copy has more labels

        state = await _read(AlertHistorySource(prometheus.url, timeout=10, clock=time.time))
        firings = state.alert_history(alert.labels)
        assert firings.count == 1, firings
        assert not firings.already
        assert firings.sparkline()[-1] != "·"  # it is firing now, in the last slice
        assert firings.sparkline()[:-1] == "·" * (SPARK_CELLS - 1)
    finally:
        prometheus.proc.stop()
        alertmanager.proc.stop()
