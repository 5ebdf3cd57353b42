"""Issue 15, one ack keeper per war room: of the consoles sharing a war-room Redis, one
keeps the acks alive (a lease it renews at each refresh); when it quits another takes
over at its next refresh, when it dies after the lease's short time to live, and when
Redis is down each console keeps the acks itself rather than let one lapse. Real Redis
and a real Alertmanager 0.25; the keepers' clock runs 14 minutes ahead, so every
15-minute ack is due for extension at each pass.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import yaml

from console.actions.ack import AckKeeper, plan_ack
from console.config import load_config
from console.sources.alertmanager import format_rfc3339, parse_rfc3339
from console.sources.registry import build_sources
from console.ui.controllers.acks import ACK_LEASE
from console.warroom import Lease, WarRoomLock
from tests.integration.fixtures_monitoring import Server, start_alertmanager
from tests.procs import free_port

DISK = {"alertname": "DiskFull", "severity": "critical", "instance": "db1:9100"}
#: the keepers' clock: every 15-minute ack made just now ends within its renewal window
AHEAD = 14 * 60


@pytest.fixture
def am(tmp_path) -> Iterator[Server]:
    server = start_alertmanager(tmp_path / "am")
    try:
        yield server
    finally:
        server.proc.stop()


def config_for(tmp_path, am_url: str, redis_url: str | None):
    path = tmp_path / "config.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "environment": "staging",
                "refresh_seconds": 0.5,
                "timeout_seconds": 1,
                "alertmanager": {"urls": [am_url]},
                "ports": [],
                **({"warroom": {"redis_url": redis_url}} if redis_url else {}),
            }
        )
    )
    return load_config(path)


def ack_silence(am_url: str) -> dict:
    (ack,) = [
        s
        for s in httpx.get(am_url + "/api/v2/silences", timeout=2).json()
        if s["status"]["state"] in ("active", "pending")
    ]
    return ack


async def acked_data(config, am_url: str):
    """DiskFull firing with a fresh 15-minute ack, as a console's refresh reads it."""
    body = [{"labels": DISK, "startsAt": format_rfc3339(time.time() - 60)}]
    httpx.post(am_url + "/api/v2/alerts", json=body, timeout=2).raise_for_status()
    (source,) = [s for s in build_sources(config) if s.name == "alertmanager"]
    try:
        data = (await source.probe()).data
        outcome = await plan_ack(
            config, list(data.alerts), author="oncall1", now=time.time()
        ).execute(lambda text: None)
        assert outcome.ok, outcome.message
        return (await source.probe()).data
    finally:
        await source.close()


def keeper(config, redis_url: str, env: str, ttl: float, takeovers: list | None = None):
    """A console's keeper in the war room `env` of this Redis."""
    lock = WarRoomLock(redis_url, timeout=0.5, env=env)
    lease = Lease(lock, ACK_LEASE, "keeping the acks alive", ttl)
    return AckKeeper(
        config,
        lambda: time.time() + AHEAD,
        lease=lease,
        on_takeover=(takeovers.append if takeovers is not None else None),
    )


def room() -> str:
    return "t" + uuid.uuid4().hex[:10]


async def test_one_console_keeps_the_acks_and_the_other_after_it_quits(tmp_path, am, redis_server):
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    config = config_for(tmp_path, am.url, url)
    data = await acked_data(config, am.url)
    first_end = parse_rfc3339(ack_silence(am.url)["endsAt"])
    env = room()
    alice, bob = keeper(config, url, env, 5.0), keeper(config, url, env, 5.0)

    for _ in range(3):  # refresh after refresh, both see the ack due: only alice extends
        assert (await alice.keep(data))["extended"]
        assert await bob.keep(data) == {"extended": [], "expired": []}
    assert parse_rfc3339(ack_silence(am.url)["endsAt"]) > first_end + 10 * 60
    assert alice.status == "acks kept alive by this console"
    assert bob.status.startswith("acks kept alive by ")
    assert "takes over if it goes" in bob.status and "@" in bob.status

    # alice quits: bob keeps the acks from his next refresh, long before the lease would lapse
    await alice.lease.release()
    extended = (await bob.keep(data))["extended"]
    assert extended == [ack_silence(am.url)["id"]]
    assert bob.status == "acks kept alive by this console"

    # a third console joining stands by too
    carol = keeper(config, url, env, 5.0)
    assert await carol.keep(data) == {"extended": [], "expired": []}


