"""Keys and modes (issue 14): ctrl+c quits as on any console, read-only hides what cannot
run, the vim footer reads in order, `+` keeps the silences view, checkboxes read without
colour, one palette entry per thing, and the refresh can be paused and re-timed."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from console.ui.footer import FooterKey
from console.ui.screens.confirm import ConfirmScreen
from console.ui.screens.silence import SilenceScreen
from console.ui.screens.silences import SilencesScreen
from console.ui.screens.timeline import NoteScreen
from tests.pilot import wait_until


def notes(app) -> list[str]:
    return [n.message for n in app.told]


def footer_keys(app) -> list[str]:
    return [key.key for key in app.screen.query(FooterKey)]


async def test_ctrl_c_quits_the_console(demo_app):
    app = demo_app("healthy", offset=10)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not any("to quit" in n for n in notes(app))
    assert app.return_code == 0
    assert not app.is_running


async def test_ctrl_c_in_a_prompt_cancels_it_first_then_quits(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("Cancelled" in n for n in notes(app))
        assert app.is_running
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0


async def test_ctrl_c_copies_a_selection_in_a_text_field(demo_app):
    app = demo_app("healthy", offset=10)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"db failover")
        field = app.screen.query_one(Input)
        field.select_all()
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.clipboard == "db failover"
        assert isinstance(app.screen, NoteScreen) and app.is_running


async def test_read_only_footer_offers_only_what_can_run(demo_app):
    app = demo_app("healthy", offset=10, read_only=True)
    async with app.run_test(size=(160, 36)) as pilot:
        await app.poll_once()
        await pilot.pause()
        keys = footer_keys(app)
        assert not {"r", "c", "s", "m", "e"} & set(keys), keys
        assert "S" in keys and "q" in keys
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, SilencesScreen)
        keys = footer_keys(app)
        assert "x" not in keys and "plus" not in keys, keys
        assert "expire" not in str(app.screen.query_one("#box").border_subtitle)


async def test_the_vim_footer_lists_the_actions_in_order(demo_app):
    app = demo_app("healthy", offset=10, keymap="vim")
    async with app.run_test(size=(200, 36)) as pilot:
        await app.poll_once()
        await pilot.pause()
        keys = [k for k in footer_keys(app) if k.startswith("f")]
        assert keys == sorted(keys, key=lambda k: int(k[1:]))
        assert keys[:8] == [f"f{n}" for n in range(2, 10)]
    default = demo_app("healthy", offset=10)
    async with default.run_test(size=(200, 36)) as pilot:
        await pilot.pause()
        assert footer_keys(default)[:13] == [*"rcsmeS", "slash", *"ntagq", "question_mark"]


async def test_extending_a_silence_keeps_the_view_and_the_cursor(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(160, 40)) as pilot:
        await app.poll_once()
        # two silences: maintenance, and one for the selected alert
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.runner.running, 5, "maintenance silence")
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SilenceScreen)
        await pilot.press(*"investigating", "enter")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.runner.running, 5, "alert silence")
        await app.poll_once()
        await pilot.press("S")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, SilencesScreen) and len(view.silences) == 2
        table = view.query_one(DataTable)
        table.move_cursor(row=1)
        chosen = view.selected()
        await pilot.press("plus")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.runner.running, 5, "extended")
        await app.poll_once()
        await pilot.pause()
        assert app.screen is view
        assert view.selected().id == chosen.id
        assert view.selected().ends_at > chosen.ends_at


async def test_matcher_checkboxes_read_without_colour(demo_app):
    app = demo_app("orchestrator-down", offset=150, theme="monochrome")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.poll_once()
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, SilenceScreen)
        use, regex = form.query_one("#use-0"), form.query_one("#regex-0")
        assert use.render().plain.startswith("▐X▌")
        assert regex.render().plain.startswith("▐ ▌")
        use.value = False
        await pilot.pause()
        assert use.render().plain.startswith("▐ ▌")


async def test_the_palette_has_one_entry_per_thing_in_one_style(demo_app):
    app = demo_app("healthy", offset=10)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Keys" not in titles and "Theme" not in titles  # Help and "Theme: x" instead
        assert len(titles) == len(set(titles))
        assert [t for t in titles if t.startswith("Quit")] == ["Quit (q, ^c)"]
        assert "Pause refresh (Z)" in titles
        descriptions = [description for _, description, _ in app.help_rows()]
        for description in descriptions:
            assert description[1:] == description[1:].lower(), description  # "Page left"


async def test_refresh_pauses_and_changes_interval_live(demo_app):
    app = demo_app("healthy", offset=10, refresh_seconds=2)
    async with app.run_test(size=(160, 36)) as pilot:
        await app.start_polling()
        await wait_until(pilot, lambda: app.state.last_refresh is not None, 5, "first poll")
        await pilot.press("Z")
        await pilot.pause()
        assert app.poller.paused
        assert "PAUSED" in str(app.query_one("#header").render())
        polled = []
        app.poller.on_result = lambda result: polled.append(result)
        # a probe already under way when the pause came may still land (on a busy
        # machine an SLA query takes a while); after that, nothing more
        await wait_until(pilot, lambda: not app.poller.in_flight, 10, "probes to finish")
        polled.clear()
        await pilot.pause(2.5)
        assert polled == []  # nothing polled on the interval while paused
        await pilot.press("Z")
        await wait_until(pilot, lambda: polled, 3, "polling resumed")
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.poller.interval == 5
        assert "every 5s" in str(app.query_one("#header").render())
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.poller.interval == 1


def _burst(app, text: str) -> None:
    """Queue every character of `text` as the terminal would deliver one read (tmux
    send-keys, a fast typist over SSH): all the key events before any is handled."""
    from textual import events

    from console.ui.keymaps import normalise_key

    for ch in text:
        app.post_message(events.Key("space" if ch == " " else normalise_key(ch), ch))


async def test_a_note_typed_in_one_burst_with_its_key_lands_whole_in_the_note(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.poll_once()
        await pilot.pause()
        _burst(app, "nrestarting db, see /runbooks")  # r, s, / and n must not act
        await pilot.pause()
        await pilot.pause()
        assert [type(s).__name__ for s in app.screen_stack] == ["MainScreen", "NoteScreen"]
        assert app.screen.query_one("#note", Input).value == "restarting db, see /runbooks"


async def test_slash_and_n_in_a_text_field_are_letters_not_keys(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.poll_once()
        await pilot.pause()
        await pilot.press("slash")
        _burst(app, "name/n")
        await pilot.pause()
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"
        assert app.focused is not None and getattr(app.focused, "value", None) == "name/n"
