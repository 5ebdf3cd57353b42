"""A console among hostile peers: what others write to the war-room stream of a real Redis."""

from __future__ import annotations

import json
import time

import pytest

from console.config import WarroomConfig
from console.timeline import STREAM_KEY
from tests.integration import fixtures_datastores
from tests.pilot import toasts as drawn_toasts
from tests.pilot import wait_until
from tests.ui.conftest import NIGHT

pytestmark = pytest.mark.stack

#: a real Redis of each test's own (the integration fixture)
fresh_redis = fixtures_datastores.fresh_redis

MALLORY = {"user": "mallory", "host": "ops9", "ssh_client": None}


def redis_of(server):
    import redis

    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=2)


def write_raw(server, *entries: dict | str) -> None:
    """Put entries on the stream as anyone with Redis access can (no console involved)."""
    client = redis_of(server)
    try:
        for entry in entries:
            payload = entry if isinstance(entry, str) else json.dumps(entry)
            client.xadd(STREAM_KEY, {"entry": payload})
    finally:
        client.close()


def peer_note(entry_id: str, text: str, at: float = NIGHT - 60) -> dict:
    return {"id": entry_id, "time": at, "kind": "note", "who": MALLORY, "text": text, "data": {}}


def war_room_app(demo_app, tmp_path, server, **warroom):
    url = f"redis://127.0.0.1:{server.port}/0"
    # a real war room: not the demo's sandbox, which never reaches a Redis
    app = demo_app(
        "healthy", offset=10, sandboxed=False, warroom=WarroomConfig(redis_url=url, **warroom)
    )
    app.timeline.local_path = tmp_path / "timeline.jsonl"
    return app


async def synced(pilot, app, what: str) -> None:
    """Sync until the war room's toasts show something: a sync already under way (the
    console's own, on its interval) may have read the stream just before the write."""
    deadline = time.monotonic() + 10
    while not war_room_toasts(app):
        assert time.monotonic() < deadline, f"not within 10s: {what}"
        await app.warroom.sync()
        await pilot.pause(0.05)


async def joined(pilot, app) -> None:
    """Wait until the console has read the war room once (its first sync is done)."""
    await wait_until(pilot, lambda: app.warroom.joined, 10, "the war room")


def toasts(app) -> list[tuple[str, str]]:
    """(title, message) of everything the console told the user."""
    return [(n.title, n.message) for n in app.told]


MARKUP_NOTES = [
    "[link=https://x]runbook[/link]",  # invalid Textual markup: MarkupError
    "[reverse][bold red]ALL CLEAR",  # valid markup: would be drawn styled
    "[@click=app.quit]dismiss[/]",  # an action link: would quit the console
]


async def test_peer_notes_that_look_like_markup_are_shown_literally(
    demo_app, tmp_path, fresh_redis
):
    app = war_room_app(demo_app, tmp_path, fresh_redis)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await joined(pilot, app)
        write_raw(fresh_redis, *(peer_note(f"m{i}", t) for i, t in enumerate(MARKUP_NOTES)))
        await wait_until(pilot, lambda: len(app.timeline.entries()) == 3, 5, "the notes")
        await pilot.pause(0.2)
        assert app.is_running
        # as the toasts are drawn: markup in them would be styled away (or refused)
        shown = [text for text in drawn_toasts(app) if "War room" in text]
        for note in MARKUP_NOTES:
            assert any(note in text for text in shown), (note, shown)
        # and the timeline view shows them as typed
        await pilot.press("t")
        await pilot.pause()
        table = app.screen.query_one("DataTable")
        cells = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        for note in MARKUP_NOTES:
            assert note in cells
    # a console started again reads the same stream and stays up
    again = war_room_app(demo_app, tmp_path, fresh_redis)
    async with again.run_test(size=(120, 36)) as pilot:
        await joined(pilot, again)
        await pilot.pause(0.2)
        assert again.is_running


