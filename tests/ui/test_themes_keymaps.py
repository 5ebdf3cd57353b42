"""Themes, keymaps, help and terminal life (issue 5)."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pytest
from textual.widgets import DataTable

from console.cli import main
from console.commands import _appearance
from console.config import Config, ConfigError
from console.ui.keymaps import DEFAULT_KEYS, keymap_files, load_keymap, split_keys
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.confirm import ConfirmScreen
from console.ui.screens.help import HelpScreen
from console.ui.themes import load_theme, load_themes

BUNDLED_THEMES = ["colorblind", "daylight", "monochrome", "war-room"]


def user_folder(kind: str) -> Path:
    from console import paths

    folder = paths.user_dir(kind)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def options(**kw) -> Namespace:
    return Namespace(theme=kw.get("theme"), keymap=kw.get("keymap"), read_only=False)


# -- themes ------------------------------------------------------------------------------


def test_every_bundled_theme_loads_with_every_status_variable():
    themes = load_themes()
    assert sorted(themes) == BUNDLED_THEMES
    for theme in themes.values():
        for variable in (
            "severity-critical",
            "severity-warning",
            "status-ok",
            "status-at-risk",
            "status-breached",
            "status-stale",
            "status-unknown",
            "production-cue",
        ):
            assert variable in theme.variables


def test_a_user_theme_overrides_the_bundled_one_of_the_same_name():
    (user_folder("themes") / "war-room.yaml").write_text('name: war-room\nprimary: "#123456"\n')
    assert load_themes()["war-room"].primary == "#123456"


@pytest.mark.parametrize(
    ("text", "key", "phrase"),
    [
        ("name: broken\nprimary: #123456\n", "primary", "quote it"),
        ('name: broken\nprimary: "not-a-colour"\n', "primary", "not a colour"),
        ('name: broken\nprimary: "#123456"\nsparkle: "#fff"\n', "sparkle", "unknown key"),
        (
            'name: broken\nprimary: "#123456"\nvariables:\n  status-ok: "blurple"\n',
            "variables.status-ok",
            "not a colour",
        ),
    ],
)
def test_a_broken_user_theme_is_reported_with_file_and_key(text, key, phrase, capsys):
    path = user_folder("themes") / "broken.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_theme(path)
    assert caught.value.key == key and phrase in caught.value.message
    # the app refuses to start with it, naming file and key, no traceback
    assert main(["demo", "--theme", "broken"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and key in err and "Traceback" not in err
    assert main(["validate", str(path)]) == 2


def test_no_color_selects_monochrome(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    _, name, _ = _appearance(Config(), options())
    assert name == "monochrome"
    monkeypatch.delenv("NO_COLOR")
    assert _appearance(Config(), options())[1] == "war-room"
    assert _appearance(Config(), options(theme="daylight"))[1] == "daylight"


async def test_the_command_palette_switches_theme_live(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await pilot.pause()
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        for title in (
            "Theme: daylight",
            "Restart the orchestrator (r)",
            "Silences (S)",
            "Escalate (e)",
            "Maintenance silence (m)",
            "Clear the cache (c)",
            "Silence the selected alert (s)",
            "Help (?)",
        ):
            assert title in commands
        commands["Theme: daylight"].callback()
        await pilot.pause()
        await pilot.pause()
        assert app.theme == "daylight"
        assert app.theme_variables["status-breached"] == "#C62828"
        cell = app.query_one(AlertsPane).query_one(DataTable).get_row_at(0)[0]
        assert "#c62828" in str(cell.style).lower()


# -- keymaps -----------------------------------------------------------------------------


def test_bundled_keymaps_avoid_the_tmux_prefixes_and_vim_reflexes():
    assert {"default", "vim"} <= set(keymap_files())
    for name in ("default", "vim"):
        keys = {k for v in load_keymap(name).values() for k in split_keys(v)}
        assert not keys & {"ctrl+b", "ctrl+a"}
    vim = load_keymap("vim")
    reflexes = {"r", "c", "s", "m", "e", "n", "x", "d", "u", "p", "i", "a", "o", "S", "C", "R"}
    for action in (
        "restart",
        "cache_clear",
        "silence",
        "maintenance",
        "escalate",
        "note",
        "silences",
    ):
        assert not set(split_keys(vim[action])) & reflexes, action
    assert (vim["nav_down"], vim["nav_up"], vim["nav_top"], vim["nav_bottom"]) == (
        "j",
        "k",
        "g",
        "G",
    )


def test_a_conflicting_user_keymap_refuses_to_start_naming_both(capsys):
    (user_folder("keymaps") / "mine.yaml").write_text('restart: "q"\n')
    with pytest.raises(ConfigError) as caught:
        load_keymap("mine")
    assert "'quit'" in str(caught.value) and "'restart'" in str(caught.value)
    assert main(["demo", "--keymap", "mine"]) == 2
    err = capsys.readouterr().err
    assert "restart" in err and "quit" in err and "bound twice" in err


def test_an_unknown_binding_id_is_an_error_naming_it():
    (user_folder("keymaps") / "typo.yaml").write_text('restrat: "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_keymap("typo")
    assert caught.value.key == "restrat" and caught.value.line == 1


async def test_a_user_keymap_moves_restart(demo_app):
    (user_folder("keymaps") / "mine.yaml").write_text('restart: "x"\n')
    app = demo_app("healthy", offset=10, keymap="mine")
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.plan.kind == "restart"
        await pilot.press("escape")
        await pilot.pause()
        # the help tells the truth about the moved key
        rows = {binding_id: keys for keys, _, binding_id in app.help_rows()}
        assert rows["restart"] == "x"


async def test_vim_keys_move_and_reflex_keys_do_nothing(demo_app):
    app = demo_app("orchestrator-down", offset=150, keymap="vim")
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await pilot.pause()
        table = app.query_one(AlertsPane).query_one(DataTable)
        table.focus()
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        for key in ("r", "c", "s", "m", "e", "n"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.screen_stack[0], key
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)


async def test_help_is_generated_from_the_active_keymap(demo_app):
    app = demo_app("healthy", offset=10, keymap="vim")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {binding_id: keys for keys, _, binding_id in app.screen.rows}
        assert rows["restart"] == "f2" and rows["nav_down"] == "j"
        assert set(DEFAULT_KEYS) - {"note"} <= set(rows)


# -- terminal life -----------------------------------------------------------------------


async def test_a_new_critical_alert_rings_once(demo_app):
    rung: list[str] = []  # what reaches the terminal
    app = demo_app("orchestrator-down", offset=110, terminal_sink=rung.extend)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()  # HighFailureRate (warning) only: primes, never rings
        assert rung == []
        app.clock.advance(15)  # GenesisOrchestratorDown fires at 120 s
        await app.poll_once()
        writes = list(rung)
        assert writes[0] == "\x07"
        # the environment is named, so a demo's notification never passes for a real one
        title = "GENESIS critical (demo): GenesisOrchestratorDown"
        assert any(w.startswith(f"\x1b]9;{title}") for w in writes)
        assert any(w.startswith(f"\x1b]777;notify;{title};") for w in writes)
        app.clock.advance(3)  # still before CriticalFailureRate fires at 130 s
        await app.poll_once()
        assert rung == writes  # rate-limited: the same alert rings once
        await pilot.pause()


async def test_notifications_can_be_turned_off(demo_app):
    from console.config import NotificationsConfig

    rung: list[str] = []
    app = demo_app(
        "orchestrator-down",
        offset=110,
        notifications=NotificationsConfig(bell=False, desktop=False),
        terminal_sink=rung.extend,
    )
    async with app.run_test(size=(120, 36)):
        await app.poll_once()
        app.clock.advance(15)
        await app.poll_once()
        assert rung == []


async def test_the_layout_follows_a_resize(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.poll_once()
        await pilot.pause()
        panes = app.query_one("#panes")
        alerts, sla = app.query_one("#alerts"), app.query_one("#sla")
        assert app.screen.has_class("-wide")
        assert sla.region.x > alerts.region.x  # side by side
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.screen.has_class("-narrow")
        assert sla.region.y > alerts.region.y and sla.region.x == alerts.region.x  # stacked
        assert all(p.region.width > 0 and p.region.height > 2 for p in panes.children)
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert app.screen.has_class("-wide")
        assert sla.region.x > alerts.region.x


def test_the_duplicate_key_check_compares_normalised_keys(tmp_path):
    from console.config import ConfigError
    from console.ui.keymaps import parse_keymap

    path = tmp_path / "mine.yaml"
    path.write_text('filter: "f1"\nsort_next: "/"\nhelp: "slash"\n')
    try:
        parse_keymap(path)
    except ConfigError as exc:
        assert "sort_next" in str(exc) and "help" in str(exc)
    else:
        raise AssertionError("'/' and 'slash' are one key: bound twice must be refused")


def test_keys_of_the_silences_view_are_checked_within_the_view(tmp_path):
    """x expires a silence only inside the silences view: a main-screen key may reuse it,
    but two keys of the view may not share one."""
    from console.config import ConfigError
    from console.ui.keymaps import parse_keymap

    path = tmp_path / "mine.yaml"
    path.write_text('restart: "x"\nsilence_extend: "ctrl+e"\n')
    merged = parse_keymap(path)
    assert merged["restart"] == "x" and merged["silence_expire"] == "x"
    path.write_text('silence_expire: "E"\n')
    try:
        parse_keymap(path)
    except ConfigError as exc:
        assert "silence_expire" in str(exc) and "expired_window" in str(exc)
    else:
        raise AssertionError("two keys of the silences view on E must be refused")


def test_vim_keeps_g_for_top_and_moves_group_and_ack_off_vim_reflexes():
    vim = load_keymap("vim")
    assert vim["nav_top"] == "g" and vim["nav_bottom"] == "G"
    reflexes = {"a", "A", "g", "G", "i", "o", "x", "d", "u", "p", "r", "c", "s", "/", "slash"}
    assert not set(split_keys(vim["ack"])) & reflexes
    assert not set(split_keys(vim["group"])) & reflexes
    default = load_keymap("default")
    assert (default["ack"], default["group"]) == ("a", "g")