async def test_when_the_keeper_dies_another_takes_over_after_the_lease_lapses(
    tmp_path, am, redis_server
):
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    config = config_for(tmp_path, am.url, url)
    data = await acked_data(config, am.url)
    env = room()
    takeovers: list[str] = []
    ttl = 0.6
    alice, bob = keeper(config, url, env, ttl), keeper(config, url, env, ttl, takeovers)
    assert (await alice.keep(data))["extended"]
    assert not (await bob.keep(data))["extended"]

    # alice's console dies: no release, no more renewals. Within the lease, bob waits...
    assert not (await bob.keep(data))["extended"]
    await asyncio.sleep(ttl + 0.2)
    # ...then takes over, and says from whom (one timeline entry, not one per pass)
    assert (await bob.keep(data))["extended"]
    assert len(takeovers) == 1 and "@" in takeovers[0]
    assert (await bob.keep(data))["extended"]
    assert len(takeovers) == 1
    # alice's console coming back to life finds the acks in bob's hands
    assert await alice.keep(data) == {"extended": [], "expired": []}
    assert "takes over if it goes" in alice.status


async def test_with_the_war_room_redis_down_each_console_keeps_the_acks(tmp_path, am):
    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens: connection refused
    config = config_for(tmp_path, am.url, down)
    data = await acked_data(config, am.url)
    first_end = parse_rfc3339(ack_silence(am.url)["endsAt"])
    alice, bob = keeper(config, down, "x", 5.0), keeper(config, down, "x", 5.0)
    ack_id = ack_silence(am.url)["id"]
    assert (await alice.keep(data))["extended"] == [ack_id]
    assert (await bob.keep(data))["extended"] == [ack_id]
    assert parse_rfc3339(ack_silence(am.url)["endsAt"]) > first_end + 10 * 60
    for console in (alice, bob):
        assert console.status.startswith("acks kept alive by this console (and maybe others)")
        assert "did not answer" in console.status


async def test_the_keeper_expires_a_resolved_ack_and_the_other_does_not(tmp_path, am, redis_server):
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    config = config_for(tmp_path, am.url, url)
    await acked_data(config, am.url)
    env = room()
    alice, bob = keeper(config, url, env, 5.0), keeper(config, url, env, 5.0)
    resolved = [{"labels": DISK, "endsAt": format_rfc3339(time.time() - 1)}]
    httpx.post(am.url + "/api/v2/alerts", json=resolved, timeout=2).raise_for_status()
    (source,) = [s for s in build_sources(config) if s.name == "alertmanager"]
    try:
        data = (await source.probe()).data
    finally:
        await source.close()
    assert not data.alerts  # the alert is gone; its ack is still active
    assert (await alice.keep(data))["expired"]
    assert (await bob.keep(data))["expired"] == []


async def test_the_console_holds_the_lease_says_so_and_gives_it_up_when_it_quits(
    tmp_path, am, fresh_redis
):
    import redis

    from console.ui.app import GenesisApp
    from console.ui.screens.timeline import TimelineScreen
    from console.warroom import lock_key
    from tests.pilot import wait_until

    url = f"redis://127.0.0.1:{fresh_redis.port}/0"
    config = config_for(tmp_path, am.url, url)
    client = redis.Redis.from_url(url)
    key = lock_key(ACK_LEASE, config.env_key)
    app = GenesisApp(
        config,
        sources_factory=lambda: [s for s in build_sources(config) if s.name == "alertmanager"],
        timeline_path=tmp_path / "timeline.jsonl",
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: client.get(key), 10, "the ack-keeping lease taken")
        assert client.pttl(key) <= (3 * 0.5 + 1) * 1000  # lapses within a few refreshes
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TimelineScreen)
        assert "acks kept alive by this console" in app.screen.status
        await pilot.press("escape")
        await pilot.pause()
        await app.action_quit()
    assert client.get(key) is None  # another console takes over at its next refresh
