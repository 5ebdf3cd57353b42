"""The cycle collector is off only while a command starts (issue 13: first paint): a
command that never opens the TUI runs with it on, and nothing leaves it off."""

from __future__ import annotations

import gc
from argparse import Namespace
from collections.abc import Iterator

import pytest

from console import commands, startup
from console.cli import main


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


def test_a_command_without_the_tui_runs_with_the_collector_on(monkeypatch):
    seen: list[bool] = []

    def validate(options: Namespace) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(commands, "validate", validate)
    assert main(["validate"]) == 0
    assert seen == [True]
    assert gc.isenabled()


def test_a_tui_that_stops_before_its_first_frame_leaves_the_collector_on(monkeypatch):
    seen: list[bool] = []

    def demo(options: Namespace) -> int:
        seen.append(gc.isenabled())  # paused while the TUI starts
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "demo", demo)
    assert main(["demo"]) == 130
    assert seen == [False]
    assert gc.isenabled()


def test_the_first_frame_resumes_a_pause_and_freezes_what_lives():
    startup.pause()
    assert not gc.isenabled()
    startup.resume(freeze=True)
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    startup.resume(freeze=True)  # twice is harmless
    assert gc.isenabled()


def test_without_a_pause_resume_leaves_the_collector_alone():
    gc.disable()  # e.g. a test harness that turned it off itself
    startup.resume(freeze=True)
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
