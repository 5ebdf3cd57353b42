"""Two Linux users at one console in a real tmux 3.3 server (issue 17, seats).

The console runs in a tmux session on our own socket; gc-oncall1 and gc-oncall2 attach
to it (each client inside `script`, so it has a terminal) and type. The socket's folder
is under /tmp with mode 0755: pytest's 0700 temp folders are not reachable by them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

USERS = ("gc-oncall1", "gc-oncall2")
HERE = Path(__file__).parent


def _need(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("GENESIS_REQUIRE_STACK") == "1":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture
def war_room():
    _need(shutil.which("tmux") is not None, "tmux is not installed")
    _need(shutil.which("useradd") is not None, "useradd is not installed")
    _need(os.geteuid() == 0, "making Linux users needs root")
    for user in USERS:
        if subprocess.run(["id", user], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "-M", "-s", "/bin/sh", user], check=True)
    folder = Path(tempfile.mkdtemp(prefix="gc-seats-", dir="/tmp"))
    folder.chmod(0o755)
    records = folder / "records"
    records.mkdir()
    sock = str(folder / "sock")
    tmux = ["tmux", "-S", sock]
    command = f"{sys.executable} {HERE / 'seat_console.py'} {records}"
    subprocess.run(
        [*tmux, "-f", "/dev/null", "new-session", "-d", "-s", "war", "-x", "160", "-y", "48"]
        + [command],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    os.chmod(sock, 0o777)
    for user in USERS:
        subprocess.run([*tmux, "server-access", "-a", "-w", user], check=True)
    clients = {}
    try:
        for user in USERS:
            clients[user] = subprocess.Popen(
                ["runuser", "-u", user, "--", "script", "-qfc"]
                + [f"stty cols 160 rows 48; TERM=xterm tmux -S {sock} attach -t war", "/dev/null"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            time.sleep(1.2)  # attaching is activity: keep the two seats' seconds apart
        room = Room(tmux, records, clients)
        room.wait_for(lambda: "watching" in room.screen(), "the console to start")
        yield room
    finally:
        for proc in clients.values():
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
        subprocess.run([*tmux, "kill-server"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


class Room:
    def __init__(self, tmux, records, clients) -> None:
        self.tmux = tmux
        self.records = records
        self.clients = clients

    def screen(self) -> str:
        done = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", "war"], capture_output=True, text=True
        )
        return done.stdout

    def type(self, user: str, keys: str, pause: float = 1.2) -> None:
        """Keys typed at `user`'s terminal, then a pause so the next seat's second differs."""
        proc = self.clients[user]
        proc.stdin.write(keys.encode())
        proc.stdin.flush()
        time.sleep(pause)

    def wait_for(self, condition, what: str, seconds: float = 20) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if condition():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}:\n{self.screen()}")

    def entries(self, kind: str) -> list[dict]:
        path = self.records / "timeline.jsonl"
        if not path.exists():
            return []
        found = []
        for line in path.read_text().splitlines():
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if value.get("kind") == kind:
                found.append(value)
        return found

    def audit(self) -> list[dict]:
        path = self.records / "audit.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_two_seats_notes_prompts_ties_and_attach_detach(war_room):
    room = war_room
    # the header learns who is attached on its next look (every few seconds)
    room.wait_for(
        lambda: "2 watching: gc-oncall1, gc-oncall2" in room.screen(), "both seats in the header"
    )
    room.wait_for(
        lambda: {e["who"]["user"] for e in room.entries("seat")} == set(USERS),
        "both attaches on the timeline",
    )

    # a note typed by each is recorded under the right name
    room.type("gc-oncall1", "n")
    room.type("gc-oncall1", "seen by one\r")
    room.type("gc-oncall2", "n")
    room.type("gc-oncall2", "seen by two\r")
    notes = {e["text"]: e["who"]["user"] for e in room.entries("note")}
    assert notes == {"seen by one": "gc-oncall1", "seen by two": "gc-oncall2"}

    # oncall1's restart prompt is not confirmed by oncall2's y
    room.type("gc-oncall1", "r")
    room.wait_for(lambda: "acting as gc-oncall1" in room.screen(), "the restart prompt")
    room.type("gc-oncall2", "y")
    room.wait_for(lambda: "gc-oncall1's prompt" in room.screen(), "the refusal")
    assert not [r for r in room.audit() if r.get("action") == "restart"]

    # a tie: both seats press a key in the same second: refused, asked again
    while time.time() % 1 > 0.3:
        time.sleep(0.05)
    room.type("gc-oncall2", "x", pause=0.05)
    room.type("gc-oncall1", "y", pause=1.0)
    room.wait_for(lambda: "same second" in room.screen(), "the tie to be refused")
    assert not [r for r in room.audit() if r.get("action") == "restart"]

    # any seat may cancel; the record names the seat whose prompt it was
    room.type("gc-oncall2", "\x1b")
    room.wait_for(lambda: any(r.get("action") == "restart" for r in room.audit()), "the cancel")
    cancel = next(r for r in room.audit() if r.get("action") == "restart")
    assert cancel["outcome"] == "cancelled" and cancel["user"] == "gc-oncall1"

    # a detach reaches the timeline
    proc = room.clients.pop("gc-oncall2")
    os.killpg(proc.pid, 15)
    proc.wait(5)
    room.wait_for(
        lambda: any(e["text"].endswith("detached") for e in room.entries("seat")), "the detach"
    )
    detached = [e for e in room.entries("seat") if e["text"].endswith("detached")]
    assert detached[0]["who"]["user"] == "gc-oncall2"
