"""Restart commands that start a daemon: success when the command exits 0, and the daemon lives."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import msgspec
import pytest

from tests.pilot import wait_until


def bar_text(app) -> str:
    return str(app.query_one("#action-bar").render())


def restart_with(argv: list[str], timeout: float):
    """A config tweak: this restart command, stopped after `timeout` seconds."""

    def tweak(config):
        return msgspec.structs.replace(
            config,
            orchestrator=msgspec.structs.replace(
                config.orchestrator,
                restart_command=argv,
                restart_timeout_seconds=timeout,
                ready_deadline_seconds=5.0,
            ),
        )

    return tweak


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def daemon_pid(tmp_path):
    """The pid the restart command's background child writes, killed after the test."""
    pidfile = tmp_path / "daemon.pid"
    pids: list[int] = []

    def read() -> int:
        pids.append(int(pidfile.read_text()))
        return pids[-1]

    read.file = pidfile
    yield read
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


async def test_a_restart_that_leaves_a_daemon_running_succeeds_and_the_daemon_lives(
    demo_app, daemon_pid
):
    # like `nohup genesis-orchestrator &`: the daemon keeps the command's stdout open, and
    # writes to it after the command has exited (a closed pipe would kill it with SIGPIPE)
    daemon = "sleep 1.5; echo listening on :8000; exec sleep 30"
    script = f"({daemon}) & echo $! > {daemon_pid.file}; echo started"
    app = demo_app("healthy", tweak=restart_with(["sh", "-c", script], timeout=3.0))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: daemon_pid.file.exists(), 5, "the command ran")
        await wait_until(pilot, lambda: "Restart" in bar_text(app), 5, "started")
        await wait_until(pilot, lambda: not app.runner.running, 8, "the restart finished")
        bar = bar_text(app)
        assert "ready again" in bar, bar
        assert "did not finish" not in bar
        (record,) = list(app.runner.audit.records())
        assert record["outcome"] == "ok"
        await pilot.pause(2.0)  # past the daemon's first write
        assert alive(daemon_pid())  # what it launched is never killed after it exited 0


async def test_a_restart_command_that_never_exits_is_stopped_with_what_it_started(
    demo_app, daemon_pid
):
    script = f"sleep 30 & echo $! > {daemon_pid.file}; sleep 30"
    app = demo_app("healthy", tweak=restart_with(["sh", "-c", script], timeout=1.0))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: daemon_pid.file.exists(), 5, "the command ran")
        await wait_until(pilot, lambda: not app.runner.running, 5, "the restart gave up")
        assert "did not finish within 1s and was stopped" in bar_text(app)
        await wait_until(pilot, lambda: not alive(daemon_pid()), 2, "its children stopped")
