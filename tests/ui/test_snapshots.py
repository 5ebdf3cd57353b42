"""Snapshots of the console against the demo world at a frozen moment.

Look at every changed SVG before accepting it (`--snapshot-update`).
"""

from __future__ import annotations

import pytest


async def _poll(pilot) -> None:
    await pilot.app.poll_once()
    await pilot.pause()
    # the panes' heights follow their content: settle the layout, then the border notes
    await pilot.pause()
    pilot.app.main.tick()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_orchestrator_down(snap_compare, demo_app, size):
    app = demo_app("orchestrator-down", offset=150)
    assert snap_compare(app, terminal_size=size, run_before=_poll)


def test_healthy_wide(snap_compare, demo_app):
    app = demo_app("healthy", offset=200)
    assert snap_compare(app, terminal_size=(160, 48), run_before=_poll)


def test_help_screen(snap_compare, demo_app):
    app = demo_app("healthy", offset=10)
    assert snap_compare(app, terminal_size=(100, 32), press=["question_mark"], run_before=_poll)


@pytest.mark.parametrize("theme", ["war-room", "daylight", "colorblind", "monochrome"])
def test_every_bundled_theme(snap_compare, demo_app, theme):
    app = demo_app("orchestrator-down", offset=150, theme=theme)
    assert snap_compare(app, terminal_size=(120, 36), run_before=_poll)


@pytest.mark.parametrize("keymap", ["default", "vim"])
def test_help_in_each_keymap(snap_compare, demo_app, keymap):
    app = demo_app("healthy", offset=10, keymap=keymap)
    assert snap_compare(app, terminal_size=(100, 40), press=["question_mark"], run_before=_poll)


def test_production_cue(snap_compare, demo_app):
    app = demo_app("orchestrator-down", offset=150, environment="production")
    assert snap_compare(app, terminal_size=(120, 36), run_before=_poll)
