"""Forged and malformed war-room entries, written to a real Redis stream as anyone with
Redis access could: each must leave every console syncing and every export readable."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from console import paths
from console.cli import main
from console.timeline import STREAM_KEY, Timeline

pytestmark = pytest.mark.stack

ALICE = {"user": "alice", "host": "ops1", "ssh_client": "10.0.0.5"}
BOB = {"user": "bob", "host": "ops2", "ssh_client": None}
MALLORY = {"user": "mallory", "host": "ops9", "ssh_client": None}


def url(server) -> str:
    return f"redis://127.0.0.1:{server.port}/0"


def console(tmp_path, server, name: str, person: dict, **kwargs) -> Timeline:
    return Timeline(
        tmp_path / name / "timeline.jsonl",
        url(server),
        person=person,
        console_id=name,
        **{"timeout": 0.5, **kwargs},
    )


def redis_of(server):
    import redis

    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=5)


def write_raw(server, *payloads: str) -> None:
    """XADD exactly these JSON texts, as a careless teammate's script would."""
    client = redis_of(server)
    try:
        for payload in payloads:
            client.xadd(STREAM_KEY, {"entry": payload})
    finally:
        client.close()


def raw_note(entry_id: str, text_json: str = '"hi"', time_json: str | None = None) -> str:
    """An entry's JSON text, with the text and time spliced in as raw JSON."""
    moment = time_json if time_json is not None else repr(time.time())
    return (
        f'{{"id": "{entry_id}", "time": {moment}, "kind": "note", '
        f'"who": {{"user": "mallory", "host": "ops9"}}, "text": {text_json}, "data": {{}}}}'
    )


