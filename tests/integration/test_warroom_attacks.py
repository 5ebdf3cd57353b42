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


# ------------------------------------------------------------------ 7. forged entries

KEY = "war-room-test-key-3c1f9a7e5b2d4f60"


def spec_signature(entry: dict, key: str = KEY) -> str:
    """The README's rule, written out independently of the console's code."""
    import hashlib
    import hmac

    body = {k: v for k, v in entry.items() if k != "sig"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def stream_entries(server) -> list[dict]:
    client = redis_of(server)
    try:
        return [json.loads(fields[b"entry"]) for _, fields in client.xrange(STREAM_KEY)]
    finally:
        client.close()


def forged(entry_id: str, kind: str, text: str, data: dict | None = None, **extra) -> dict:
    return {
        "id": entry_id,
        "time": time.time() - 30,
        "kind": kind,
        "who": {"user": "oncall1", "host": "ops1", "ssh_client": None},
        "text": text,
        "data": data or {},
        **extra,
    }


FORGERIES = [
    forged("forged-action", "action", "restart genesis-orchestrator: ok", {"outcome": "ok"}),
    forged("forged-class", "incident", "incident class P0", {"class": "P0"}),
    forged("forged-recovery", "incident", "all clear", {"recovery_seconds": 1}),
]


def keyed(tmp_path, server, name, person, key=KEY) -> Timeline:
    return console(tmp_path, server, name, person, key=key.encode())


async def test_signed_entries_verify_and_forgeries_are_kept_but_marked(tmp_path, fresh_redis):
    from console.timeline import render_json, render_markdown

    unsigned, wrong_key, garbage = FORGERIES
    write_raw(
        fresh_redis,
        json.dumps(unsigned),
        json.dumps({**wrong_key, "sig": spec_signature(wrong_key, key="not-the-key")}),
        json.dumps({**garbage, "sig": "é" * 64}),
    )
    alice = keyed(tmp_path, fresh_redis, "alice", ALICE)
    bob = keyed(tmp_path, fresh_redis, "bob", BOB)
    alice.add("note", "restarting the orchestrator now")
    alice.add("action", "restart genesis-orchestrator: failed", {"outcome": "failed"})
    await alice.sync()
    got = {e.id: e.verified for e in await bob.sync()}
    assert list(got.values()) == [False, False, False, True, True]
    # the verdicts are bob's own, kept across a restart of his console
    again = keyed(tmp_path, fresh_redis, "bob", BOB)
    verdicts = {e.text: e.verified for e in again.entries()}
    assert verdicts["restart genesis-orchestrator: ok"] is False
    assert verdicts["restarting the orchestrator now"] is True
    text = render_markdown(again.entries(), title="t")
    summary = next(line for line in text.splitlines() if line.startswith("**Summary:**"))
    assert "no incident class recorded" in summary and "P0" not in summary
    assert "1 action (1 failed)" in summary and "time to recovery" not in summary
    assert "3 unverified entries not counted" in summary
    assert text.count("_(unverified)_") == 3
    assert "**ACTION** _(unverified)_ restart genesis-orchestrator: ok" in text
    exported = {e["id"]: e for e in json.loads(render_json(again.entries()))}
    assert exported["forged-action"]["verified"] is False
    assert all(e["verified"] for i, e in exported.items() if not i.startswith("forged"))
    # the key itself is nowhere: not in the stream, the local files or the status
    client = redis_of(fresh_redis)
    stream = repr(client.xrange(STREAM_KEY))
    client.close()
    for place in (stream, alice.local_path.read_text(), bob.local_path.read_text(), bob.status):
        assert KEY not in place
    for timeline in (alice, bob, again):
        await timeline.close()


async def test_the_signature_is_the_one_the_readme_describes(tmp_path, fresh_redis):
    alice = keyed(tmp_path, fresh_redis, "alice", ALICE)
    alice.add("note", "café ☕ — non-ASCII stays as it is")
    await alice.sync()
    (sent,) = stream_entries(fresh_redis)
    assert sent["sig"] == spec_signature(sent)
    # and another implementation's entry, signed by the same rule, verifies here
    other = {
        "id": "other-impl-1",
        "time": int(time.time()),  # an integer time, as another language may write it
        "kind": "note",
        "who": {"user": "zoë", "host": "ops4", "ssh_client": None},
        "text": "written by the Go tool ✓",
        "data": {"nested": {"b": [1, 2.5, None, True], "a": "x"}},
        "schema": 1,  # a field this console does not know is signed too
    }
    write_raw(fresh_redis, json.dumps({**other, "sig": spec_signature(other)}, indent=1))
    bob = keyed(tmp_path, fresh_redis, "bob", BOB)
    got = {e.id: e for e in await bob.sync()}
    assert got["other-impl-1"].verified is True
    assert got[alice.entries()[0].id].verified is True
    # a console with another key cannot vouch for either
    carol = keyed(tmp_path, fresh_redis, "carol", BOB, key="someone-elses-key")
    assert {e.verified for e in await carol.sync()} == {False}
    for timeline in (alice, bob, carol):
        await timeline.close()


async def test_an_id_squatter_never_displaces_the_real_entry(tmp_path, fresh_redis):
    real_id = "firing-0123456789abcdef-1795748400"
    squat = forged(real_id, "alert_firing", "GenesisOrchestratorDown resolved, all fine")
    write_raw(fresh_redis, json.dumps(squat))  # before the real one exists
    alice = keyed(tmp_path, fresh_redis, "alice", ALICE)
    assert [e.verified for e in await alice.sync()] == [False]
    # alice's console sees the alert fire: its own entry with that id is recorded and sent
    alice.add("alert_firing", "critical GenesisOrchestratorDown firing", entry_id=real_id)
    assert [e.id for e in alice.pending] == [real_id]
    await alice.sync()
    write_raw(fresh_redis, json.dumps({**squat, "text": "a second squat, after it"}))
    bob = keyed(tmp_path, fresh_redis, "bob", BOB)
    await bob.sync()
    for timeline in (alice, bob):
        await timeline.sync()
        (entry,) = [e for e in timeline.entries() if e.id == real_id]
        assert entry.text == "critical GenesisOrchestratorDown firing"
        assert entry.verified is True
        await timeline.close()


async def test_a_squatter_after_a_redis_restart_does_not_stop_the_resend(tmp_path, fresh_redis):
    alice = keyed(tmp_path, fresh_redis, "alice", ALICE)
    note = alice.add("note", "rolled back deploy 42")
    await alice.sync()
    fresh_redis.kill()  # no persistence: the stream is gone
    fresh_redis.start()
    write_raw(fresh_redis, json.dumps(forged(note.id, "note", "nothing was rolled back")))
    await alice.sync()  # a new server: alice sends again what it lacks
    bob = keyed(tmp_path, fresh_redis, "bob", BOB)
    await bob.sync()
    (entry,) = [e for e in bob.entries() if e.id == note.id]
    assert (entry.text, entry.verified) == ("rolled back deploy 42", True)
    await alice.close()
    await bob.close()


async def test_without_a_key_every_entry_counts_as_before(tmp_path, fresh_redis):
    from console.timeline import render_json, render_markdown

    write_raw(fresh_redis, *(json.dumps(f) for f in FORGERIES))
    bob = console(tmp_path, fresh_redis, "bob", BOB)
    assert {e.verified for e in await bob.sync()} == {None}
    text = render_markdown(bob.entries(), title="t")
    assert "incident classes P0" in text and "1 action (1 ok)" in text
    assert "unverified" not in text
    assert all("verified" not in e for e in json.loads(render_json(bob.entries())))
    await bob.close()


def test_the_export_counts_our_audit_log_and_not_forgeries(
    tmp_path, fresh_redis, capsys, monkeypatch
):
    from console.audit import AuditLog
    from console.clock import format_rfc3339

    monkeypatch.setenv("GENESIS_WARROOM_KEY", KEY)
    write_raw(fresh_redis, *(json.dumps(f) for f in FORGERIES))
    AuditLog(paths.default_audit_file()).append(
        {
            "time": format_rfc3339(time.time() - 60),
            "user": "carol",
            "host": "ops3",
            "action": "cache_clear",
            "outcome": "ok",
            "message": "cache cleared",
        }
    )
    code, out, err = cli_timeline(tmp_path, fresh_redis, capsys)
    assert code == 0, err
    assert "1 action (1 ok)" in out and "3 unverified entries not counted" in out
    assert "**ACTION** cache\\_clear: ok (cache cleared)" in out
    assert "**ACTION** _(unverified)_ restart genesis-orchestrator: ok" in out
    assert KEY not in out + err


# ------------------------------------------------------------------ 8. the restart lock

NIGHT = 1795748400.0  # 2026-11-27 03:00:00 UTC


def lock_for(server, clock=None):
    from console.clock import FrozenClock
    from console.warroom import WarRoomLock

    return WarRoomLock(url(server), clock=(clock or FrozenClock(NIGHT)).time)


async def test_the_lock_names_its_holder_at_the_time_of_the_injected_clock(fresh_redis):
    from console.actions.runner import ActionBusy
    from console.warroom import lock_key

    first, second = lock_for(fresh_redis), lock_for(fresh_redis)
    async with first("restart", "Restart genesis-orchestrator"):
        client = redis_of(fresh_redis)
        held = json.loads(client.get(lock_key("restart")))
        client.close()
        assert held["since"] == NIGHT
        with pytest.raises(ActionBusy) as busy:
            async with second("restart", "Restart genesis-orchestrator"):
                pytest.fail("two consoles inside the restart lock")
    assert "is already running Restart genesis-orchestrator (since 03:00:00 UTC)" in str(busy.value)


MALFORMED_HOLDERS = [
    '{"user": "bob", "host": "ops2", "action": "Restart", "since": "yesterday"}',
    '["bob", "ops2"]',
    '"bob"',
    "bob was here",
    "",
    "42",
    "null",
    '{"user": ["bob"], "host": {"a": 1}, "since": 1e999}',
    '{"user": "bob", "host": "ops2", "since": NaN}',
    '{"user": "bob", "host": "ops2", "since": 1e18}',
    '{"user": "bob", "host": null, "action": "Restart", "since": 1795748400}',
    "\xff\xfe not UTF-8",
]


@pytest.mark.parametrize("value", MALFORMED_HOLDERS)
async def test_a_malformed_lock_holder_is_an_unknown_holder(fresh_redis, value):
    from console.actions.runner import ActionBusy
    from console.warroom import lock_key

    client = redis_of(fresh_redis)
    client.set(lock_key("restart"), value.encode("latin-1") if "\xff" in value else value)
    client.close()
    with pytest.raises(ActionBusy) as busy:
        async with lock_for(fresh_redis)("restart", "Restart genesis-orchestrator"):
            pytest.fail("went ahead although another console holds the lock")
    assert "held by an unknown holder" in str(busy.value)


async def test_a_lock_holder_is_shown_as_plain_text(fresh_redis):
    from console.actions.runner import ActionBusy
    from console.warroom import lock_key

    holder = {
        "user": "bob\x1b[2J",
        "host": "ops2[link=https://x]",
        "ssh_client": "10.0.0.9",
        "action": "Restart\n\u202e",
        "since": NIGHT,
    }
    client = redis_of(fresh_redis)
    client.set(lock_key("restart"), json.dumps(holder))
    client.close()
    with pytest.raises(ActionBusy) as busy:
        async with lock_for(fresh_redis)("restart", "Restart genesis-orchestrator"):
            pass
    message = str(busy.value)
    assert "\x1b" not in message and "\n" not in message
    assert "bob\\x1b[2J@ops2[link=https://x] from 10.0.0.9" in message
