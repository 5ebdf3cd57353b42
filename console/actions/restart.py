"""Restart: run the configured argv (never a shell), then watch /health/ready until ready."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time

from console.actions.plan import Outcome, Plan, Progress, describe_argv
from console.config import Config, Endpoint
from console.text import clean

#: the runbook: "if automated restart fails after 3 attempts", escalate
ATTEMPTS_BEFORE_ESCALATION = 3
POLL_SECONDS = 1.0
#: how much of the restart command's output is kept (its end, where the error usually is)
OUTPUT_TAIL_BYTES = 64 * 1024
#: after the command exits, how long its remaining output may take to arrive
OUTPUT_GRACE_SECONDS = 0.5


def plan_restart(config: Config, *, attempt: int = 1) -> Plan:
    """The restart plan: the argv, its timeout, and the readiness watch that follows."""
    orchestrator = config.orchestrator
    argv = list(orchestrator.restart_command)
    endpoint = orchestrator.endpoint()
    ready_url = endpoint.url + "/health/ready"
    lines = (
        f"run:   {describe_argv(argv)}",
        f"       (as an argv, no shell; stopped after {orchestrator.restart_timeout_seconds:g}s)",
        f"then:  GET {ready_url} every {POLL_SECONDS:g}s until it answers 200",
        f"       (gives up after {orchestrator.ready_deadline_seconds:g}s)",
        f"this is attempt {attempt} of {ATTEMPTS_BEFORE_ESCALATION} before escalation is due",
    )

    async def execute(progress: Progress) -> Outcome:
        started = time.monotonic()
        progress(f"running {argv[0]}…")
        failure = await _run(argv, orchestrator.restart_timeout_seconds)
        if failure:
            return Outcome(False, failure)
        return await _watch_ready(
            ready_url,
            orchestrator.ready_deadline_seconds,
            started,
            progress,
            config.timeout_seconds,
            orchestrator.name,
            endpoint=endpoint,
        )

    return Plan(
        kind="restart",
        title=f"Restart {orchestrator.name}",
        target=orchestrator.name,
        lines=lines,
        execute=execute,
        typed_confirmation=orchestrator.name if _production(config) else None,
        refresh=("orchestrator", "port:", "sla", "alertmanager"),
    )


def _production(config: Config) -> bool:
    return config.environment.strip().lower() == "production"


async def _run(argv: list[str], timeout: float) -> str | None:
    """Run the argv; None when it exited 0, else a sentence saying what went wrong.

    Waits for the command's own exit, not for the end of its output: a command that
    starts a daemon (`nohup x &`) leaves it holding the output pipe, and that daemon is
    what the restart was for. Only the last OUTPUT_TAIL_BYTES of the output are kept.
    """
    loop = asyncio.get_running_loop()
    try:
        transport, command = await loop.subprocess_exec(
            _Command,
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError:
        return f"cannot run {argv[0]!r}: no such program"
    except PermissionError:
        return f"cannot run {argv[0]!r}: permission denied"
    except OSError as exc:
        return f"cannot run {argv[0]!r}: {exc}"
    try:
        returncode = await asyncio.wait_for(asyncio.shield(command.exited), timeout)
    except TimeoutError:
        # it never finished: stop it and everything it started (its session)
        await command.stop(transport)
        return f"the restart command did not finish within {timeout:g}s and was stopped"
    except asyncio.CancelledError:
        await command.stop(transport)
        raise
    # what it wrote before exiting is still in the pipe; a daemon it started may hold the
    # pipe open for ever, so wait for the end of the output only briefly
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(command.output_closed), OUTPUT_GRACE_SECONDS)
    tail = command.finish(transport)
    if returncode != 0:
        last = tail.decode("utf-8", "replace").strip().splitlines()
        line = clean(last[-1] if last else "", 160)
        return f"the restart command failed (exit {returncode})" + (f": {line}" if line else "")
    return None


class _Command(asyncio.SubprocessProtocol):
    """The restart command's process: the tail of its output, and when it exits."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        #: the exit code (None when the transport could not tell it)
        self.exited: asyncio.Future[int | None] = loop.create_future()
        self.output_closed: asyncio.Future[None] = loop.create_future()
        self.transport: asyncio.SubprocessTransport | None = None
        self.tail = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.SubprocessTransport):  # always, for a subprocess
            self.transport = transport

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self.tail += data
        if len(self.tail) > 2 * OUTPUT_TAIL_BYTES:
            del self.tail[:-OUTPUT_TAIL_BYTES]

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if not self.output_closed.done():
            self.output_closed.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done() and self.transport is not None:
            self.exited.set_result(self.transport.get_returncode())

    def finish(self, transport: asyncio.SubprocessTransport) -> bytes:
        """The kept tail of the output, and the process's transport closed.

        When something the command started still holds the output open, a daemon thread
        reads and drops the rest until it closes: closing the pipe would kill that daemon
        with SIGPIPE at its next write, and leaving it to asyncio would keep a transport
        open after the console's event loop is gone.
        """
        tail = bytes(self.tail[-OUTPUT_TAIL_BYTES:])
        self.tail = bytearray()
        pipe = transport.get_pipe_transport(1)
        held = None
        if not self.output_closed.done() and pipe is not None:
            held = os.dup(pipe.get_extra_info("pipe").fileno())
        transport.close()  # the loop stops reading it now
        if held is not None:
            os.set_blocking(held, True)  # asyncio made it non-blocking
            threading.Thread(
                target=_drain, args=(held,), name="restart-output", daemon=True
            ).start()
        return tail

    async def stop(self, transport: asyncio.SubprocessTransport) -> None:
        """Kill the command's whole session, wait for it to be reaped, close the pipes."""
        _kill_group(transport.get_pid())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.exited), 5.0)
        transport.close()


def _drain(fd: int) -> None:
    """Read and drop what a daemon writes to the restart command's output, until it closes it."""
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def _watch_ready(
    url: str,
    deadline: float,
    started: float,
    progress: Progress,
    timeout: float,
    name: str,
    endpoint: Endpoint | None = None,
) -> Outcome:
    from console.sources.base import SourceError
    from console.sources.http import make_client, request

    last = "no answer yet"
    async with make_client(endpoint) as client:
        while True:
            waited = time.monotonic() - started
            try:
                reply = await request(
                    client, "GET", url, timeout=min(timeout, 5.0), max_bytes=64 * 1024
                )
                if reply.status == 200:
                    return Outcome(True, f"{name} is ready again after {waited:.0f}s")
                last = f"HTTP {reply.status}"
            except SourceError as exc:
                last = exc.detail
            if waited >= deadline:
                return Outcome(
                    False, f"{name} restarted but was not ready within {deadline:g}s (last: {last})"
                )
            progress(f"waiting for /health/ready · {waited:.0f}s of {deadline:g}s · {last}")
            await asyncio.sleep(POLL_SECONDS)
