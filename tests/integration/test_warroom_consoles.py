"""Two consoles on one real Redis: notes, actions and presence travel; a Redis outage loses nothing."""

from __future__ import annotations

import time

from console.ui.screens.timeline import NoteScreen, TimelineScreen
from tests.ui.conftest import DemoApps


async def settle(pilot, app, predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await app.warroom.sync()
        if predicate():
            return
        await pilot.pause(0.2)
    raise AssertionError(f"not within {timeout}s: {what}")


def texts(app) -> list[str]:
    return [e.text for e in app.timeline.entries()]


async def type_note(pilot, app, text: str) -> None:
    await pilot.press("n")
    await pilot.pause()
    assert isinstance(app.screen, NoteScreen)
    await pilot.press(*text)
    await pilot.press("enter")
    await pilot.pause()


async def test_two_consoles_share_notes_actions_and_presence(fresh_redis, tmp_path):
    url = f"redis://127.0.0.1:{fresh_redis.port}/0"
    apps = DemoApps()
    try:
        alice = apps(
            "healthy", offset=10, sandboxed=False, warroom=_warroom(url), refresh_seconds=0.5
        )
        bob = apps(
            "healthy", offset=10, sandboxed=False, warroom=_warroom(url), refresh_seconds=0.5
        )
        alice.timeline.local_path = tmp_path / "alice.jsonl"
        bob.timeline.local_path = tmp_path / "bob.jsonl"
        alice.timeline.console_id, bob.timeline.console_id = "alice-console", "bob-console"
        async with alice.run_test(size=(120, 36)) as a, bob.run_test(size=(120, 36)) as b:
            await type_note(a, alice, "rolled back deploy 42")
            await settle(
                b, bob, lambda: "rolled back deploy 42" in texts(bob), 5, "alice's note at bob"
            )
            assert await bob.timeline.presence() and len(await bob.timeline.presence()) == 2

            # an action on bob's console (a declined one is part of the story too)
            await b.press("r")
            await b.pause()
            await b.press("n")
            await b.pause()
            await settle(
                a,
                alice,
                lambda: any("Restart" in t or "restart" in t for t in texts(alice)),
                5,
                "bob's action at alice",
            )

            # Redis goes away: both keep writing, nothing is lost, nothing doubles
            fresh_redis.kill()
            await type_note(a, alice, "redis down, still noting")
            await type_note(b, bob, "bob noting while offline")
            await alice.warroom.sync()
            assert "offline" in alice.timeline.status
            fresh_redis.start()
            want = {"rolled back deploy 42", "redis down, still noting", "bob noting while offline"}
            await settle(a, alice, lambda: want <= set(texts(alice)), 10, "every note at alice")
            await settle(b, bob, lambda: want <= set(texts(bob)), 10, "every note at bob")
            for app in (alice, bob):
                ids = [e.id for e in app.timeline.entries()]
                assert len(ids) == len(set(ids))

            await a.press("t")
            await a.pause()
            assert isinstance(alice.screen, TimelineScreen)
            assert alice.screen.presence.count("@") == 2  # both consoles (same user here)
            assert alice.screen.entries
    finally:
        apps.stop()


def _warroom(url: str):
    from console.config import WarroomConfig

    return WarroomConfig(redis_url=url)
