"""First run: with no config file the TUI still runs, and its header says how to make one."""

from __future__ import annotations

import io

from rich.console import Console

from console import commands, paths
from console.cli import main
from console.ui.header import StatusHeader


def header_text(app) -> str:
    console = Console(width=400, record=True, color_system=None, file=io.StringIO())
    console.print(app.query_one(StatusHeader).content)
    return console.export_text()


def built_app(monkeypatch, argv: list[str]):
    """The app `genesis-console ARGV` would run (not polling: this is about the header)."""
    apps = []

    def keep(app):
        apps.append(app)
        return 0

    monkeypatch.setattr(commands, "_run_app", keep)
    assert main(argv) == 0
    app = apps[0]
    app.autostart = False
    return app


async def test_without_a_config_the_header_says_where_one_is_expected(monkeypatch):
    app = built_app(monkeypatch, [])
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        text = header_text(app)
    assert str(paths.default_config_file()) in text
    assert "genesis-console init" in text and "localhost defaults" in text
    assert app.config.orchestrator.url == "http://localhost:8000"


async def test_with_a_config_there_is_no_hint_and_no_environment_switch(monkeypatch):
    assert main(["init"]) == 0
    app = built_app(monkeypatch, [])
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        text = header_text(app)
        offered = [command.title for command in app.get_system_commands(app.screen)]
    assert "init" not in text
    assert not [title for title in offered if title.startswith("Switch environment")]


async def test_the_palette_offers_the_other_environments(monkeypatch, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("environments:\n  production: {}\n  staging: {}\n  dev: {}\n")
    app = built_app(monkeypatch, ["--config", str(path), "--env", "staging"])
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        offered = [command.title for command in app.get_system_commands(app.screen)]
        text = header_text(app)
    switches = [title for title in offered if title.startswith("Switch environment")]
    assert switches == ["Switch environment: production", "Switch environment: dev"]
    assert "staging" in text and "PRODUCTION" not in text
