"""A backend that refuses connections is still asked at every refresh, says so in the
same sentence, and is read again as soon as it answers (issue 13: after one refusal a
bare TCP connection is tried first, cheaper than a whole request through httpx)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from console.config import Config, SlaConfig
from console.model import Status
from console.sources.prometheus import PrometheusSource, SlaSource
from tests.procs import free_port


class Ready(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b"Prometheus Server is Ready.\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class Listener:
    """A Prometheus-like /-/ready on 127.0.0.1:`port`, started and stopped by the test."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Ready)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_a_refused_backend_is_asked_every_time_and_read_as_soon_as_it_answers(host):
    port = free_port()
    source = PrometheusSource(f"http://{host}:{port}", timeout=2)
    listener = Listener(port)
    try:
        for _ in range(3):
            result = await source.probe()
            assert result.status is Status.CRITICAL
            assert result.detail == f"connection refused by {host}:{port}"

        listener.start()
        result = await source.probe()  # the first refresh after it starts reads it
        assert (result.status, result.detail) == (Status.OK, "ready")
        assert (await source.probe()).status is Status.OK

        listener.stop()
        for _ in range(2):
            result = await source.probe()
            assert result.detail == f"connection refused by {host}:{port}"

        listener.start()
        assert (await source.probe()).status is Status.OK
    finally:
        listener.stop()
        await source.close()


async def test_a_refused_prometheus_keeps_the_sla_sentence_it_always_had():
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    source = SlaSource(url, queries=Config().sla_queries(), sla=SlaConfig(), timeout=2)
    try:
        details = {(await source.probe()).detail for _ in range(3)}
    finally:
        await source.close()
    assert details == {f"SLA unknown: connection refused by 127.0.0.1:{port}"}
