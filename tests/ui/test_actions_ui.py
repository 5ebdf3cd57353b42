"""Actions against the demo world (no real server needed): prompts, pastes, the escalation offer."""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec
import pytest
from textual import events
from textual.widgets import Button, Input

from console.config import AuditConfig, EscalationConfig
from console.ui.screens.confirm import ConfirmScreen
from tests.pilot import toasts as drawn_toasts
from tests.pilot import wait_until

WRITE_MARKER = "import sys; open(sys.argv[1], 'a').write('ran\\n'); sys.exit(int(sys.argv[2]))"


def restarts(marker: Path) -> int:
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def console(
    demo_app,
    tmp_path: Path,
    *,
    exit_code: int = 0,
    scenario: str = "orchestrator-down",
    environment: str | None = None,
    name: str | None = None,
    tweak=lambda config: config,
):
    """A demo app whose restart command appends to a marker file, auditing into tmp_path.

    `environment` and `name` set `environment` and `orchestrator.name` (production asks
    for the name to be typed); `tweak` changes the config further.
    """
    changes = {"environment": environment} if environment else {}

    def marker(config):
        return tweak(
            msgspec.structs.replace(
                config,
                orchestrator=msgspec.structs.replace(
                    config.orchestrator,
                    name=name or config.orchestrator.name,
                    restart_command=[
                        sys.executable,
                        "-c",
                        WRITE_MARKER,
                        str(tmp_path / "restarted.txt"),
                        str(exit_code),
                    ],
                    ready_deadline_seconds=1.0,
                ),
            )
        )

    return demo_app(
        scenario, audit=AuditConfig(path=str(tmp_path / "audit.jsonl")), tweak=marker, **changes
    )


def notifications(app) -> list[str]:
    return [n.message for n in app.told]


@pytest.fixture(autouse=True)
def no_escalation(monkeypatch):
    monkeypatch.delenv("GENESIS_PAGERDUTY_ROUTING_KEY", raising=False)
    monkeypatch.delenv("GENESIS_SLACK_WEBHOOK_URL", raising=False)


