"""The demo's servers: one quiet thread that follows the world, connections that
never wait on one another, prompt stops."""

from __future__ import annotations

import contextlib
import random
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from console.clock import FrozenClock
from console.demo import DemoStack, start_demo
from console.demo.world import CYCLE_SECONDS, RESTART_SECONDS, REUSE_SECONDS, Unavailable, World

EPOCH = 1_700_000_000.0


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def wait_for(condition, seconds: float) -> float:
    """Seconds until `condition()` held (checked every 5 ms); fails after `seconds`."""
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > seconds:
            pytest.fail(f"not within {seconds}s")
        time.sleep(0.005)
    return time.monotonic() - began


@pytest.fixture
def stacks() -> Iterator[list[DemoStack]]:
    started: list[DemoStack] = []
    yield started
    for stack in started:
        stack.stop()


@pytest.mark.parametrize("scenario", ["healthy", "orchestrator-down"])
def test_process_state_says_when_the_process_next_starts_or_stops(scenario):
    world = World(scenario, clock=FrozenClock(EPOCH), offset=0)
    world.restarts += [30.0, 100.0, 597.0, 650.0]  # before, in and across the outage
    grid = [i / 2 for i in range(int(2 * (CYCLE_SECONDS + 100)))]
    states = [world.process_state(t) for t in grid]
    flips = [i for i in range(1, len(grid)) if states[i][0] != states[i - 1][0]]
    assert len(flips) >= 4
    for i, (t, (up, change)) in enumerate(zip(grid, states, strict=True)):
        assert up == (world.at(t).orchestrator != "down")
        assert change > t
        # nothing changes before the time it names
        assert all(grid[k] >= change for k in flips if k > i)


def test_the_orchestrators_port_closes_on_time_on_the_real_clock(stacks):
    """The outage begins 90 s into the scenario; the port closes then, unprompted."""
    stacks.append(start_demo("orchestrator-down", offset=89.6, seed=7))
    world, port = stacks[0].world, stacks[0].servers.orchestrator.port
    assert port_open(port)
    wait_for(lambda: not port_open(port), 3)
    late = world.clock.time() - world.wall(90.0)
    assert -0.01 < late < 0.25  # not before the world says so, nor long after


def test_a_restart_closes_the_port_at_once(stacks):
    stacks.append(start_demo("healthy", offset=10, seed=7))
    world, port = stacks[0].world, stacks[0].servers.orchestrator.port
    assert port_open(port)
    time.sleep(0.3)  # the servers' thread is asleep
    world.restart_orchestrator()  # as the supervisor does, without it telling the servers
    assert wait_for(lambda: not port_open(port), 2) < 0.25


def test_the_port_follows_a_frozen_clock_a_test_advances(stacks):
    clock = FrozenClock(EPOCH)
    stacks.append(start_demo("healthy", clock=clock, offset=10, seed=7))
    world, port = stacks[0].world, stacks[0].servers.orchestrator.port
    world.restart_orchestrator()
    wait_for(lambda: not port_open(port), 2)
    clock.advance(RESTART_SECONDS + 1)  # nobody calls settle()
    assert wait_for(lambda: port_open(port), 2) < 0.5


def test_a_slow_connection_keeps_no_one_waiting(stacks):
    stacks.append(start_demo("healthy", clock=FrozenClock(EPOCH), offset=10, seed=7))
    config = stacks[0].config
    alertmanager = config.alertmanager.urls[0]
    slow = socket.create_connection(("127.0.0.1", int(alertmanager.rsplit(":", 1)[1])))
    try:
        slow.sendall(b"GET /api/v2/status HTTP/1.1\r\nHost: demo\r\n")  # and never ends it
        with httpx.Client(trust_env=False, timeout=2) as http:
            assert http.get(alertmanager + "/-/ready").status_code == 200
            assert http.get(config.grafana.url + "/api/health").status_code == 200
            assert http.get(config.orchestrator.url + "/health/ready").status_code == 200
    finally:
        slow.close()


def test_stop_is_prompt_and_cuts_open_connections(stacks):
    stack = start_demo("healthy", clock=FrozenClock(EPOCH), offset=10, seed=7)
    stacks.append(stack)
    with httpx.Client(trust_env=False, timeout=2) as http:
        assert http.get(stack.config.grafana.url + "/api/health").status_code == 200
        kept = socket.create_connection(("127.0.0.1", stack.servers.prometheus.port))
        kept.sendall(b"GET /-/ready HTTP/1.1\r\nHost: demo\r\n\r\n")
        assert kept.recv(100).startswith(b"HTTP/1.1 200")  # and kept alive
        began = time.monotonic()
        stack.stop()
        assert time.monotonic() - began < 0.3
        kept.settimeout(2)
        while kept.recv(4096):  # the rest of the reply, then the end
            pass
        kept.close()
    assert not any(port_open(c.port) for c in stack.servers.components)


# ----- snapshots: asked for a dozen times a poll, computed about once


