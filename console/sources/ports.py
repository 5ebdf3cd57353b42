"""Local ports: is something listening, and does it accept a TCP connection?

The listener table comes from `psutil.net_connections`, which reads every process's
sockets; it is read at most once a second and shared by every PortSource, so seven
ports cost one scan. Where it is not allowed (macOS without root) or the host is not
this machine, the check falls back to the TCP connection alone, and says so.

Status rules:
  ok        a TCP connection was accepted
  critical  refused, or not accepted within the timeout

data: {"listening": bool | None, "accepts": bool, "pid": int | None, "process": str | None}
where `listening` is None when the listener table could not be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from console.model import PortData, ProbeResult, Status
from console.sources.base import Source, run_blocking

#: how long one scan of the listener table is reused by every PortSource
LISTENERS_TTL_SECONDS = 1.0

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"}

_cache_lock = threading.Lock()
_cache: tuple[float, dict[int, int | None] | None] = (-1e9, None)


def listening_ports(max_age: float = LISTENERS_TTL_SECONDS) -> dict[int, int | None] | None:
    """TCP ports in LISTEN state on this host, each with its PID when visible; None if unreadable."""
    global _cache
    with _cache_lock:
        taken_at, ports = _cache
        if time.monotonic() - taken_at < max_age:
            return ports
        ports = _scan()
        _cache = (time.monotonic(), ports)
        return ports


def _scan() -> dict[int, int | None] | None:
    import psutil

    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, PermissionError, OSError, NotImplementedError):
        return None
    ports: dict[int, int | None] = {}
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr:
            port = conn.laddr.port
            if ports.get(port) is None:
                ports[port] = conn.pid
    return ports


def _process_name(pid: int | None) -> str | None:
    if pid is None:
        return None
    import psutil

    try:
        return psutil.Process(pid).name()
    except (psutil.Error, OSError):
        return None


def _listener(port: int, accepts: bool) -> tuple[bool | None, int | None, str | None]:
    ports = listening_ports()
    if ports is not None and (port in ports) != accepts:
        # the shared scan may predate a server's start or stop: look again before saying so
        ports = listening_ports(max_age=0)
    if ports is None:
        return None, None, None
    if port not in ports:
        return False, None, None
    pid = ports[port]
    return True, pid, _process_name(pid)


class PortSource(Source):
    """Checks that a local TCP port is listening and accepts a connection."""

    timeout: float

    def __init__(self, port: int, *, host: str = "127.0.0.1", timeout: float) -> None:
        self.port = port
        self.host = host
        self.timeout = timeout
        self.name = f"port:{port}"

    def __repr__(self) -> str:
        return f"PortSource({self.host}:{self.port})"

    async def _probe(self) -> ProbeResult:
        local = self.host in _LOCAL_HOSTS or self.host.startswith("127.")
        accepts, why = await self._connect()
        listening, pid, process = (None, None, None)
        if local:
            # the scan only reads /proc, but a probe never waits longer than its timeout
            with contextlib.suppress(Exception, asyncio.TimeoutError):
                listening, pid, process = await asyncio.wait_for(
                    run_blocking(_listener, self.port, accepts), self.timeout
                )
        data = PortData(listening=listening, accepts=accepts, pid=pid, process=process)
        who = ""
        if pid is not None:
            who = f" ({process}, pid {pid})" if process else f" (pid {pid})"
        where = f"{self.host}:{self.port}"
        if accepts:
            if listening:
                detail = f"listening{who} and accepting connections"
            elif listening is False:
                detail = f"accepts connections on {where} (no local listener seen)"
            else:
                detail = f"accepts connections on {where}"
            return ProbeResult(self.name, Status.OK, detail, data=data)
        if listening:
            detail = f"listening{who} but {why}"
        elif listening is False:
            detail = f"nothing listening on {where} ({why})"
        else:
            detail = f"{where}: {why}"
        return ProbeResult(self.name, Status.CRITICAL, detail, data=data)

    async def _connect(self) -> tuple[bool, str]:
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.timeout
            )
        except TimeoutError:
            return False, f"did not accept a connection within {self.timeout:g}s"
        except ConnectionRefusedError:
            return False, "connection refused"
        except OSError as exc:
            return False, f"cannot connect: {exc.strerror or type(exc).__name__}"
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 0.5)
        return True, "accepted"