def cli_timeline(tmp_path, server, capsys, *args: str) -> tuple[int, str, str]:
    config = tmp_path / "config.yaml"
    config.write_text(f"warroom:\n  redis_url: {url(server)}\n")
    code = main(["timeline", "--config", str(config), "--since", "1h", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ------------------------------------------------------------------ 4. lone surrogates


async def test_a_lone_surrogate_does_not_stop_the_sync(tmp_path, fresh_redis):
    write_raw(fresh_redis, raw_note("evil-surrogate", text_json='"a\\ud800b"'))
    alice = console(tmp_path, fresh_redis, "alice", ALICE)
    bob = console(tmp_path, fresh_redis, "bob", BOB)
    for n in range(6):
        alice.add("note", f"alice {n}")
    got = await alice.sync()
    assert alice.online, alice.status
    assert alice.status == "war room online" and alice.pending == []
    # shown, with the unpaired half replaced, never written as invalid UTF-8
    assert [e.text for e in got] == ["a\ufffdb"]
    assert [e.text for e in await bob.sync()] == ["a\ufffdb"] + [f"alice {n}" for n in range(6)]
    assert bob.online and "a\ufffdb" in [e.text for e in bob.entries()]
    bob.local_path.read_text(encoding="utf-8")  # the file stays valid UTF-8
    await alice.close()
    await bob.close()


async def test_surrogates_in_names_and_data_are_replaced_too(tmp_path, fresh_redis):
    write_raw(
        fresh_redis,
        f'{{"id": "evil-who", "time": {time.time()!r}, "kind": "action",'
        ' "who": {"user": "\\udfff"}, "text": "x",'
        ' "data": {"outcome": "\\ud800", "\\udc00key": ["\\ud83d"]}}',
    )
    bob = console(tmp_path, fresh_redis, "bob", BOB)
    (entry,) = await bob.sync()
    assert bob.online, bob.status
    assert entry.who["user"] == "\ufffd"
    assert entry.data == {"outcome": "\ufffd", "\ufffdkey": ["\ufffd"]}
    await bob.close()


# ------------------------------------------------------------------ 5. impossible times

IMPOSSIBLE_TIMES = ["1e18", "NaN", "Infinity", "-Infinity", "-1e15", "1e308"]


def test_impossible_times_are_refused_and_the_export_still_works(tmp_path, fresh_redis, capsys):
    write_raw(
        fresh_redis,
        *(raw_note(f"evil-time-{i}", time_json=t) for i, t in enumerate(IMPOSSIBLE_TIMES)),
        raw_note("fine", '"a real note"'),
    )
    bob = console(tmp_path, fresh_redis, "bob", BOB)
    assert [e.text for e in asyncio.run(bob.sync())] == ["a real note"]
    assert bob.online
    # nothing impossible reaches the local file, so the export is not broken later either
    for line in bob.local_path.read_text().splitlines():
        assert "evil-time" not in line
    code, out, err = cli_timeline(tmp_path, fresh_redis, capsys)
    assert code == 0 and "Traceback" not in err, err
    assert "a real note" in out and "evil-time" not in out
    code, out, err = cli_timeline(tmp_path, fresh_redis, capsys, "--format", "json")
    assert code == 0 and [e["id"] for e in json.loads(out)] == ["fine"]
    asyncio.run(bob.close())


def test_impossible_times_saved_by_an_older_console_do_not_break_the_export(
    tmp_path, fresh_redis, capsys
):
    """A local file poisoned before the fix: the export skips or ignores what cannot be."""
    path = paths.default_timeline_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    now = time.time()
    lines = [
        raw_note(f"old-{i}", time_json=t)[:-1] + ', "sync": "remote"}'
        for i, t in enumerate(IMPOSSIBLE_TIMES)
    ]
    for i, seconds in enumerate(["Infinity", "NaN", "-Infinity", "1e400"]):
        lines.append(
            f'{{"id": "old-recovery-{i}", "time": {now - 120!r}, "kind": "incident", '
            f'"who": {{"user": "mallory"}}, "text": "all clear", '
            f'"data": {{"recovery_seconds": {seconds}}}, "sync": "remote"}}'
        )
    lines.append(raw_note("ok-line", '"kept"', repr(now - 60))[:-1] + ', "sync": "remote"}')
    path.write_text("\n".join(lines) + "\n")
    for window in (["--since", "1h"], ["--since", "1970-01-02T00:00:00Z"]):
        config = tmp_path / "config.yaml"
        config.write_text(f"warroom:\n  redis_url: {url(fresh_redis)}\n")
        code = main(["timeline", "--config", str(config), *window])
        captured = capsys.readouterr()
        assert code == 0 and "Traceback" not in captured.err, captured.err
        assert "kept" in captured.out and "old-" not in captured.out
        assert "time to recovery" not in captured.out  # no value that could be one
        assert captured.out.count("| 20") == 5  # the note and the four incidents


# ------------------------------------------------------------------ 6. floods


def flood(server, count: int, start: int = 0, text_size: int = 1500) -> None:
    """`count` well-formed notes of about 1.6 kB each, written in one pipeline."""
    client = redis_of(server)
    try:
        pipe = client.pipeline(transaction=False)
        now = time.time()
        for n in range(start, start + count):
            entry = {
                "id": f"flood-{n}",
                "time": now - 3600 + n / 1000,
                "kind": "note",
                "who": MALLORY,
                "text": f"{n} " + "x" * text_size,
                "data": {},
            }
            pipe.xadd(STREAM_KEY, {"entry": json.dumps(entry)})
        pipe.execute()
    finally:
        client.close()


async def test_a_joining_console_reads_a_bounded_share_of_a_flooded_stream(tmp_path, fresh_redis):
    from console.timeline import SYNC_MAX_BYTES, SYNC_MAX_ENTRIES

    flood(fresh_redis, 20_000)
    alice = console(tmp_path, fresh_redis, "alice", ALICE, timeout=5)
    alice.add("note", "alice was here first")
    started = time.monotonic()
    got = await alice.sync()
    took = time.monotonic() - started
    assert alice.online, alice.status
    # the newest entries: what happened last matters most to someone joining
    assert 0 < len(got) <= SYNC_MAX_ENTRIES
    assert got[-1].id == "flood-19999"
    assert alice.local_path.stat().st_size < SYNC_MAX_BYTES * 1.2
    assert took < 5, took
    assert alice.pending == []  # and our own entry still went out
    # nothing new: nothing read again
    assert await alice.sync() == []
    # a second flood while alice watches: one sync takes a bounded bite, the next goes on
    size = alice.local_path.stat().st_size
    flood(fresh_redis, 5_000, start=20_000)
    bite = await alice.sync()
    assert 0 < len(bite) <= SYNC_MAX_ENTRIES and bite[0].id == "flood-20000"
    assert alice.local_path.stat().st_size - size < SYNC_MAX_BYTES * 1.2
    assert "catching up" in alice.status
    seen = len(bite)
    for _ in range(5):
        seen += len(await alice.sync())
    assert seen == 5_000
    assert alice.status == "war room online"
    await alice.close()


async def test_an_oversized_stream_entry_is_skipped(tmp_path, fresh_redis):
    from console.timeline import ENTRY_MAX_BYTES

    big = {"id": "big", "time": time.time(), "kind": "note", "who": MALLORY, "text": "x"}
    big["data"] = {"blob": "y" * (ENTRY_MAX_BYTES + 1)}
    write_raw(fresh_redis, json.dumps(big), raw_note("small", '"fits"'))
    bob = console(tmp_path, fresh_redis, "bob", BOB)
    assert [e.id for e in await bob.sync()] == ["small"]
    assert bob.local_path.stat().st_size < 4096
    await bob.close()
