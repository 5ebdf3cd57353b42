"""When Prometheus does not answer, the SLA comes straight from the orchestrator (the
runbook's manual monitoring), marked as such, instead of only UNKNOWN.

A real Prometheus scrapes the stand-in orchestrator; the test stops it, probes, and
starts it again. The stand-in's counters grow at known rates, so the expected error rate
and p95 are worked out from the stand-in, not from the console.
"""

from __future__ import annotations

import asyncio
import io

import pytest
from rich.console import Console

from console.config import parse_config
from console.model import Status
from console.sources.prometheus import SlaSource
from console.ui.app import GenesisApp
from console.ui.panes.sla import DIRECT, DIRECT_PROBLEM, SlaPane
from tests.integration.fixtures_monitoring import start_prometheus
from tests.procs import free_port
from tests.standin_orchestrator import StandinOrchestrator


class Ticks:
    """An injectable monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def orchestrator():
    server = StandinOrchestrator().start()
    yield server
    server.stop()


def _source(prometheus_url: str, orchestrator_url: str, ticks=None) -> SlaSource:
    config = parse_config(f"prometheus:\n  url: {prometheus_url}\n")
    return SlaSource(
        prometheus_url,
        queries=config.sla_queries(),
        sla=config.sla,
        timeout=5,
        orchestrator=orchestrator_url,
        monotonic=ticks or Ticks(),
    )


async def test_prometheus_stopped_the_sla_comes_from_the_orchestrator(tmp_path, orchestrator):
    prometheus = start_prometheus(tmp_path, f"127.0.0.1:{orchestrator.port}", free_port())
    ticks = Ticks()
    source = _source(prometheus.url, orchestrator.url, ticks)
    try:
        result = await source.probe()
        assert result.data is not None and not result.data.direct  # Prometheus answers

        prometheus.proc.stop()
        result = await source.probe()
        snapshot = result.data
        assert snapshot.direct
        assert result.detail.startswith("direct from the orchestrator, not from Prometheus")
        error_rate = snapshot.get("error_rate")
        p95 = snapshot.get("p95_latency")
        assert error_rate.value == pytest.approx(
            orchestrator.expected_error_rate_percent(), rel=1e-4
        )
        assert error_rate.status == "breached"  # 5 % against the 1 % target
        assert p95.value == pytest.approx(orchestrator.expected_p95_seconds(), rel=1e-3)
        assert p95.detail == "direct, not from Prometheus (since the orchestrator started)"
        # the month's availability needs Prometheus's history: unknown, never OK
        assert snapshot.get("availability").value is None
        assert snapshot.get("availability").status == "unknown"
        assert snapshot.budget_left_minutes is None
        assert all(rate is None for _, rate in snapshot.burn)
        assert result.status == Status.CRITICAL  # the breached error rate

        # a minute later: the rates over the span between the two looks
        await asyncio.sleep(0.3)
        ticks.now += 60
        result = await source.probe()
        error_rate = result.data.get("error_rate")
        assert error_rate.value == pytest.approx(5.0, rel=0.05)
        assert error_rate.detail == "direct, not from Prometheus (over the last 1m)"

        # Prometheus back: its answers again, nothing marked direct
        prometheus.restart()
        result = await source.probe()
        assert not result.data.direct
        assert "direct" not in result.detail
    finally:
        await source.close()
        prometheus.proc.stop()


async def test_nothing_answers_the_sla_stays_unknown(orchestrator):
    refused = f"http://127.0.0.1:{free_port()}"
    source = _source(refused, refused)
    try:
        result = await source.probe()
    finally:
        await source.close()
    assert result.status == Status.UNKNOWN
    assert result.detail.startswith("SLA unknown: connection refused")
    assert "the orchestrator did not answer either" in result.detail


async def test_a_healthy_orchestrator_without_prometheus_is_never_ok(orchestrator):
    orchestrator.failures_per_second = 0.05  # 0.5 %: within the 1 % target
    source = _source(f"http://127.0.0.1:{free_port()}", orchestrator.url)
    try:
        result = await source.probe()
    finally:
        await source.close()
    assert result.data.direct
    assert result.data.get("error_rate").status == "ok"
    assert result.status == Status.WARNING  # availability unknown: not OK


def _shown(static, width: int) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


async def test_the_sla_pane_marks_direct_values_at_80x24(orchestrator):
    refused = f"http://127.0.0.1:{free_port()}"
    config = parse_config(
        f"timeout_seconds: 1\norchestrator: {{url: '{orchestrator.url}'}}\n"
        f"prometheus: {{url: '{refused}'}}\nalertmanager: {{urls: ['{refused}']}}\n"
        f"grafana: {{url: '{refused}'}}\n"
    )

    def factory():
        from console.sources.registry import build_sources

        return [s for s in build_sources(config) if s.name in ("sla", "orchestrator")]

    app = GenesisApp(config, sources_factory=factory, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.poll_once()
        await pilot.pause()
        pane = app.query_one(SlaPane)
        width = pane.query_one("#sla-body").content_size.width
        body = _shown(pane.query_one("#sla-body"), width)
        rows = {line.split()[0]: line for line in body.splitlines() if line.strip()}
        assert "5.00%" in rows["Error"] and DIRECT in rows["Error"]
        assert "BREACHED" in rows["Error"]
        assert DIRECT in rows["P95"]
        assert "—" in rows["Availability"] and "UNKNOWN" in rows["Availability"]
        assert DIRECT not in rows["Availability"]
        assert DIRECT_PROBLEM in _shown(pane.query_one("#sla-problem"), width)
        assert not pane.query_one("#sla-budget").display
        assert not pane.has_class("-failing")
