"""Local ports: is something listening, and does it accept a TCP connection?

On Linux the listener table comes from the kernel's sock_diag, which lists only the
listening sockets, and each listener's PID from the processes' open files, looked for
once per listener; elsewhere from `psutil.net_connections`, which reads every process's
sockets. One scan is shared by every PortSource (seven ports cost one scan) and reused
for LISTENERS_TTL_SECONDS while it agrees with the connections: a port that accepts but
is not in the scan, or is in it but refuses, or whose listener has ended (a restarted
server), is looked up again at once. Where it is not allowed (macOS without root) or the
host is not this machine, the check falls back to the TCP connection alone, and says so.

Status rules:
  ok        a TCP connection was accepted
  critical  refused, or not accepted within the timeout

data: {"listening": bool | None, "accepts": bool, "pid": int | None, "process": str | None}
where `listening` is None when the listener table could not be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Collection
from typing import cast

from console.model import PortData, ProbeResult, Status
from console.sources.base import Source, run_blocking

#: how long one scan of the listener table is reused by every PortSource (issue 13: a
#: scan reads every process's sockets; at every refresh it was the pane's biggest cost)
LISTENERS_TTL_SECONDS = 15.0

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"}

_cache_lock = threading.Lock()
#: when the listener table was read, and each listening port's socket inode (by the
#: kernel's sock_diag) or PID (by psutil, where sock_diag cannot be asked)
_cache: tuple[float, dict[int, int] | dict[int, int | None] | None, bool] = (-1e9, None, False)
#: socket inode -> the PID that holds it, as last found (a listener keeps its inode)
_owners: dict[int, int | None] = {}


def listening_ports(
    max_age: float = LISTENERS_TTL_SECONDS, ports: Collection[int] | None = None
) -> dict[int, int | None] | None:
    """TCP ports in LISTEN state on this host, each with its PID when visible; None if
    unreadable. With `ports`, only those of them that listen (the PIDs of the others
    are not looked for)."""
    global _cache
    with _cache_lock:
        taken_at, table, by_inode = _cache
        if time.monotonic() - taken_at >= max_age:
            kernel = _listeners_from_kernel()
            table, by_inode = (kernel, True) if kernel is not None else (_scan_with_psutil(), False)
            _cache = (time.monotonic(), table, by_inode)
        if table is None:
            return None
        asked = table.keys() if ports is None else [p for p in ports if p in table]
        if not by_inode:
            return {port: table[port] for port in asked}
        return _with_owners({port: cast(int, table[port]) for port in asked})


def _with_owners(inodes: dict[int, int]) -> dict[int, int | None]:
    """{port: PID} for these listeners' socket inodes: each looked for among the
    processes' open files once, and again only when the process that had it ended."""
    for inode, pid in list(_owners.items()):
        if pid is not None and not os.path.exists(f"/proc/{pid}"):
            del _owners[inode]
    wanted = set(inodes.values()) - _owners.keys()
    if wanted:
        _owners.update(_socket_owners(wanted))
    if len(_owners) > 4 * len(inodes) + 64:  # forget listeners long gone
        live = set(inodes.values())
        for inode in [i for i in _owners if i not in live]:
            del _owners[inode]
    return {port: _owners.get(inode) for port, inode in inodes.items()}


def _scan_with_psutil() -> dict[int, int | None] | None:
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


# Linux sock_diag (netlink): the kernel lists only the sockets in the states asked for,
# so the listeners cost a few hundred bytes however many connections the host holds
# (psutil.net_connections reads every TCP socket and every process's open files: 40 ms
# on a host with 900 connections, issue 13).
_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST, _NLM_F_DUMP = 0x1, 0x300
_NLMSG_ERROR, _NLMSG_DONE = 2, 3
_TCP_LISTEN = 10
_HEADER = struct.Struct("=IHHII")  # nlmsghdr: length, type, flags, seq, pid
#: inet_diag_msg: family, state, timer, retrans, then inet_diag_sockid (source port
#: big-endian first, 48 bytes), then expires, rqueue, wqueue, uid, inode
_DIAG_PORT = struct.Struct("!H")
_DIAG_INODE = struct.Struct("=I")
_DIAG_INODE_AT = 4 + 48 + 16


