"""The demo world: scenarios that evolve, servers that speak the real formats, clean stops."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from console.clock import FrozenClock
from console.config import Config
from console.demo import SCENARIOS, DemoStack, start_demo
from console.demo.rules import RULES
from console.demo.world import World, fingerprint
from console.model import Status

EPOCH = 1_700_000_000.0


def firing(world: World, t: float) -> set[str]:
    return set(world.firing(t))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(EPOCH)


@pytest.fixture
def open_demo(clock) -> Iterator[Callable[..., DemoStack]]:
    """Start demo stacks on the frozen clock; every one is stopped after the test."""
    started: list[DemoStack] = []

    def start(scenario: str = "healthy", offset: float = 0.0) -> DemoStack:
        started.append(start_demo(scenario, clock=clock, offset=offset, seed=7))
        return started[-1]

    yield start
    for demo in started:
        demo.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=5) as client:
        yield client


# ----- the world on its own: scenarios evolve at fixed offsets


def test_healthy_has_an_occasional_warning_and_never_a_critical():
    world = World("healthy", clock=FrozenClock(EPOCH))
    assert firing(world, 60) == set()
    assert firing(world, 240) == {"RouterEfficiencyLow"}
    assert firing(world, 380) == set()
    assert firing(world, 480) == {"StabilityScoreDropped"}
    for t in range(0, 600, 5):
        assert all(a.severity == "warning" for a in world.at(t).alerts)
        assert world.at(t).orchestrator == "ready"


def test_orchestrator_down_goes_not_ready_then_down_then_back():
    world = World("orchestrator-down", clock=FrozenClock(EPOCH))
    assert world.at(30).orchestrator == "ready"
    assert world.at(70).orchestrator == "not_ready"
    assert "connection pool" in (world.at(70).reason or "")
    assert world.at(100).orchestrator == "down"
    assert not world.at(100).port_open(8000)
    assert "GenesisOrchestratorDown" in firing(world, 150)
    assert "SLAAvailabilityBreach" not in firing(world, 150)
    # the month's availability crosses 99.9 % after about 3.5 minutes of outage
    assert world.at(150).availability_percent > 99.9 > world.at(400).availability_percent
    assert "SLAAvailabilityBreach" in firing(world, 400)
    assert world.at(430).orchestrator == "ready"
    assert "GenesisOrchestratorDown" not in firing(world, 430)
    # the loop starts over: all clear at the top of the next cycle
    assert firing(world, 610) == set()


def test_latency_spike_fires_and_resolves_latency_alerts():
    world = World("latency-spike", clock=FrozenClock(EPOCH))
    assert firing(world, 50) == set()
    assert firing(world, 140) == {"HighOrchestrationLatency"}
    assert firing(world, 180) == {"HighOrchestrationLatency", "HighFailureRate"}
    assert {"CriticalOrchestrationLatency", "HighFailureRate"} <= firing(world, 200)
    # past the 5 s critical line, short of the console's 10 s P1 line
    assert 6 < (world.at(240).p95_seconds or 0) < 7
    assert (world.at(200).cache_hit_rate or 1) < 0.5
    assert "CriticalOrchestrationLatency" not in firing(world, 365)
    assert firing(world, 420) == set()


def test_dependency_outage_degrades_mysql_redis_temporal():
    world = World("dependency-outage", clock=FrozenClock(EPOCH))
    calm = world.at(30)
    assert calm.redis_up and calm.temporal == "SERVING" and not calm.mysql_refusing
    worst = world.at(250)
    assert worst.mysql_refusing
    assert not worst.redis_up and not worst.port_open(6379)
    assert worst.temporal == "NOT_SERVING"
    assert worst.orchestrator == "not_ready"
    assert "mysql" in worst.reason and "redis" in worst.reason
    assert {
        "CriticalFailureRate",
        "HighFailureRate",
        "CriticalOrchestrationLatency",
        "HighOrchestrationLatency",
        "StabilityScoreDropped",
    } == firing(world, 250)
    assert 5 < (worst.p95_seconds or 0) < 10
    recovered = world.at(420)
    assert recovered.orchestrator == "ready" and recovered.redis_up
    assert firing(world, 420) == set()
    assert recovered.mysql_deadlock_at == world.wall(95)


def test_cache_clear_cuts_the_latency_spike_short(clock):
    world = World("latency-spike", clock=clock, offset=200)
    assert "CriticalOrchestrationLatency" in world.firing(200)
    removed = world.clear_cache()
    assert removed > 40_000
    clock.advance(90)
    after = world.snapshot()
    assert after.cache_hit_rate is not None and after.cache_hit_rate > 0.9
    assert (after.p95_seconds or 9) < 1.5
    assert world.firing(after.time) == []


def _as_python_format(template: str) -> str:
    """The shipped rules' Go annotation templates, as the demo's str.format templates."""
    text = " ".join(template.split())
    text = text.replace("{{ with $labels.instance }}{{ . }} {{ end }}", "{instance} ")
    text = text.replace("{{ with $labels.instance }} on {{ . }}{{ end }}", " on {instance}")
    text = text.replace("{{ $labels.instance }}", "{instance}")
    text = re.sub(r'\{\{ \$value \| printf "%\.(\d)f" \}\}', r"{value:.\1f}", text)
    return text.replace("{{ $value }}", "{value:g}")


def test_demo_rules_are_the_shipped_rules():
    """One coherent rule set: the demo shows users the rules Prometheus really runs."""
    shipped_file = Path(__file__).resolve().parents[2] / "monitoring/alert_rules/genesis.yml"
    data = yaml.safe_load(shipped_file.read_text(encoding="utf-8"))
    shipped = {r["alert"]: r for g in data["groups"] for r in g["rules"] if "alert" in r}
    assert [r.name for r in RULES] == list(shipped)
    for rule in RULES:
        real = shipped[rule.name]
        expr = " ".join(real["expr"].split())
        assert rule.expr == expr, rule.name
        assert rule.severity == real["labels"]["severity"], rule.name
        op, number = expr.split()[-2:]
        if rule.name != "GenesisOrchestratorDown":  # an `or` of conditions, not one threshold
            assert (op, float(number)) == ("<" if rule.below else ">", rule.threshold), rule.name
        assert rule.summary == _as_python_format(real["annotations"]["summary"]), rule.name
        assert rule.description == _as_python_format(real["annotations"]["description"])
    alert = World("orchestrator-down", clock=FrozenClock(EPOCH)).at(150).alerts[0]
    assert dict(alert.annotations) == {
        "summary": "GENESIS orchestrator localhost:8000 is down",
        "description": "The orchestrator on localhost:8000 has been down for more than 30 "
        "seconds: it reports itself down, cannot be scraped, or has no scrape target left "
        "(value 0).",
        "runbook_url": "https://runbooks.genesis.internal/alerts/GenesisOrchestratorDown",
    }


def test_unknown_scenario_names_the_valid_ones():
    with pytest.raises(ValueError) as caught:
        start_demo("meltdown")
    for name in SCENARIOS:
        assert name in str(caught.value)


def test_fingerprint_is_alertmanagers():
    # the value Alertmanager shows for {alertname="Test"}
    assert fingerprint({}) == "cbf29ce484222325"
    assert fingerprint({"b": "2", "a": "1"}) == fingerprint({"a": "1", "b": "2"})
    assert fingerprint({"a": "1"}) != fingerprint({"a": "2"})


# ----- the servers speak the real formats


def test_alertmanager_alerts_have_the_v2_shape(open_demo, http):
    stack = open_demo("orchestrator-down", 200.0)
    alerts = http.get(stack.config.alertmanager.urls[0] + "/api/v2/alerts").json()
    names = {a["labels"]["alertname"] for a in alerts}
    assert "GenesisOrchestratorDown" in names
    alert = next(a for a in alerts if a["labels"]["alertname"] == "GenesisOrchestratorDown")
    assert set(alert) == {
        "annotations", "endsAt", "fingerprint", "receivers", "startsAt", "status",
        "updatedAt", "generatorURL", "labels",
    }  # fmt: skip
    assert alert["labels"] == {
        "alertname": "GenesisOrchestratorDown",
        "instance": "localhost:8000",
        "job": "genesis-orchestrator",
        "severity": "critical",
    }
    assert {"summary", "description", "runbook_url"} <= set(alert["annotations"])
    assert alert["status"] == {"inhibitedBy": [], "silencedBy": [], "state": "active"}
    assert alert["startsAt"].endswith("Z") and alert["startsAt"] < alert["endsAt"]
    assert alert["fingerprint"] == fingerprint(alert["labels"])
    assert alert["generatorURL"].startswith(stack.config.prometheus.url + "/graph?g0.expr=")
    groups = http.get(stack.config.alertmanager.urls[0] + "/api/v2/alerts/groups").json()
    assert sum(len(g["alerts"]) for g in groups) == len(alerts)
    assert http.get(stack.config.alertmanager.urls[0] + "/-/ready").status_code == 200


def test_silence_round_trip_suppresses_then_releases_the_alert(open_demo, http, clock):
    stack = open_demo("latency-spike", 200.0)
    base = stack.config.alertmanager.urls[0]
    body = {
        "matchers": [
            {"name": "alertname", "value": "CriticalOrchestrationLatency", "isRegex": False}
        ],
        "createdBy": "alice",
        "comment": "investigating the cache",
        "startsAt": "2023-11-14T22:00:00Z",
        "endsAt": "2023-11-15T00:00:00Z",
    }
    created = http.post(base + "/api/v2/silences", json=body)
    assert created.status_code == 200
    silence_id = created.json()["silenceID"]

    alerts = {a["labels"]["alertname"]: a for a in http.get(base + "/api/v2/alerts").json()}
    silenced = alerts["CriticalOrchestrationLatency"]["status"]
    assert silenced == {"inhibitedBy": [], "silencedBy": [silence_id], "state": "suppressed"}
    assert alerts["HighOrchestrationLatency"]["status"]["state"] == "active"
    unsilenced = http.get(base + "/api/v2/alerts", params={"silenced": "false"}).json()
    assert "CriticalOrchestrationLatency" not in {a["labels"]["alertname"] for a in unsilenced}

    listed = http.get(base + "/api/v2/silences").json()
    assert [(s["id"], s["status"]["state"], s["createdBy"]) for s in listed] == [
        (silence_id, "active", "alice")
    ]
    assert listed[0]["matchers"][0]["isEqual"] is True

    expired = http.delete(f"{base}/api/v2/silence/{silence_id}")
    assert (expired.status_code, expired.content) == (200, b"")
    assert http.get(base + "/api/v2/silences").json()[0]["status"]["state"] == "expired"
    alerts = {a["labels"]["alertname"]: a for a in http.get(base + "/api/v2/alerts").json()}
    assert alerts["CriticalOrchestrationLatency"]["status"]["state"] == "active"


SILENCE = {
    "matchers": [{"name": "job", "value": "genesis-orchestrator", "isRegex": False}],
    "createdBy": "alice",
    "comment": "trying the demo",
    "startsAt": "2023-11-14T22:00:00Z",
    "endsAt": "2023-11-15T00:00:00Z",
}


def first_silence_id(http: httpx.Client, seed: int | None) -> tuple[int, str]:
    """A fresh demo's seed and the id of the first silence made in it."""
    with start_demo("healthy", clock=FrozenClock(EPOCH), offset=0, seed=seed) as demo:
        reply = http.post(demo.config.alertmanager.urls[0] + "/api/v2/silences", json=SILENCE)
        return demo.seed, reply.json()["silenceID"]


