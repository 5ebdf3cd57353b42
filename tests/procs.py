"""Start and stop real server processes for tests: own session, free loopback port, stop by PID."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REQUIRE_STACK = os.environ.get("GENESIS_REQUIRE_STACK") == "1"


def need(binary: str) -> str:
    """The path of a server binary; skip (or fail under GENESIS_REQUIRE_STACK=1) if absent."""
    path = shutil.which(binary) or (
        str(Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / binary)
        if (Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / binary).exists()
        else None
    )
    if path is None:
        missing(f"{binary} is not installed")
    return path  # type: ignore[return-value]


def missing(reason: str) -> None:
    """Skip for a missing real service, or fail when the stack is required."""
    if REQUIRE_STACK:
        pytest.fail(f"GENESIS_REQUIRE_STACK=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what} not ready within {timeout}s")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class Proc:
    """A server process in its own session, logging to a file, stopped by PID."""

    def __init__(self, argv: list[str], log: Path, cwd: Path | None = None, env=None) -> None:
        self.argv = argv
        self.log = log
        self.cwd = cwd
        self.env = env
        self.popen: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(
                self.argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.cwd,
                env=self.env,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds."""
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(5)

    def kill(self) -> None:
        """SIGKILL at once (a crash, for tests of recovery)."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


@contextlib.contextmanager
def burning_cpu(log: Path) -> Iterator[Proc]:
    """A child process spinning one core for as long as the block runs; stopped by PID."""
    import sys

    proc = Proc([sys.executable, "-c", "while True: pass"], log)
    try:
        time.sleep(0.3)  # let it get going, so it is busy over the whole measurement
        yield proc
    finally:
        proc.kill()