def _listeners_from_kernel() -> dict[int, int] | None:
    """{port: socket inode} of every TCP socket in LISTEN state (IPv4 and IPv6); None
    where the kernel cannot be asked (not Linux, or sock_diag not allowed)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as sock:
            sock.settimeout(1.0)
            ports: dict[int, int] = {}
            for seq, family in enumerate((socket.AF_INET, socket.AF_INET6), start=1):
                # inet_diag_req_v2: family, protocol, ext, pad, states, an empty sockid
                request = struct.pack(
                    "=BBBBI48x", family, socket.IPPROTO_TCP, 0, 0, 1 << _TCP_LISTEN
                )
                flags = _NLM_F_REQUEST | _NLM_F_DUMP
                header = _HEADER.pack(
                    _HEADER.size + len(request), _SOCK_DIAG_BY_FAMILY, flags, seq, 0
                )
                sock.send(header + request)
                if not _read_dump(sock, seq, ports):
                    return None
            return ports
    except (OSError, AttributeError, struct.error):
        return None


def _read_dump(sock: socket.socket, seq: int, ports: dict[int, int]) -> bool:
    """Read one sock_diag dump into `ports`; False when the kernel refused it."""
    while True:
        data = sock.recv(65536)
        offset = 0
        while offset + _HEADER.size <= len(data):
            length, kind, _, got_seq, _ = _HEADER.unpack_from(data, offset)
            if length < _HEADER.size:
                return False
            body = offset + _HEADER.size
            if got_seq == seq:
                if kind == _NLMSG_DONE:
                    return True
                if kind == _NLMSG_ERROR:
                    return False
                if kind == _SOCK_DIAG_BY_FAMILY and length >= _HEADER.size + _DIAG_INODE_AT + 4:
                    (port,) = _DIAG_PORT.unpack_from(data, body + 4)
                    (inode,) = _DIAG_INODE.unpack_from(data, body + _DIAG_INODE_AT)
                    ports.setdefault(port, inode)
            offset += (length + 3) & ~3


def _socket_owners(inodes: set[int]) -> dict[int, int | None]:
    """The PID holding each of these socket inodes (None where no visible process
    does): the open files of the processes, read until every inode is found."""
    owners: dict[int, int | None] = dict.fromkeys(inodes)
    names = {f"socket:[{inode}]": inode for inode in inodes}
    try:
        pids = [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return owners
    left = len(names)
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:  # ended, or not ours to read
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            inode = names.get(target)
            if inode is not None and owners[inode] is None:
                owners[inode] = pid
                left -= 1
                if not left:
                    return owners
    return owners


def _process_name(pid: int | None) -> str | None:
    if pid is None:
        return None
    import psutil

    try:
        return psutil.Process(pid).name()
    except (psutil.Error, OSError):
        return None


def _listener(port: int, accepts: bool) -> tuple[bool | None, int | None, str | None]:
    ports = listening_ports(ports=(port,))
    if ports is not None and (port in ports) != accepts:
        # the shared scan may predate a server's start or stop: look again before saying so
        ports = listening_ports(max_age=0, ports=(port,))
    if ports is None:
        return None, None, None
    if port not in ports:
        return False, None, None
    pid = ports[port]
    name = _process_name(pid)
    if pid is not None and name is None:
        # the listener the scan saw has ended (a restart): see who listens now
        ports = listening_ports(max_age=0, ports=(port,))
        if ports is None or port not in ports:
            return (None, None, None) if ports is None else (False, None, None)
        pid = ports[port]
        name = _process_name(pid)
    return True, pid, name


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