def test_silence_ids_are_the_same_for_a_seed_and_differ_between_seeds(http):
    assert first_silence_id(http, 1) == first_silence_id(http, 1)
    assert first_silence_id(http, 1)[1] != first_silence_id(http, 2)[1]


def test_each_demo_run_takes_a_fresh_seed_so_silence_ids_never_repeat(http):
    runs = [first_silence_id(http, None) for _ in range(3)]
    assert len({seed for seed, _ in runs}) == 3
    assert len({silence_id for _, silence_id in runs}) == 3


def test_demo_seed_option_pins_the_world():
    from console.cli import build_command_parser

    assert build_command_parser("demo").parse_args(["--seed", "42"]).seed == 42
    assert build_command_parser("demo").parse_args([]).seed is None


def test_a_scenario_starts_a_few_seconds_before_its_trouble(clock):
    for scenario in SCENARIOS:
        with start_demo(scenario, clock=clock, seed=7) as demo:
            start = demo.world.now()
            calm = demo.world.at(start)
            assert calm.orchestrator == "ready" and not calm.alerts, scenario
            assert calm.mysql_slow_queries == 0, scenario
            if scenario == "healthy":
                assert start == 0
                continue
            assert start > 0, scenario
            # the console shows it within seconds: a dying orchestrator or a slow database
            troubled = demo.world.at(start + 12)
            assert troubled.orchestrator != "ready" or troubled.mysql_slow_queries > 0, scenario
    with start_demo("orchestrator-down", clock=clock, offset=0, seed=7) as demo:
        assert demo.world.now() == 0  # --at 0: the whole story


