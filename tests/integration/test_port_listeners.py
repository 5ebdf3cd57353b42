"""Who listens on a port, as the Services row names it: real listeners in other
processes, IPv4 and IPv6, a restart on the same port, and the same answer psutil gives."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from console.model import Status
from console.sources.ports import PortSource, listening_ports
from tests.procs import free_port

TIMEOUT = 2.0

LISTEN = """
import socket, sys, time
family = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(family)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::1" if sys.argv[1] == "6" else "127.0.0.1", int(sys.argv[2])))
s.listen()
print("ready", flush=True)
time.sleep(60)
"""


def listener(port: int, family: str = "4") -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", LISTEN, family, str(port)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()


def test_listeners_and_their_processes_are_what_psutil_sees():
    import psutil

    v4, v6 = free_port(), free_port()
    procs = [listener(v4, "4")]
    if socket.has_ipv6:
        try:
            procs.append(listener(v6, "6"))
        except AssertionError:
            v6 = None
    try:
        ports = listening_ports(max_age=0)
        assert ports is not None
        assert ports[v4] == procs[0].pid
        if len(procs) > 1:
            assert ports[v6] == procs[1].pid
        seen = {}
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and seen.get(conn.laddr.port) is None:
                seen[conn.laddr.port] = conn.pid
        mine = {port: pid for port, pid in ports.items() if port in (v4, v6)}
        assert mine == {port: pid for port, pid in seen.items() if port in (v4, v6)}
    finally:
        for proc in procs:
            stop(proc)
    assert v4 not in (listening_ports(max_age=0) or {})


async def test_a_listener_restarted_on_the_same_port_is_named_by_its_new_pid():
    port = free_port()
    first = listener(port)
    try:
        result = await PortSource(port, timeout=TIMEOUT).probe()
        assert result.status is Status.OK
        assert result.data["pid"] == first.pid
        assert f"pid {first.pid}" in result.detail
    finally:
        stop(first)
    result = await PortSource(port, timeout=TIMEOUT).probe()
    assert result.status is Status.CRITICAL
    assert result.detail == f"nothing listening on 127.0.0.1:{port} (connection refused)"
    second = listener(port)
    try:
        deadline = time.monotonic() + 5
        while True:
            result = await PortSource(port, timeout=TIMEOUT).probe()
            if result.data["pid"] == second.pid or time.monotonic() > deadline:
                break
        assert result.status is Status.OK
        assert result.data["pid"] == second.pid
    finally:
        stop(second)


HANDOFF = """
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("ready", os.getpid(), flush=True)
sys.stdin.readline()  # told to hand the socket on: a child keeps it, this one ends
if os.fork():
    os._exit(0)
print("child", os.getpid(), flush=True)
time.sleep(60)
"""


async def test_a_listener_handed_to_a_child_process_is_named_by_the_child():
    """The same socket (same inode) held by another process once its first owner ends."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", HANDOFF, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    child = None
    try:
        assert proc.stdout is not None and proc.stdin is not None
        parent = int(proc.stdout.readline().split()[1])
        assert (await PortSource(port, timeout=TIMEOUT).probe()).data["pid"] == parent
        proc.stdin.write("go\n")
        proc.stdin.flush()
        child = int(proc.stdout.readline().split()[1])
        proc.wait()
        result = await PortSource(port, timeout=TIMEOUT).probe()
        assert result.status is Status.OK
        assert result.data["pid"] == child
    finally:
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("ports", [3, 7])
def test_a_scan_lists_every_listener_at_once(ports):
    numbers = [free_port() for _ in range(ports)]
    procs = [listener(port) for port in numbers]
    try:
        found = listening_ports(max_age=0)
        assert found is not None
        assert {port: found.get(port) for port in numbers} == {
            port: proc.pid for port, proc in zip(numbers, procs, strict=True)
        }
        # a port source asks for its own port: only it, and only if it listens
        closed = free_port()
        asked = listening_ports(max_age=0, ports=(numbers[-1], closed))
        assert asked == {numbers[-1]: procs[-1].pid}
    finally:
        for proc in procs:
            stop(proc)