def test_snapshots_a_moment_apart_are_one():
    clock = FrozenClock(EPOCH)
    world = World("healthy", clock=clock, offset=12.0)
    first = world.snapshot()
    assert world.snapshot() is first
    clock.advance(REUSE_SECONDS / 2)
    assert world.snapshot() is first
    clock.advance(REUSE_SECONDS)
    later = world.snapshot()
    assert later is not first and later.time == pytest.approx(12.0 + 1.5 * REUSE_SECONDS)


def test_actions_are_seen_at_once():
    clock = FrozenClock(EPOCH)
    world = World("latency-spike", clock=clock, offset=200.0)
    before = world.snapshot()
    assert before.orchestrator == "ready" and before.alerts
    world.clear_cache()
    assert world.snapshot().cache_entries == 0
    (alert, *_) = before.alerts
    silence = world.add_silence(
        [{"name": "alertname", "value": alert.name, "isRegex": False, "isEqual": True}],
        "me",
        "testing",
        clock.time(),
        clock.time() + 60,
    )
    silenced = {a.name: a.silenced_by for a in world.snapshot().alerts}
    assert silenced[alert.name] == (silence,)
    world.expire_silence(silence)
    assert all(not a.silenced_by for a in world.snapshot().alerts)
    world.restart_orchestrator()
    assert world.snapshot().orchestrator == "down"


def test_a_snapshot_is_not_reused_across_a_start_a_step_or_a_silence():
    clock = FrozenClock(EPOCH)
    world = World("healthy", clock=clock, offset=11.3)
    world.restart_orchestrator()  # the process is back at 17.3
    clock.advance(5.98)
    assert world.snapshot().orchestrator == "down"
    clock.advance(0.04)
    assert world.snapshot().orchestrator == "ready"

    clock = FrozenClock(EPOCH)
    world = World("latency-spike", clock=clock, offset=201.0)
    silence = world.add_silence(
        [{"name": "alertname", "value": ".+", "isRegex": True, "isEqual": True}],
        "me",
        "from a moment on",
        clock.time() + 0.05,
        clock.time() + 60,
    )
    assert all(not a.silenced_by for a in world.snapshot().alerts)
    clock.advance(0.06)
    assert all(a.silenced_by == (silence,) for a in world.snapshot().alerts)
    clock.advance(3.9)  # 204.96: the rules last ran at 200
    assert {a.updated_at for a in world.snapshot().alerts} == {world.wall(200.0)}
    clock.advance(0.06)
    assert {a.updated_at for a in world.snapshot().alerts} == {world.wall(205.0)}


@pytest.mark.parametrize("scenario", ["orchestrator-down", "latency-spike", "dependency-outage"])
def test_a_reused_snapshot_shows_what_a_fresh_one_would(scenario):
    """Whatever happens, a snapshot that stands for a moment later agrees with the
    world at that moment on everything but the smooth curves."""
    rng = random.Random(scenario)
    clock = FrozenClock(EPOCH)
    world = World(scenario, clock=clock, offset=rng.choice([55.0, 85.0, 175.0]), seed=3)
    reused = 0
    for _ in range(1000):
        clock.advance(rng.choice([0.0, 0.003, 0.02, 0.05, 0.099, 0.3, 1.7]))
        roll = rng.random()
        if roll < 0.004:
            world.restart_orchestrator()
        elif roll < 0.008:
            with contextlib.suppress(Unavailable):
                world.clear_cache()
        elif roll < 0.03:
            now = clock.time()
            world.add_silence(
                [{"name": "alertname", "value": ".+Rate", "isRegex": True, "isEqual": True}],
                "me",
                "soon, briefly",
                now + rng.choice([0.0, 0.05, 0.2]),
                now + rng.choice([0.03, 0.08, 2.0]),
            )
        got, fresh = world.snapshot(), world.at(world.now())
        reused += got.time != fresh.time
        for name in ("orchestrator", "reason", "redis_up", "temporal", "ports", "mysql_refusing"):
            assert getattr(got, name) == getattr(fresh, name), name
        assert [(a.name, a.silenced_by, a.updated_at) for a in got.alerts] == [
            (a.name, a.silenced_by, a.updated_at) for a in fresh.alerts
        ]
        assert got.latency_ms == pytest.approx(fresh.latency_ms, abs=10)
    assert reused > 300


def test_a_reply_that_holds_the_world_keeps_no_connection_waiting(stacks):
    """A long computation under the world's lock (a day of alert history) delays the
    replies that need the world, not the others, nor accepting connections."""
    stack = start_demo("healthy", clock=FrozenClock(EPOCH), offset=10, seed=7)
    stacks.append(stack)
    with httpx.Client(trust_env=False, timeout=2) as http, stack.world.lock:
        time.sleep(0.2)  # the servers' thread is due to look at the world meanwhile
        began = time.monotonic()
        assert http.get(stack.config.grafana.url + "/api/health").status_code == 200
        assert http.get(stack.config.alertmanager.urls[0] + "/-/ready").status_code == 200
        assert time.monotonic() - began < 0.15