def test_the_demo_receiver_records_what_would_have_been_sent(open_demo, http):
    stack = open_demo("orchestrator-down", 150.0)
    pagerduty = stack.config.escalation.pagerduty
    key = stack.escalation_stand_in.secrets[pagerduty.routing_key_env]
    webhook = stack.escalation_stand_in.secrets[stack.config.escalation.slack.webhook_url_env]
    assert pagerduty.url.startswith("http://127.0.0.1:") and webhook.startswith("http://127.0.0.1:")
    event = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": "d1",
        "payload": {"summary": "GENESIS P0 (demo): down", "severity": "critical", "source": "h"},
    }
    reply = http.post(pagerduty.url, json=event)
    assert reply.status_code == 202 and reply.json()["status"] == "success"
    assert http.post(webhook, json={"text": "hello"}).text == "ok"
    assert http.post(pagerduty.url, json={**event, "routing_key": "wrong"}).status_code == 400
    assert http.post(webhook, json={"no": "text"}).status_code == 400
    assert [(e.channel, e.summary) for e in stack.world.escalations] == [
        ("PagerDuty", "GENESIS P0 (demo): down"),
        ("Slack", "hello"),
    ]


def test_silence_errors_match_alertmanager(open_demo, http):
    stack = open_demo()
    base = stack.config.alertmanager.urls[0]
    assert http.delete(base + "/api/v2/silence/no-such-id").status_code == 500
    good = {
        "matchers": [{"name": "job", "value": "genesis-orchestrator", "isRegex": False}],
        "createdBy": "maintenance",
        "comment": "window",
        "startsAt": "2023-11-14T22:00:00Z",
        "endsAt": "2023-11-15T00:00:00Z",
    }
    no_author = {k: v for k, v in good.items() if k != "createdBy"}
    reply = http.post(base + "/api/v2/silences", json=no_author)
    assert reply.status_code == 422 and "createdBy" in reply.json()["message"]
    reply = http.post(base + "/api/v2/silences", json={**good, "matchers": []})
    assert reply.status_code == 422 and "matchers" in reply.json()["message"]
    assert http.get(base + "/api/v2/silences").json() == []


