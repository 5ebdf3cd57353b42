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
        timeout=0.5,
        **kwargs,
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
