"""Restart: run the configured argv (never a shell), then watch /health/ready until ready."""

from __future__ import annotations

import asyncio
import os
import signal
import time

from console.actions.plan import Outcome, Plan, Progress, describe_argv
from console.config import Config
from console.text import clean

#: the runbook: "if automated restart fails after 3 attempts", escalate
ATTEMPTS_BEFORE_ESCALATION = 3
POLL_SECONDS = 1.0


def plan_restart(config: Config, *, attempt: int = 1) -> Plan:
    """The restart plan: the argv, its timeout, and the readiness watch that follows."""
    orchestrator = config.orchestrator
    argv = list(orchestrator.restart_command)
    ready_url = orchestrator.url.rstrip("/") + "/health/ready"
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
    """Run the argv; None when it exited 0, else a sentence saying what went wrong."""
    try:
        process = await asyncio.create_subprocess_exec(
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
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        _kill_group(process.pid)
        await process.wait()
        return f"the restart command did not finish within {timeout:g}s and was stopped"
    except asyncio.CancelledError:
        _kill_group(process.pid)
        raise
    if process.returncode != 0:
        tail = clean(
            output.decode("utf-8", "replace").strip().splitlines()[-1] if output.strip() else "",
            160,
        )
        return f"the restart command failed (exit {process.returncode})" + (
            f": {tail}" if tail else ""
        )
    return None


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def _watch_ready(
    url: str, deadline: float, started: float, progress: Progress, timeout: float, name: str
) -> Outcome:
    from console.sources.base import SourceError
    from console.sources.http import make_client, request

    last = "no answer yet"
    async with make_client() as client:
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