def test_sla_queries_get_values_and_others_get_bad_data(open_demo, http):
    stack = open_demo()
    url = stack.config.prometheus.url + "/api/v1/query"
    expected = {"availability": (99.9, 100.0), "p95_latency": (0.3, 2.0), "error_rate": (0.0, 1.0)}
    for key, query in Config().sla_queries().items():
        reply = http.get(url, params={"query": query})
        assert reply.status_code == 200
        data = reply.json()
        assert data["status"] == "success" and data["data"]["resultType"] == "vector"
        (sample,) = data["data"]["result"]
        stamp, value = sample["value"]
        assert stamp == EPOCH and isinstance(value, str)
        low, high = expected[key]
        assert low <= float(value) <= high, key
    reply = http.get(url, params={"query": "sum(rate(http_requests_total[5m]))"})
    assert reply.status_code == 400
    assert reply.json() == {
        "status": "error",
        "errorType": "bad_data",
        "error": "the demo world does not evaluate this query",
    }


def test_query_range_returns_the_worlds_history(open_demo, http):
    stack = open_demo("orchestrator-down", 0.0)
    query = Config().sla_queries()["availability"]
    reply = http.get(
        stack.config.prometheus.url + "/api/v1/query_range",
        params={"query": query, "start": EPOCH, "end": EPOCH + 500, "step": "50s"},
    ).json()
    assert reply["data"]["resultType"] == "matrix"
    values = [float(v) for _, v in reply["data"]["result"][0]["values"]]
    assert len(values) == 11
    assert values[0] > 99.9 > values[-1]  # the outage burnt through the budget


