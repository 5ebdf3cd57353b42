"""What reaches the terminal adds up to what the app drew (issue 13).

console.ui.output leaves out of each update what the terminal already shows. In a real
tmux, an app that changes its screen in many ways (values in a table, a gauge text, a
header redrawn in part, a modal pushed and popped, a widget hidden and shown) ends with
the same screen, colours included, as a whole-screen redraw of its last frame.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def _need_tmux() -> None:
    if shutil.which("tmux") is not None:
        return
    if os.environ.get("GENESIS_REQUIRE_STACK") == "1":
        pytest.fail("tmux is not installed")
    pytest.skip("tmux is not installed")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_terminal_shows_what_a_whole_redraw_shows(seed):
    _need_tmux()
    folder = Path(tempfile.mkdtemp(prefix="gc-redraw-"))
    tmux = ["tmux", "-S", str(folder / "sock"), "-f", "/dev/null"]

    def screen() -> str:
        out = subprocess.run(
            [*tmux, "capture-pane", "-e", "-p", "-t", "redraw"], capture_output=True, text=True
        )
        return out.stdout

    def wait_for(text: str, seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while text not in screen():
            assert time.monotonic() < deadline, f"{text!r} never showed:\n{screen()}"
            time.sleep(0.05)

    command = f"{sys.executable} {HERE / 'redraw_app.py'} {seed}"
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "redraw", "-x", "100", "-y", "30", command],
        check=True,
        env=env,
    )
    try:
        wait_for("DONE holding still")
        time.sleep(0.5)
        drawn = screen()
        assert "a modal over the screen" not in drawn
        # a resize makes Textual draw the whole screen again
        subprocess.run([*tmux, "resize-window", "-t", "redraw", "-x", "90"], check=True)
        time.sleep(0.5)
        subprocess.run([*tmux, "resize-window", "-t", "redraw", "-x", "100"], check=True)
        time.sleep(0.8)
        redrawn = screen()
        assert redrawn == drawn
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
