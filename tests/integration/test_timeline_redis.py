"""Two consoles sharing the war-room timeline through a real Redis, which the tests kill."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from console.timeline import STREAM_KEY, Timeline

pytestmark = pytest.mark.stack

ALICE = {"user": "alice", "host": "ops1", "ssh_client": "10.0.0.5"}
BOB = {"user": "bob", "host": "ops2", "ssh_client": None}


def url(server) -> str:
    return f"redis://127.0.0.1:{server.port}/0"


def console(tmp_path, server, name: str, person: dict) -> Timeline:
    return Timeline(
        tmp_path / name / "timeline.jsonl",
        url(server),
        person=person,
        console_id=name,
        timeout=0.5,
    )


def texts(timeline: Timeline) -> list[str]:
    return [e.text for e in timeline.entries()]


def assert_exactly_once(timeline: Timeline, expected: set[str]) -> None:
    counts = Counter(texts(timeline))
    assert set(counts) == expected
    assert all(n == 1 for n in counts.values()), counts


async def test_note_in_one_console_appears_in_the_other(tmp_path, fresh_redis):
    alice = console(tmp_path, fresh_redis, "alice", ALICE)
    bob = console(tmp_path, fresh_redis, "bob", BOB)
    await alice.sync()
    await bob.sync()
    note = alice.add("note", "restarting the orchestrator | see runbook")
    assert alice.pending == [note]
    assert await alice.sync() == []  # our own entry is not news to us
    assert alice.pending == [] and alice.online and alice.status == "war room online"
    got = await bob.sync()
    assert [(e.id, e.text, e.who) for e in got] == [(note.id, note.text, ALICE)]
    assert texts(bob) == ["restarting the orchestrator | see runbook"]
    assert await bob.sync() == []  # nothing twice
    # and back: an action recorded by bob reaches alice
    bob.add("action", "restart genesis-orchestrator: ok", {"outcome": "ok"})
    await bob.sync()
    assert [e.kind for e in await alice.sync()] == ["action"]
    assert [e.kind for e in alice.entries()] == ["note", "action"]
    await alice.leave()
    await bob.leave()


async def test_late_console_sees_the_story_so_far(tmp_path, redis_server):
    first = console(tmp_path, redis_server, "early", ALICE)
    first.add("incident", "incident opened: P0", {"class": "P0"})
    await first.sync()
    late = console(tmp_path, redis_server, "late", BOB)
    got = await late.sync()
    assert "incident opened: P0" in [e.text for e in got]
    await first.close()
    await late.close()


async def test_presence_shows_both_then_one(tmp_path, fresh_redis):
    alice = console(tmp_path, fresh_redis, "alice", ALICE)
    bob = console(tmp_path, fresh_redis, "bob", BOB)
    assert await alice.heartbeat() and await bob.heartbeat()
    people = await alice.presence()
    assert [(p["console_id"], p["user"], p["host"]) for p in people] == [
        ("alice", "alice", "ops1"),
        ("bob", "bob", "ops2"),
    ]
    assert people[0]["ssh_client"] == "10.0.0.5"
    # the key expires by itself if the console dies without leaving
    ttl = fresh_redis_ttl(fresh_redis, "genesis-console:presence:bob")
    assert 0 < ttl <= 15
    await bob.leave()
    assert [p["user"] for p in await alice.presence()] == ["alice"]
    await alice.leave()


def fresh_redis_ttl(server, key: str) -> int:
    import redis

    client = redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=1)
    try:
        return client.ttl(key)
    finally:
        client.close()


async def test_redis_killed_and_restarted_loses_nothing(tmp_path, fresh_redis):
    alice = console(tmp_path, fresh_redis, "alice", ALICE)
    bob = console(tmp_path, fresh_redis, "bob", BOB)
    alice.add("alert_firing", "GenesisOrchestratorDown")
    bob.add("note", "bob here")
    await alice.sync()
    await bob.sync()
    await alice.sync()
    before = {"GenesisOrchestratorDown", "bob here"}
    assert set(texts(alice)) == set(texts(bob)) == before

    fresh_redis.kill()  # no persistence: the stream is gone with it
    started = time.monotonic()
    alice.add("action", "restart genesis-orchestrator: ok")
    bob.add("note", "while redis was down")
    assert await alice.sync() == [] and await bob.sync() == []
    assert time.monotonic() - started < 3  # bounded by the short timeouts
    assert alice.online is False
    assert alice.status.startswith("war room offline since ")
    assert "connection refused" in alice.status and "1 entry kept to send" in alice.status
    assert await alice.heartbeat() is False and await alice.presence() == []
    # the console is restarted while Redis is down: its pending entry survives on disk
    alice_path = alice.local_path
    await alice.close()
    alice = Timeline(alice_path, url(fresh_redis), person=ALICE, console_id="alice2", timeout=0.5)
    assert [e.text for e in alice.pending] == ["restart genesis-orchestrator: ok"]
    alice.add("note", "alice restarted her console")

    fresh_redis.start()
    for _ in range(2):  # one refresh each, then one more so each sees the other's resend
        await alice.sync()
        await bob.sync()
    everything = before | {
        "restart genesis-orchestrator: ok",
        "while redis was down",
        "alice restarted her console",
    }
    assert_exactly_once(alice, everything)
    assert_exactly_once(bob, everything)
    assert alice.pending == [] and bob.pending == []
    assert alice.status == "war room online"
    # a console that opens now sees the whole story from the stream alone
    carol = console(tmp_path, fresh_redis, "carol", {"user": "carol", "host": "ops3"})
    await carol.sync()
    assert_exactly_once(carol, everything)
    for timeline in (alice, bob, carol):
        await timeline.close()


async def test_foreign_stream_entries_are_ignored(tmp_path, fresh_redis):
    import redis

    client = redis.Redis(host="127.0.0.1", port=fresh_redis.port, socket_timeout=1)
    client.xadd(STREAM_KEY, {"entry": "{not json"})
    client.xadd(STREAM_KEY, {"other": "field"})
    client.xadd(STREAM_KEY, {"entry": '{"id": "x", "time": 1, "kind": "shell", "text": "rm"}'})
    alice = console(tmp_path, fresh_redis, "alice", ALICE)
    alice.add("note", "a real one")
    await alice.sync()
    bob = console(tmp_path, fresh_redis, "bob", BOB)
    assert [e.text for e in await bob.sync()] == ["a real one"]
    info = client.xinfo_stream(STREAM_KEY)
    assert info["length"] == 4
    client.close()
    await alice.close()
    await bob.close()


def test_cli_timeline_includes_other_consoles(tmp_path, fresh_redis, capsys):
    import asyncio

    from console.cli import main

    other = console(tmp_path, fresh_redis, "other", BOB)
    other.add("note", "bob, from another host")

    async def send() -> None:
        await other.sync()
        await other.close()

    asyncio.run(send())
    config = tmp_path / "config.yaml"
    config.write_text(f"warroom:\n  redis_url: {url(fresh_redis)}\n")
    assert main(["timeline", "--config", str(config), "--since", "10m"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "| bob@ops2 | **NOTE** bob, from another host |" in captured.out
    # and it is kept locally: offline later, the story is still there
    fresh_redis.kill()
    assert main(["timeline", "--config", str(config), "--since", "10m"]) == 0
    captured = capsys.readouterr()
    assert "war room offline" in captured.err
    assert "bob, from another host" in captured.out


def test_war_room_password_comes_from_the_variable_password_env_names(
    tmp_path, fresh_redis, capsys, monkeypatch
):
    import redis

    from console.cli import main

    password = "wr-Pa55-7f3c9e"
    client = redis.Redis(host="127.0.0.1", port=fresh_redis.port, socket_timeout=1)
    client.config_set("requirepass", password)
    client.close()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"warroom:\n  redis_url: {url(fresh_redis)}\n  password_env: WARROOM_REDIS_PASSWORD\n"
    )
    monkeypatch.delenv("WARROOM_REDIS_PASSWORD", raising=False)
    assert main(["timeline", "--config", str(config), "--since", "10m"]) == 0
    assert "login refused" in capsys.readouterr().err
    monkeypatch.setenv("WARROOM_REDIS_PASSWORD", password)
    assert main(["timeline", "--config", str(config), "--since", "10m"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # online: no "showing the local timeline"
    assert password not in captured.out
