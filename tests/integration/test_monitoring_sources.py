"""The HTTP sources against real Prometheus 2.42 and Alertmanager 0.25 and the stand-in orchestrator."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

import pytest

from console.config import Config, SlaConfig
from console.model import Alert, ProbeResult, Status
from console.sources.alertmanager import (
    AlertmanagerSource,
    create_silence,
    expire_silence,
    list_alert_groups,
    list_silences,
    matchers_match,
)
from console.sources.base import SourceError
from console.sources.http import make_client
from console.sources.orchestrator import OrchestratorSource, clear_cache
from console.sources.prometheus import (
    PrometheusSource,
    PromQLError,
    SlaSource,
    instant_query,
    range_query,
)
from tests.integration.fixtures_monitoring import start_alertmanager
from tests.procs import free_port

pytestmark = pytest.mark.stack

DOWN = "GenesisOrchestratorDown"


async def until(
    probe: Callable[[], Awaitable[ProbeResult]],
    done: Callable[[ProbeResult], bool],
    timeout: float,
    what: str,
) -> ProbeResult:
    """Probe until `done(result)`, at most `timeout` seconds; fail with the last result."""
    deadline = time.monotonic() + timeout
    result = await probe()
    while not done(result):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout}s; last: {result.status} {result.detail!r}")
        await asyncio.sleep(0.2)
        result = await probe()
    return result


def find(result: ProbeResult, name: str) -> Alert | None:
    return next((a for a in result.data.alerts if a.name == name), None) if result.data else None


@pytest.fixture(scope="module")
def down_since(monitoring) -> float:
    """The stand-in reports itself down from here on, so GenesisOrchestratorDown fires."""
    monitoring.standin.up = False
    return time.time()


@pytest.fixture
async def alertmanager_source(monitoring):
    source = AlertmanagerSource([monitoring.alertmanager.url], timeout=2.0)
    yield source
    await source.close()


async def firing(source: AlertmanagerSource) -> ProbeResult:
    return await until(
        source.probe,
        lambda r: (a := find(r, DOWN)) is not None and a.display_state == "active",
        25,
        f"{DOWN} active in Alertmanager",
    )


async def test_an_alert_prometheus_fires_appears_with_severity_state_and_age(
    monitoring, down_since, alertmanager_source
):
    result = await firing(alertmanager_source)
    alert = find(result, DOWN)
    assert result.status is Status.OK
    assert alert.severity == "critical"
    assert alert.state == "active" and alert.display_state == "active"
    assert "is down on 127.0.0.1:" in alert.summary
    age = time.time() - alert.starts_at
    # it cannot have started before the stand-in went down (one scrape of slack)
    assert 0 <= age <= time.time() - down_since + 2
    assert alert.sources == (monitoring.alertmanager.url,)
    assert "critical" in result.detail and "firing" in result.detail


async def test_alert_groups_follow_the_route(monitoring, down_since, alertmanager_source):
    alert = find(await firing(alertmanager_source), DOWN)
    groups = await list_alert_groups(monitoring.alertmanager.url, timeout=2.0)
    group = next(g for g in groups if alert.fingerprint in g.fingerprints)
    # the test route groups by alertname into the "null" receiver
    assert group.labels == (("alertname", DOWN),)
    assert group.receiver == "null"


async def test_a_silence_silences_the_alert_and_expiring_it_makes_it_active_again(
    monitoring, down_since, alertmanager_source
):
    url = monitoring.alertmanager.url
    result = await firing(alertmanager_source)
    matchers = [{"name": "alertname", "value": "Genesis.*Down", "isRegex": True, "isEqual": True}]
    caught = [a for a in result.data.alerts if matchers_match(matchers, a.label_map)]
    assert [a.name for a in caught] == [DOWN]

    now = time.time()
    silence_id = await create_silence(
        url, matchers, now, now + 600, "pytest", "testing the console", timeout=2
    )
    try:
        result = await until(
            alertmanager_source.probe,
            lambda r: find(r, DOWN).display_state == "silenced",
            5,
            "alert silenced",
        )
        assert silence_id in find(result, DOWN).silenced_by
        assert "1 silenced" in result.detail
        assert any(s.id == silence_id and s.state == "active" for s in result.data.silences)
        listed = await list_silences(url, timeout=2)
        mine = next(s for s in listed if s.id == silence_id)
        assert mine.created_by == "pytest" and mine.comment == "testing the console"
        assert mine.matchers == (("alertname", "Genesis.*Down", True, True),)
        assert abs(mine.ends_at - (now + 600)) < 1
    finally:
        await expire_silence(url, silence_id, timeout=2)
    result = await until(
        alertmanager_source.probe,
        lambda r: find(r, DOWN).display_state == "active",
        5,
        "alert active again after expiring its silence",
    )
    assert find(result, DOWN).silenced_by == ()


async def test_silence_errors_are_sentences(monitoring):
    url = monitoring.alertmanager.url
    with pytest.raises(SourceError, match="no such silence"):
        await expire_silence(url, "00000000-0000-0000-0000-000000000000", timeout=2)
    now = time.time()
    with pytest.raises(SourceError, match="refused the silence: matchers .* at least 1"):
        await create_silence(url, [], now, now + 60, "pytest", "no matchers", timeout=2)
    matchers = [{"name": "alertname", "value": DOWN, "isRegex": False, "isEqual": True}]
    with pytest.raises(
        SourceError, match="refused the silence: .*start time must be before end time"
    ):
        await create_silence(url, matchers, now, now - 60, "pytest", "ends first", timeout=2)
    with pytest.raises(SourceError, match="needs its author"):
        await create_silence(url, matchers, now, now + 60, " ", "nobody", timeout=2)


async def test_two_urls_for_one_alertmanager_give_each_alert_once(monitoring, down_since):
    port = monitoring.alertmanager.port
    urls = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    source = AlertmanagerSource(urls, timeout=2)
    try:
        result = await firing(source)
    finally:
        await source.close()
    fingerprints = [a.fingerprint for a in result.data.alerts]
    assert len(fingerprints) == len(set(fingerprints))
    assert find(result, DOWN).sources == tuple(urls)
    assert [e.ok for e in result.data.endpoints] == [True, True]


async def test_one_alertmanager_of_two_failing_is_a_warning_naming_it(monitoring, down_since):
    dead = f"http://127.0.0.1:{free_port()}"
    source = AlertmanagerSource([monitoring.alertmanager.url, dead], timeout=2)
    try:
        result = await firing(source)
    finally:
        await source.close()
    assert result.status is Status.WARNING
    assert "1 of 2 Alertmanagers failed" in result.detail and "refused" in result.detail
    assert [e.ok for e in result.data.endpoints] == [True, False]


async def test_sla_values_match_the_known_traffic(monitoring):
    standin = monitoring.standin
    sla = SlaConfig()
    source = SlaSource(
        monitoring.prometheus.url, queries=Config().sla_queries(), sla=sla, timeout=2
    )
    try:
        result = await until(
            source.probe,
            lambda r: all(v.value is not None for v in r.data.values),
            20,
            "every SLA value known",
        )
    finally:
        await source.close()
    snapshot = result.data
    availability = snapshot.get("availability")
    p95 = snapshot.get("p95_latency")
    errors = snapshot.get("error_rate")
    assert availability.value == pytest.approx(100.0)
    assert p95.value == pytest.approx(standin.expected_p95_seconds(), abs=0.01)  # 0.75 s
    assert errors.value == pytest.approx(standin.expected_error_rate_percent(), abs=0.05)  # 5 %
    assert (availability.status, p95.status, errors.status) == ("ok", "ok", "breached")
    assert snapshot.budget_left_minutes == pytest.approx(43.2, abs=0.01)
    assert snapshot.get("recovery") is None
    assert result.status is Status.CRITICAL
    assert "errors 5.00% (breached)" in result.detail


async def test_a_bad_query_makes_only_its_value_unknown(monitoring):
    queries = Config().sla_queries() | {"error_rate": "sum(rate(genesis_orchestrator_failed_runs"}
    source = SlaSource(monitoring.prometheus.url, queries=queries, sla=SlaConfig(), timeout=2)
    try:
        result = await until(
            source.probe,
            lambda r: r.data.get("p95_latency").value is not None,
            20,
            "p95 known",
        )
    finally:
        await source.close()
    errors = result.data.get("error_rate")
    assert errors.value is None and errors.status == "unknown"
    assert errors.detail.startswith("bad PromQL for error_rate: ")
    assert result.data.get("availability").status == "ok"
    assert result.status is Status.OK
    assert "bad PromQL for error_rate" in result.detail


async def test_instant_and_range_values_from_real_prometheus(monitoring):
    url = monitoring.prometheus.url
    async with make_client() as client:
        assert await instant_query(client, url, "scalar(vector(0.25))", 2) == 0.25
        assert await instant_query(client, url, "vector(3)", 2) == 3.0
        assert await instant_query(client, url, "vector(0) / 0", 2) is None  # NaN
        assert await instant_query(client, url, "vector(1) / 0", 2) == math.inf
        assert await instant_query(client, url, "vector(-1) / 0", 2) == -math.inf
        assert await instant_query(client, url, 'up{job="no-such-job"}', 2) is None
        with pytest.raises(PromQLError, match="bad PromQL for latency: "):
            await instant_query(client, url, "rate(up[", 2, label="latency")
        now = time.time()
        points = await range_query(client, url, "vector(2)", now - 10, now, 1, 2)
        assert len(points) == 11 and {v for _, v in points} == {2.0}
        assert points[-1][0] == pytest.approx(now, abs=0.01)


async def test_prometheus_source_says_ready(monitoring):
    source = PrometheusSource(monitoring.prometheus.url, timeout=2)
    try:
        result = await source.probe()
    finally:
        await source.close()
    assert (result.status, result.detail) == (Status.OK, "ready")


async def test_orchestrator_ready_then_not_ready_then_cache_clear(standin):
    source = OrchestratorSource(standin.url, timeout=2)
    try:
        result = await source.probe()
        assert result.status is Status.OK
        assert result.detail == "ready · avg latency 230 ms"
        assert result.data["ready"] is True
        assert result.data["metrics"]["orchestrator"]["average_latency_ms"] == 230.5
        standin.ready = False
        result = await source.probe()
        assert result.status is Status.CRITICAL
        assert result.detail.startswith("not ready (checks.database: down")
        assert result.data["ready"] is False
        assert result.data["ready_detail"]["checks"]["database"] == "down"
    finally:
        standin.ready = True
        await source.close()
    before = standin.cache_clears
    reply = await clear_cache(standin.url, timeout=2)
    assert reply.status == 200
    assert standin.cache_clears == before + 1


async def test_a_killed_alertmanager_goes_critical_then_ok_again_by_itself(tmp_path):
    server = start_alertmanager(tmp_path / "am")
    source = AlertmanagerSource([server.url], timeout=1)
    try:
        assert (await source.probe()).status is Status.OK
        server.proc.kill()
        result = await source.probe()
        assert result.status is Status.CRITICAL
        assert result.detail == f"connection refused by 127.0.0.1:{server.port}"
        server.proc.start()
        result = await until(source.probe, lambda r: r.status is Status.OK, 15, "ok again")
        assert result.detail == "nothing firing"
    finally:
        await source.close()
        server.proc.stop()
