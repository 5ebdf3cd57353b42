"""A loopback server that misbehaves on purpose, one way per mode, for the fault matrix.

Modes:
- refused: nothing listens on the port.
- blackhole: accepts the connection, never reads or answers.
- slow: answers a valid (empty JSON) HTTP reply after `delay` seconds.
- http_500: a well-formed HTTP 500.
- garbage: bytes that are no protocol at all, then close.
- not_json: a well-formed HTTP 200 whose body is HTML, not JSON.
- wrong_shape: a well-formed HTTP 200 whose JSON is not what any of our servers sends.
- truncated: the start of a reply (by default HTTP saying Content-Length 1000 and
  sending 20 bytes), then close.
- huge: HTTP 200 with no Content-Length and a 50 MB body, so only the client's own
  cap stops the read.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading

MODES = (
    "refused",
    "blackhole",
    "slow",
    "http_500",
    "garbage",
    "not_json",
    "wrong_shape",
    "truncated",
    "huge",
)

HUGE_BYTES = 50 * 1024 * 1024
GARBAGE = b"\x00\xff\xfe\x13\x37 \xde\xad\xbe\xef not a protocol \x01\x02\r\n" * 4
TRUNCATED_HTTP = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    b'{"status":"success",'
)


def _http(status: str, body: bytes, kind: str = "application/json") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + body


class FaultServer:
    """One misbehaving server on a free 127.0.0.1 port; use as a context manager."""

    def __init__(self, mode: str, *, delay: float = 3.0, truncated: bytes = TRUNCATED_HTTP):
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; use one of {', '.join(MODES)}")
        self.mode = mode
        self.delay = delay
        self.truncated = truncated
        self._stop = threading.Event()
        #: bytes of the huge body the client took before hanging up
        self.huge_sent = 0
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._thread: threading.Thread | None = None
        if mode == "refused":
            # the port was free a moment ago and nothing listens on it now
            self._sock.close()
        else:
            self._sock.listen(64)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> FaultServer:
        if self.mode != "refused":
            self._thread = threading.Thread(target=self._accept, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop accepting and close every connection still open."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self._sock.close()
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.close()
            self._conns.clear()
        if self._thread is not None:
            self._thread.join(2)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._sock], [], [], 0.1)
                if not ready:
                    continue
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> None:
        """Read what the client sends first (if anything) for up to 0.3 s."""
        conn.settimeout(0.3)
        data = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.mode == "blackhole":
                self._stop.wait()
                return
            self._read_request(conn)
            conn.settimeout(10)
            if self.mode == "slow":
                if self._stop.wait(self.delay):
                    return
                conn.sendall(_http("200 OK", b"{}"))
            elif self.mode == "http_500":
                conn.sendall(_http("500 Internal Server Error", b"internal error", "text/plain"))
            elif self.mode == "garbage":
                conn.sendall(GARBAGE)
            elif self.mode == "not_json":
                conn.sendall(
                    _http("200 OK", b"<html><body>502 Bad Gateway</body></html>", "text/html")
                )
            elif self.mode == "wrong_shape":
                conn.sendall(_http("200 OK", b'{"surprise": [1, 2, 3]}'))
            elif self.mode == "truncated":
                conn.sendall(self.truncated)
            elif self.mode == "huge":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n["
                )
                chunk = b"0," * 32768
                sent = 0
                while sent < HUGE_BYTES and not self._stop.is_set():
                    conn.sendall(chunk)
                    sent += len(chunk)
                    self.huge_sent = sent
        except OSError:
            pass  # the client hung up, which is what a bounded client does
        finally:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                conn.close()