async def test_impossible_times_from_peers_or_an_old_file_do_not_break_the_view(
    demo_app, tmp_path, fresh_redis
):
    times = ["1e18", "NaN", "Infinity", "-1e15"]
    write_raw(
        fresh_redis,
        *(
            f'{{"id": "evil-{i}", "time": {t}, "kind": "note", "who": {{}}, "text": "when?"}}'
            for i, t in enumerate(times)
        ),
        peer_note("fine", "a real note"),
    )
    app = war_room_app(demo_app, tmp_path, fresh_redis)
    # and a local file an older console saved them to
    app.timeline.local_path.write_text(
        "".join(
            f'{{"id": "old-{i}", "time": {t}, "kind": "note", "who": {{}}, "text": "when?",'
            f' "sync": "remote"}}\n'
            for i, t in enumerate(times)
        )
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await joined(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        assert app.is_running
        table = app.screen.query_one("DataTable")
        cells = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert "a real note" in cells and "when?" not in cells


def flood(server, count: int, start: int = 0) -> None:
    client = redis_of(server)
    try:
        pipe = client.pipeline(transaction=False)
        for n in range(start, start + count):
            entry = peer_note(f"flood-{n}", f"note {n} " + "x" * 1500, at=NIGHT - 3600 + n / 100)
            pipe.xadd(STREAM_KEY, {"entry": json.dumps(entry)})
        pipe.execute()
    finally:
        client.close()


def war_room_toasts(app) -> list[str]:
    return [text for title, text in toasts(app) if title.startswith("War room")]


async def test_a_flood_of_entries_raises_a_summary_not_a_toast_each(
    demo_app, tmp_path, fresh_redis
):
    import time

    flood(fresh_redis, 20_000)
    app = war_room_app(demo_app, tmp_path, fresh_redis)
    async with app.run_test(size=(120, 36)) as pilot:
        await joined(pilot, app)
        await pilot.pause(0.2)
        # joining: the story so far is one line, not thousands of toasts
        (welcome,) = war_room_toasts(app)
        assert "t shows the timeline" in welcome
        assert app.timeline.local_path.stat().st_size < 5_000_000
        # watching: a burst from the peers shows a few and counts the rest
        flood(fresh_redis, 50, start=20_000)
        started = time.monotonic()
        await app.warroom.sync()
        assert time.monotonic() - started < 3
        await pilot.pause(0.2)
        burst = war_room_toasts(app)[1:]
        assert len(burst) == 4, burst
        assert [t.split(":")[1].split()[1] for t in burst[:3]] == ["20047", "20048", "20049"]
        assert "47 more" in burst[3]
        assert app.is_running


KEY = "war-room-ui-key-5e0b1c2d3a4f"


async def test_with_a_key_forged_entries_are_marked_unverified_everywhere(
    demo_app, tmp_path, fresh_redis, monkeypatch
):
    monkeypatch.setenv("GENESIS_WARROOM_KEY", KEY)
    app = war_room_app(demo_app, tmp_path, fresh_redis)
    async with app.run_test(size=(120, 36)) as pilot:
        await joined(pilot, app)
        write_raw(fresh_redis, peer_note("forged-1", "oncall1 restarted: ok"))
        await synced(pilot, app, "the forged entry's toast")
        (toast,) = war_room_toasts(app)
        assert toast == "mallory (unverified): oncall1 restarted: ok"
        await pilot.press("t")
        await pilot.pause()
        table = app.screen.query_one("DataTable")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        (forged,) = [r for r in rows if "oncall1 restarted" in r[3]]
        assert forged[3] == "UNVERIFIED oncall1 restarted: ok"
        status = str(app.screen.query_one("#presence").render())
        assert "signed" in status and "unauthenticated" not in status
        assert "1 unverified" in app.screen.query_one("Vertical").border_title
        assert KEY not in status


async def test_without_a_key_the_view_says_the_room_is_unauthenticated(
    demo_app, tmp_path, fresh_redis, monkeypatch
):
    monkeypatch.delenv("GENESIS_WARROOM_KEY", raising=False)
    app = war_room_app(demo_app, tmp_path, fresh_redis)
    async with app.run_test(size=(120, 36)) as pilot:
        await joined(pilot, app)
        write_raw(fresh_redis, peer_note("peer-1", "a note"))
        await synced(pilot, app, "the note's toast")
        assert war_room_toasts(app) == ["mallory: a note"]
        await pilot.press("t")
        await pilot.pause()
        status = str(app.screen.query_one("#presence").render())
        assert "unauthenticated" in status and "GENESIS_WARROOM_KEY" in status
        table = app.screen.query_one("DataTable")
        cells = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert "a note" in cells and not any("UNVERIFIED" in c for c in cells)


async def test_waiting_on_another_consoles_restart_lock_is_not_a_failed_restart(
    demo_app, tmp_path, fresh_redis, monkeypatch
):
    import sys

    import msgspec

    from console.config import AuditConfig
    from console.warroom import lock_key

    monkeypatch.delenv("GENESIS_PAGERDUTY_ROUTING_KEY", raising=False)
    monkeypatch.delenv("GENESIS_SLACK_WEBHOOK_URL", raising=False)
    marker = tmp_path / "restarted.txt"
    url = f"redis://127.0.0.1:{fresh_redis.port}/0"
    app = demo_app(
        "orchestrator-down",
        warroom=WarroomConfig(redis_url=url),
        audit=AuditConfig(path=str(tmp_path / "audit.jsonl")),
        tweak=lambda config: msgspec.structs.replace(
            config,
            orchestrator=msgspec.structs.replace(
                config.orchestrator,
                restart_command=[
                    sys.executable,
                    "-c",
                    "import sys; open(sys.argv[1], 'a')",
                    str(marker),
                ],
            ),
        ),
    )
    app.timeline.local_path = tmp_path / "timeline.jsonl"
    holders = [
        json.dumps({**MALLORY, "action": "Restart genesis-orchestrator", "since": NIGHT - 90}),
        '{"user": "bob", "host": "ops2", "since": "yesterday"}',
        '["a", "list"]',
        '"a plain string"',
    ]
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        for attempt, holder in enumerate(holders, 1):
            client = redis_of(fresh_redis)
            client.set(lock_key("restart"), holder)
            client.close()
            await pilot.press("r")
            await pilot.pause()
            await pilot.press("y")
            await wait_until(
                pilot,
                lambda n=attempt: len(list(app.runner.audit.records())) == n,
                5,
                f"attempt {attempt} on record",
            )
            await pilot.pause()
        assert not marker.exists()  # nothing ran
        assert app.actions.restart_failures == 0
        said = [text for _, text in toasts(app)]
        assert not any("failed" in text and "times" in text for text in said), said
        assert (
            "mallory@ops9 is already running Restart genesis-orchestrator (since 02:58:30 UTC)"
            in said
        )
        assert sum("held by an unknown holder" in text for text in said) == 3
        assert app.screen.__class__.__name__ != "ConfirmScreen"  # no escalation offered
    outcomes = [r["outcome"] for r in app.runner.audit.records()]
    assert outcomes == ["busy"] * 4
