"""Issue 15, "why is this muted?" at 80x24 on the demo world: the silences view flags an
active silence that matches no current alert and lists recently expired silences in a
window a key widens; the alert detail names the silence that mutes the alert."""

from __future__ import annotations

from console.clock import FrozenClock
from console.ui.keymaps import load_keymap
from console.ui.screens.confirm import ConfirmScreen
from console.ui.screens.muted import MutedLine
from console.ui.screens.silences import SilencesScreen
from tests.ui.conftest import NIGHT
from tests.ui.test_alert_detail import open_detail
from tests.ui.test_first_hour import screen_text
from tests.ui.test_themes_keymaps import user_folder

HOSTILE = "patch [b]night[/b]\x1b[31m"


def matcher(name: str, value: str) -> dict:
    return {"name": name, "value": value, "isRegex": False, "isEqual": True}


def with_silences(demo_app, **options):
    """The orchestrator-down demo with: a silence expired 32 h ago, one expired 2 h ago,
    an active one on GenesisOrchestratorDown (80 minutes left) and a weekly maintenance
    silence that matches no alert now. The clock moves whole 10-minute cycles, so the
    scenario is where it was."""
    clock = FrozenClock(NIGHT)
    app = demo_app("orchestrator-down", offset=150, clock=clock, **options)
    world = app.demo_stack.world
    ids = {}

    def add(key, name, value, author, comment, length):
        now = clock.time()
        ids[key] = world.add_silence([matcher(name, value)], author, comment, now, now + length)

    add("ancient", "alertname", "OldDeploy", "carol", "deploy", 3600)
    world.expire_silence(ids["ancient"])
    clock.advance(30 * 3600)
    add("recent", "alertname", "HighFailureRate", "dave", "a flaky check", 3600)
    world.expire_silence(ids["recent"])
    clock.advance(2 * 3600)
    add("live", "alertname", "GenesisOrchestratorDown", "alice", HOSTILE, 80 * 60)
    add("weekly", "job", "weekly-maintenance", "bob", "weekly patching", 4 * 3600)
    return app, ids


async def open_view(app, pilot) -> SilencesScreen:
    await app.poll_once()
    await pilot.pause()
    await pilot.press("S")
    await pilot.pause()
    assert isinstance(app.screen, SilencesScreen)
    return app.screen


async def test_the_view_flags_a_silence_that_matches_nothing_and_lists_the_expired(demo_app):
    app, ids = with_silences(demo_app)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_view(app, pilot)
        text = screen_text(app)
        assert "Silences · 2 active · 1 matches nothing" in text
        rows = [line for line in text.splitlines() if "weekly-maintenance" in line]
        assert len(rows) == 1 and "⚠ nothing" in rows[0]
        rows = [line for line in text.splitlines() if "GenesisOrchestratorDown" in line]
        assert len(rows) == 1 and "1 alert" in rows[0] and "1h20m" in rows[0]
        # expired within the last 24 h: the one that ended 2 h ago, not the one of 32 h ago
        assert "Expired in the last 24h: 1 · E looks back 5d" in text
        assert 'alertname="HighFailureRate"' in text and "OldDeploy" not in text
        assert [s.id for s in view.expired] == [ids["recent"]]

        await pilot.press("E")
        await pilot.pause()
        text = screen_text(app)
        assert "Expired in the last 5d: 2 · E looks back 1h" in text
        assert [s.id for s in view.expired] == [ids["recent"], ids["ancient"]]
        await pilot.press("E")
        await pilot.pause()
        text = screen_text(app)
        assert "No silence expired in the last 1h." in text
        assert "HighFailureRate" not in text


async def test_copy_takes_the_focused_section_and_x_leaves_an_expired_silence(demo_app):
    app, ids = with_silences(demo_app)
    async with app.run_test(size=(80, 24)) as pilot:
        copied: list[str] = []
        app.copy_to_clipboard = copied.append
        view = await open_view(app, pilot)
        await pilot.press("Y")
        await pilot.pause()
        # the hostile comment is copied cleaned, the escape made visible
        assert f"ID: {ids['live']}" in copied[-1] and "Matches: 1 current alert" in copied[-1]
        assert "patch [b]night[/b]\\x1b[31m" in copied[-1] and "\x1b" not in copied[-1]
        view.query_one("#expired-table").focus()
        await pilot.press("Y")
        await pilot.pause()
        assert f"ID: {ids['recent']}" in copied[-1] and "Ended: 2h ago" in copied[-1]
        await pilot.press("x")
        await pilot.pause()
        assert app.screen is view  # nothing to confirm: it has already expired
        assert any("already expired" in n.message for n in app.told)
        view.query_one("#silences-table").focus()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)


async def test_read_only_keeps_the_window_key_and_hides_expire_and_extend(demo_app):
    app, _ = with_silences(demo_app, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_view(app, pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "E Expired window" in footer and "Expire " not in footer
        await pilot.press("x")
        await pilot.pause()
        assert app.screen is view
        await pilot.press("E")
        await pilot.pause()
        assert view.expired_within == 5 * 86400
        await pilot.press("escape")
        await pilot.pause()
        help_ids = {row[2] for row in app.help_rows()}
        assert "expired_window" in help_ids
        assert not help_ids & {"silence_expire", "silence_extend"}


async def test_a_keymap_moves_the_window_key(demo_app):
    (user_folder("keymaps") / "mine.yaml").write_text('expired_window: "w"\n')
    app, _ = with_silences(demo_app, keymap="mine")
    assert load_keymap("mine")["expired_window"] == "w"
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_view(app, pilot)
        await pilot.press("E")
        await pilot.pause()
        assert view.expired_within == 86400
        await pilot.press("w")
        await pilot.pause()
        assert view.expired_within == 5 * 86400
        assert "w looks back 1h" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        rows = {binding_id: keys for keys, _, binding_id in app.help_rows()}
        assert rows["expired_window"] == "w" and rows["silence_expire"] == "x"


async def test_the_detail_says_which_silence_mutes_the_alert(demo_app):
    app, ids = with_silences(demo_app)
    async with app.run_test(size=(80, 24)) as pilot:
        copied: list[str] = []
        app.copy_to_clipboard = copied.append
        await app.poll_once()
        await pilot.pause()
        screen = await open_detail(app, pilot, "GenesisOrchestratorDown")
        text = screen_text(app)
        assert "Why it is muted" in text
        assert f"Silence {ids['live'][:8]} by alice, ends in 1h20m: patch [b]night[/b]" in text
        (line,) = screen.query(MutedLine)
        line.focus()
        await pilot.press("Y")
        await pilot.pause()
        assert copied == [ids["live"]]  # the whole id, not the short one shown
