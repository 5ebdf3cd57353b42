"""Datastore sources against broken servers: each gives a clear status within timeout + 1 s.

A tiny loopback server of this file's own plays refused, black hole, garbage, a reply
cut off mid-way and (for MySQL) a reply dripped one byte at a time; the shared fault matrix (tests/test_fault_matrix.py) covers more.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from console.model import Status
from console.sources.mysql import MysqlSource
from console.sources.ports import PortSource
from console.sources.redis import RedisSource
from console.sources.temporal import TemporalSource
from tests.procs import free_port

TIMEOUT = 1.0

# What each protocol's server says first (MySQL) or answers (Redis, gRPC), cut short:
# a length prefix promising more bytes than arrive before the close.
_PARTIAL = {
    "mysql": b"\x4a\x00\x00\x00\x0a10.11.6-MariaDB\x00",
    "redis": b"$100\r\nPON",
    "temporal": b"\x00\x00\x12\x04\x00\x00\x00\x00\x00\x00\x03",
    "port": b"",
}


class FaultServer:
    """Accepts on a loopback port and misbehaves in one way per connection."""

    def __init__(self, mode: str, protocol: str) -> None:
        self.mode = mode
        self.protocol = protocol
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        if self.mode == "blackhole":
            self.held.append(conn)  # accept, read nothing, answer nothing
            return
        with conn:
            conn.settimeout(0.3)
            if self.protocol != "mysql":  # the client speaks first
                with contextlib.suppress(OSError):
                    conn.recv(65536)
            with contextlib.suppress(OSError):
                if self.mode == "garbage":
                    conn.sendall(b"\xde\xad\xbe\xef garbage \x00\xff\r\n" * 64)
                    time.sleep(0.2)
                elif self.mode == "drip":  # a valid start, then one byte at a time
                    conn.sendall(_PARTIAL[self.protocol][:4])
                    for byte in _PARTIAL[self.protocol][4:] * 100:
                        time.sleep(0.2)
                        conn.sendall(bytes([byte]))
                else:  # truncated
                    conn.sendall(_PARTIAL[self.protocol])

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def fault(request) -> Iterator[FaultServer]:
    mode, protocol = request.param
    server = FaultServer(mode, protocol)
    yield server
    server.close()


def make_source(protocol: str, port: int):
    if protocol == "mysql":
        return MysqlSource(
            "127.0.0.1", port, "genesis_user", "hunter2-secret", "genesis", timeout=TIMEOUT
        )
    if protocol == "redis":
        return RedisSource(f"redis://:hunter2-secret@127.0.0.1:{port}/0", timeout=TIMEOUT)
    if protocol == "temporal":
        return TemporalSource(f"127.0.0.1:{port}", timeout=TIMEOUT)
    return PortSource(port, timeout=TIMEOUT)


# (protocol, fault) -> the status and a phrase of the sentence the engineer reads
EXPECTED = {
    ("mysql", "refused"): (Status.CRITICAL, "refused the connection"),
    ("mysql", "blackhole"): (Status.CRITICAL, "did not answer within 1s"),
    ("mysql", "garbage"): (Status.CRITICAL, "not the MySQL protocol"),
    ("mysql", "truncated"): (Status.CRITICAL, "lost the connection"),
    # each byte arrives within read_timeout, so only the whole-probe budget stops it
    ("mysql", "drip"): (Status.CRITICAL, "did not finish answering within 1.25s"),
    ("redis", "refused"): (Status.CRITICAL, "refused the connection"),
    ("redis", "blackhole"): (Status.CRITICAL, "did not answer within 1s"),
    ("redis", "garbage"): (Status.CRITICAL, "not the Redis protocol"),
    ("redis", "truncated"): (Status.CRITICAL, "closed the connection"),
    ("temporal", "refused"): (Status.CRITICAL, "refused the connection"),
    ("temporal", "blackhole"): (Status.CRITICAL, "answer"),  # deadline or connect timeout
    ("temporal", "garbage"): (Status.CRITICAL, "does not speak gRPC"),
    ("temporal", "truncated"): (Status.CRITICAL, "Temporal at"),
    ("port", "refused"): (Status.CRITICAL, "nothing listening"),
    # a port check only asks whether TCP connections are accepted: these are
    ("port", "blackhole"): (Status.OK, "accepting connections"),
    ("port", "garbage"): (Status.OK, "accepting connections"),
    ("port", "truncated"): (Status.OK, "accepting connections"),
}


@pytest.mark.parametrize(
    ("protocol", "mode"), sorted(EXPECTED), ids=[f"{p}-{m}" for p, m in sorted(EXPECTED)]
)
async def test_clear_status_within_timeout_plus_one_second(protocol, mode):
    server = None if mode == "refused" else FaultServer(mode, protocol)
    port = free_port() if server is None else server.port
    source = make_source(protocol, port)
    try:
        started = time.monotonic()
        result = await source.probe()
        elapsed = time.monotonic() - started
    finally:
        await source.close()
        if server is not None:
            server.close()
    status, phrase = EXPECTED[(protocol, mode)]
    assert elapsed < TIMEOUT + 1, f"took {elapsed:.2f}s: {result.detail}"
    assert result.status is status, result.detail
    assert phrase in result.detail
    assert not result.detail.startswith("probe failed"), result.detail
    assert "hunter2" not in result.detail