def test_orchestrator_down_refuses_and_restart_brings_it_back(open_demo, http, clock):
    stack = open_demo("orchestrator-down", 100.0)
    url = stack.config.orchestrator.url
    with pytest.raises(httpx.ConnectError):
        http.get(url + "/health/ready")
    done = subprocess.run(
        stack.config.orchestrator.restart_command, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    with pytest.raises(httpx.ConnectError):
        http.get(url + "/health/ready")  # still starting
    clock.advance(10)
    stack.settle()
    reply = http.get(url + "/health/ready")
    assert reply.status_code == 200 and reply.json()["status"] == "ready"
    metrics = http.get(url + "/health/metrics").json()
    assert metrics["orchestrator"]["average_latency_ms"] > 0
    assert 0 < metrics["router"]["efficiency"] < 1 and 0 < metrics["stability"]["score"] <= 1


def test_not_ready_orchestrator_answers_503_with_a_reason(open_demo, http):
    stack = open_demo("orchestrator-down", 70.0)
    reply = http.get(stack.config.orchestrator.url + "/health/ready")
    assert reply.status_code == 503
    assert reply.json()["status"] == "not_ready" and "pool" in reply.json()["reason"]


def test_cache_clear_endpoint(open_demo, http, clock):
    stack = open_demo("latency-spike", 200.0)
    reply = http.post(stack.config.orchestrator.url + "/api/cache/clear")
    assert reply.status_code == 200
    assert reply.json()["status"] == "cleared" and reply.json()["entries_removed"] > 0
    clock.advance(60)
    metrics = http.get(stack.config.orchestrator.url + "/health/metrics").json()
    assert metrics["cache"]["hit_rate"] > 0.9


def test_frozen_clock_gives_byte_identical_replies(clock):
    paths = {
        "alertmanager": ["/api/v2/alerts", "/api/v2/alerts/groups", "/api/v2/silences"],
        "orchestrator": ["/health/ready", "/health/metrics"],
        "grafana": ["/api/health"],
    }

    def replies() -> list[bytes]:
        out = []
        with (
            start_demo("dependency-outage", clock=FrozenClock(EPOCH), offset=250, seed=7) as demo,
            httpx.Client(trust_env=False) as http,
        ):
            urls = {
                "alertmanager": demo.config.alertmanager.urls[0],
                "orchestrator": demo.config.orchestrator.url,
                "grafana": demo.config.grafana.url,
            }
            for component, items in paths.items():
                for path in items:
                    reply = http.get(urls[component] + path)
                    head = f"{reply.status_code} {reply.headers['date']}\n".encode()
                    out.append(
                        head + reply.content.replace(demo.config.prometheus.url.encode(), b"P")
                    )
            for query in Config().sla_queries().values():
                reply = http.get(
                    demo.config.prometheus.url + "/api/v1/query", params={"query": query}
                )
                out.append(reply.content)
        return out

    first, second = replies(), replies()
    assert first == second
    assert any(b"CriticalFailureRate" in body for body in first)


def test_stop_closes_every_port(clock):
    demo = start_demo("healthy", clock=clock)
    ports = [component.port for component in demo.servers.components]
    for port in ports:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
    demo.stop()
    demo.stop()  # twice is harmless
    for port in ports:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()


# ----- simulated sources


async def test_simulated_sources_reflect_the_outage(open_demo):
    stack = open_demo("dependency-outage", 250.0)
    results = {s.name: await s.probe() for s in stack.simulated_sources()}
    assert set(results) == {
        "mysql", "redis", "temporal", "host", "alert_history",
        *(f"port:{p}" for p in stack.config.ports),
    }  # fmt: skip
    assert results["mysql"].status == Status.CRITICAL
    assert "too many connections" in results["mysql"].detail
    assert results["redis"].status == Status.CRITICAL
    assert "refused" in results["redis"].detail
    assert results["temporal"].status == Status.CRITICAL
    assert results["port:6379"].status == Status.CRITICAL
    assert results["port:8000"].status == Status.OK
    assert results["host"].data.cpu_percent > 0


async def test_simulated_sources_when_healthy(open_demo):
    stack = open_demo()
    results = {s.name: await s.probe() for s in stack.simulated_sources()}
    redis = results["redis"]
    assert redis.status == Status.OK and redis.detail.startswith("PONG · hit rate 9")
    assert set(redis.data) == {"hit_rate", "used_memory", "clients"}
    assert results["mysql"].data == {
        "threads_connected": results["mysql"].data["threads_connected"],
        "slow_queries": 0,
        "deadlock_at": None,
    }
    assert all(r.status == Status.OK for r in results.values())


def test_importing_the_demo_stays_cheap():
    code = (
        "import sys, console.demo; "
        "bad = [m for m in ('httpx', 'redis', 'pymysql', 'grpc', 'textual') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


async def test_production_sources_run_against_the_demo(open_demo):
    from console.poller import Poller
    from console.sources.registry import build_sources

    stack = open_demo("orchestrator-down", 200.0)
    sources = build_sources(stack.config, replace=stack.simulated_sources())
    poller = Poller(sources, interval=2, timeout=3)
    try:
        results = {r.name: r for r in await poller.run_once()}
    finally:
        await poller.stop()
    assert results["orchestrator"].status == Status.CRITICAL
    assert "refused" in results["orchestrator"].detail
    assert results["port:8000"].status == Status.CRITICAL
    for name in ("prometheus", "alertmanager", "grafana", "mysql", "redis", "temporal"):
        assert results[name].status == Status.OK, results[name]
    assert "2 critical" in results["alertmanager"].detail
    sla = results["sla"].data
    assert sla.get("availability").value < 99.91
    assert sla.get("error_rate").status == "breached"


async def test_maintenance_silence_through_the_console_client_silences_everything(open_demo):
    from console.sources.alertmanager import create_silence, expire_silence, list_silences

    stack = open_demo("dependency-outage", 250.0)
    url = stack.config.alertmanager.urls[0]
    matchers = [{"name": "job", "value": "genesis-orchestrator", "isRegex": False}]
    silence_id = await create_silence(
        url, matchers, EPOCH, EPOCH + 7200, "maintenance", "weekly window", timeout=3
    )
    alerts = stack.world.snapshot().alerts
    assert len(alerts) >= 4 and all(a.silenced_by == (silence_id,) for a in alerts)
    (silence,) = await list_silences(url, timeout=3)
    assert (silence.id, silence.state, silence.created_by) == (silence_id, "active", "maintenance")
    await expire_silence(url, silence_id, timeout=3)
    assert not any(a.silenced_by for a in stack.world.snapshot().alerts)


# ----- the demo silences exactly what the console's matchers say (console.matchers)


def regex(name: str, value: str, equal: bool = True) -> dict:
    return {"name": name, "value": value, "isRegex": True, "isEqual": equal}


TRICKY_MATCHERS = {
    "no matchers silence nothing": [],
    "a regex RE2 refuses silences nothing": [regex("alertname", "(?=Critical).*")],
    "a regex Python refuses silences nothing": [regex("alertname", "Critical(")],
    "a regex is anchored at both ends": [regex("alertname", "Critical")],
    "a regex is anchored at the start": [regex("alertname", "OrchestrationLatency")],
    "a prefix regex matches": [regex("alertname", "Critical.*")],
    "a newline in the value is literal": [
        {"name": "alertname", "value": "CriticalOrchestrationLatency\n", "isRegex": False}
    ],
    "a regex dot does not cross a newline": [regex("alertname", "Critical.*\n?.")],
    "a regex wants the newline it names": [regex("alertname", "CriticalOrchestrationLatency\n")],
    "a negative regex": [regex("alertname", "Critical.*", equal=False)],
}


@pytest.mark.parametrize("matchers", TRICKY_MATCHERS.values(), ids=TRICKY_MATCHERS.keys())
def test_the_demo_silences_what_the_console_matchers_match(matchers):
    from console.sources.alertmanager import matchers_match

    world = World("latency-spike", clock=FrozenClock(EPOCH), offset=200.0)
    firing_now = world.snapshot().alerts
    assert {a.name for a in firing_now} >= {
        "CriticalOrchestrationLatency",
        "HighOrchestrationLatency",
    }
    silence_id = world.add_silence(matchers, "alice", "why", EPOCH - 60, EPOCH + 3600)
    silenced = {a.name for a in world.snapshot().alerts if silence_id in a.silenced_by}
    expected = {a.name for a in firing_now if matchers_match(matchers, dict(a.labels))}
    assert silenced == expected
    if "Critical.*" in str(matchers) and not matchers[0]["isEqual"]:
        assert "HighOrchestrationLatency" in silenced  # the case is not vacuous
    if matchers == [regex("alertname", "Critical.*")]:
        assert silenced == {"CriticalOrchestrationLatency"}


@pytest.mark.parametrize(
    ("matchers", "status"),
    [
        ([], 422),
        ([regex("alertname", "(?=Critical).*")], 400),
        ([regex("alertname", "Critical(")], 400),
        ([regex("alertname", ".*")], 400),  # matches the empty string: silences everything
    ],
)
def test_the_demo_refuses_the_silences_alertmanager_refuses(open_demo, http, matchers, status):
    stack = open_demo("latency-spike", 200.0)
    base = stack.config.alertmanager.urls[0]
    reply = http.post(base + "/api/v2/silences", json={**SILENCE, "matchers": matchers})
    assert reply.status_code == status, reply.text
    assert http.get(base + "/api/v2/silences").json() == []