@pytest.mark.parametrize("key", ["r", "c", "m"])
async def test_enter_on_a_fresh_prompt_cancels_because_cancel_has_the_focus(
    demo_app, tmp_path, key
):
    app = console(demo_app, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.focused is app.screen.query_one("#cancel", Button)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("Cancelled" in n for n in notifications(app))
    assert restarts(tmp_path / "restarted.txt") == 0


async def test_a_pasted_name_is_not_a_confirmation_in_production(demo_app, tmp_path):
    """In production a paste reaches the focused name field (TypedInput), and is refused
    there: the field stays empty whatever is pasted, and enter does not confirm."""
    app = console(demo_app, tmp_path, environment="production")
    name = app.config.orchestrator.name
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = confirm_screen(app)
        field = screen.query_one("#typed", Input)
        assert screen.focused is field  # so a terminal paste is delivered to the field
        for text in ("y", "y\r", name, name + "\r"):
            app.post_message(events.Paste(text))
        await pilot.pause(0.2)
        assert field.value == ""
        app.copy_to_clipboard(name)  # the console's own clipboard, pasted with ctrl+v
        await pilot.press("ctrl+v")
        await pilot.pause()
        assert field.value == ""
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.screen is screen
        assert any("paste does not count" in n for n in notifications(app))
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
    assert restarts(tmp_path / "restarted.txt") == 0


async def test_a_pasted_y_is_not_a_confirmation(demo_app, tmp_path):
    """The light confirmation answers the y key only: a pasted y (with or without a
    return) neither confirms nor cancels, whatever has the focus."""
    app = console(demo_app, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = confirm_screen(app)
        for focus in ("#cancel", "#confirm"):
            screen.query_one(focus, Button).focus()
            await pilot.pause()
            for text in ("y", "Y", "y\r", "\r", "yes\n"):
                app.post_message(events.Paste(text))
            await pilot.pause(0.2)
            assert app.screen is screen, f"a paste answered the prompt (focus on {focus})"
        assert restarts(tmp_path / "restarted.txt") == 0
        screen.query_one("#cancel", Button).focus()
        await pilot.press("y")  # the key itself still confirms: the test can tell them apart
        await wait_until(
            pilot, lambda: restarts(tmp_path / "restarted.txt") == 1, 10, "y to run the restart"
        )
    assert restarts(tmp_path / "restarted.txt") == 1


def confirm_screen(app) -> ConfirmScreen:
    assert isinstance(app.screen, ConfirmScreen), type(app.screen).__name__
    return app.screen


def key_events(text: str) -> list[events.Key]:
    """The key events a terminal sends for `text` typed on the keyboard."""
    from textual.keys import _character_to_key

    return [events.Key(ch if ch.isalnum() else _character_to_key(ch), ch) for ch in text]


async def burst(pilot, text: str) -> None:
    """Every key of `text` queued at once, as tmux send-keys or a slow SSH link delivers them."""
    driver = pilot.app._driver
    for event in key_events(text):
        event.set_sender(pilot.app)
        driver.send_message(event)
    await pilot.pause()


@pytest.mark.parametrize("name", ["genesis-orchestrator", "nightly-runner", "yardmaster"])
@pytest.mark.parametrize("how", ["burst", "press"])
async def test_production_takes_the_whole_name_typed_in_one_burst(demo_app, tmp_path, name, how):
    app = console(demo_app, tmp_path, environment="production", name=name)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await pilot.press("r")
        await pilot.pause()
        screen = confirm_screen(app)
        field = screen.query_one("#typed", Input)
        assert screen.focused is field  # the name field has the focus from the start
        if how == "burst":
            await burst(pilot, name)
        else:
            await pilot.press(*name)  # every letter at once, no pause between them
            await pilot.pause()
        assert field.value == name
        await pilot.press("enter")
        await wait_until(pilot, lambda: restarts(tmp_path / "restarted.txt") == 1, 5, "restart")
    assert restarts(tmp_path / "restarted.txt") == 1


async def test_production_enter_on_a_wrong_name_runs_nothing_and_clears_the_field(
    demo_app, tmp_path
):
    app = console(demo_app, tmp_path, environment="production")
    name = app.config.orchestrator.name
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = confirm_screen(app)
        field = screen.query_one("#typed", Input)
        for wrong in ("y", "n", name[:-1], name + "x", " " + name):
            await burst(pilot, wrong)
            assert field.value == wrong
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen, wrong
            assert field.value == "", wrong
            assert screen.focused is field
        assert sum("nothing ran" in n for n in notifications(app)) == 5
        await pilot.pause(0.2)
    assert restarts(tmp_path / "restarted.txt") == 0


@pytest.mark.parametrize("how", ["escape", "button"])
async def test_production_escape_and_the_cancel_button_cancel(demo_app, tmp_path, how):
    app = console(demo_app, tmp_path, environment="production")
    name = app.config.orchestrator.name
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        field = confirm_screen(app).query_one("#typed", Input)
        await burst(pilot, name)
        if how == "escape":
            await pilot.press("escape")
        else:
            await pilot.click("#cancel")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert field.value == name  # cancelled, not submitted
        assert any("Cancelled" in n for n in notifications(app))
        await pilot.pause(0.2)
    assert restarts(tmp_path / "restarted.txt") == 0


async def test_three_failed_restarts_say_escalate_even_without_escalation_configured(
    demo_app, tmp_path
):
    # the demo's own receiver is configured; a console whose escalation is not, is this one
    app = console(
        demo_app,
        tmp_path,
        exit_code=1,
        tweak=lambda config: msgspec.structs.replace(config, escalation=EscalationConfig()),
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        for attempt in (1, 2, 3):
            await pilot.press("r")
            await pilot.pause()
            await pilot.press("y")
            await wait_until(
                pilot,
                lambda n=attempt: (
                    restarts(tmp_path / "restarted.txt") == n and not app.runner.running
                ),
                5,
                f"attempt {attempt}",
            )
            await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)  # nothing to send, so no prompt
        offer = next(n for n in notifications(app) if "failed 3 times" in n)
        assert "escalate" in offer
        assert "escalation is not configured" in offer
        assert "GENESIS_PAGERDUTY_ROUTING_KEY" in offer


async def test_restart_in_the_demo_brings_the_orchestrator_back_and_is_audited(demo_app, tmp_path):
    from console.demo.world import RESTART_SECONDS

    app = demo_app(
        "orchestrator-down", offset=60, audit=AuditConfig(path=str(tmp_path / "audit.jsonl"))
    )
    world = app.demo_stack.world
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        assert app.state.results["orchestrator"].status.name == "CRITICAL"
        await pilot.press("r")
        await pilot.pause()
        assert "console.demo.restart" in "\n".join(app.screen.plan.lines)
        await pilot.press("y")
        await wait_until(pilot, lambda: world.restarts, 5, "the demo supervisor restarted it")
        app.clock.advance(RESTART_SECONDS + 1)  # the process is back
        await wait_until(pilot, lambda: not app.runner.running, 5, "restart finished")
        await app.poll_once()
        assert app.state.results["orchestrator"].status.name == "OK"
    (record,) = list(app.runner.audit.records())
    assert (record["action"], record["outcome"]) == ("restart", "ok")
    assert "ready again" in record["message"]
    assert any("ready again" in n for n in notifications(app))


async def test_a_failing_restart_whose_output_looks_like_markup_is_reported_literally(
    demo_app, tmp_path
):
    noisy = "import sys; print('[/bold] unit [red]genesis[/red] failed'); sys.exit(1)"
    app = console(
        demo_app,
        tmp_path,
        tweak=lambda config: msgspec.structs.replace(
            config,
            orchestrator=msgspec.structs.replace(
                config.orchestrator, restart_command=[sys.executable, "-c", noisy]
            ),
        ),
    )
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: app.runner.audit.path.exists(), 5, "restart finished")
        await pilot.pause(0.2)
        assert app.is_running
        toasts = drawn_toasts(app)  # as drawn: markup in them would be styled away
        assert any("[/bold] unit [red]genesis[/red] failed" in t for t in toasts), toasts
        bar = str(app.query_one("#action-bar").render())
        assert "[/bold] unit [red]genesis[/red] failed" in bar


async def test_a_waiting_confirmation_does_not_redraw_its_cursor(demo_app, tmp_path):
    """A confirmation left open costs nothing while it waits (issue 13): the typed-name
    field's cursor is a steady cell, drawn, not blinking (a redraw twice a second in
    every tmux window the prompt is open in)."""
    app = console(demo_app, tmp_path, environment="production")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        field = confirm_screen(app).query_one("#typed", Input)
        await pilot.press("g", "e")
        await pilot.pause()
        lines = [field.render_line(0)]
        for _ in range(4):
            await pilot.pause(0.3)
            lines.append(field.render_line(0))
        # the same cells and styles every time: the cursor cell is there, and stays
        assert lines == [lines[0]] * 5 and lines[0].text.startswith("ge")
        unfocused = field.render_line(0)
        field.blur()
        await pilot.pause()
        assert field.render_line(0) != unfocused  # the cursor cell was drawn while focused
