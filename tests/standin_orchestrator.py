"""A stand-in GENESIS orchestrator for tests: a threaded HTTP server the test controls.

It serves `/metrics` (Prometheus text), `/health/ready`, `/health/metrics` and
`POST /api/cache/clear`. In its "known traffic" mode the counters grow at fixed rates
from the moment it starts, so the SLA values Prometheus computes can be worked out
independently (see `expected_*`).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: histogram bucket bounds (seconds) and how many requests a second land in each
#: bucket (non-cumulative); the last entry is the +Inf bucket
BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
PER_BUCKET = (5.0, 3.0, 1.0, 1.0, 0.0, 0.0, 0.0)


class StandinOrchestrator:
    """The controllable orchestrator; start() serves on 127.0.0.1:port in a daemon thread."""

    def __init__(self, port: int = 0) -> None:
        self.up = True  # genesis_orchestrator_up
        self.ready = True  # /health/ready answers 200 or 503
        self.serve_metrics = True  # False: /metrics answers 500 so Prometheus sees up == 0
        self.average_latency_ms = 230.5
        self.runs_per_second = 10.0
        self.failures_per_second = 0.5
        self.started = time.time()
        self.requests: list[tuple[str, str]] = []
        self.cache_clears = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StandinOrchestrator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what an independent observer expects from the known traffic ------------------

    def expected_error_rate_percent(self) -> float:
        return 100.0 * self.failures_per_second / self.runs_per_second

    def expected_p95_seconds(self) -> float:
        """The 0.95 quantile as histogram_quantile interpolates it within its bucket."""
        total = sum(PER_BUCKET)
        rank = 0.95 * total
        below = 0.0
        lower = 0.0
        for bound, count in zip(BUCKETS, PER_BUCKET, strict=False):
            if below + count >= rank and count > 0:
                return lower + (bound - lower) * (rank - below) / count
            below += count
            lower = bound
        return float("inf")

    # --- the exposition ---------------------------------------------------------------

    def metrics_text(self) -> str:
        elapsed = time.time() - self.started
        total = self.runs_per_second * elapsed
        failed = self.failures_per_second * elapsed
        lines = [
            "# HELP genesis_orchestrator_up Whether the orchestrator is serving.",
            "# TYPE genesis_orchestrator_up gauge",
            f"genesis_orchestrator_up {1 if self.up else 0}",
            "# HELP genesis_orchestrator_total_runs Runs started.",
            "# TYPE genesis_orchestrator_total_runs counter",
            f"genesis_orchestrator_total_runs {total:.6f}",
            "# HELP genesis_orchestrator_failed_runs Runs that failed.",
            "# TYPE genesis_orchestrator_failed_runs counter",
            f"genesis_orchestrator_failed_runs {failed:.6f}",
            "# HELP genesis_orchestrator_request_duration_seconds Request latency.",
            "# TYPE genesis_orchestrator_request_duration_seconds histogram",
        ]
        cumulative = 0.0
        for bound, per_second in zip(BUCKETS, PER_BUCKET, strict=False):
            cumulative += per_second
            lines.append(
                f'genesis_orchestrator_request_duration_seconds_bucket{{le="{bound}"}} '
                f"{cumulative * elapsed:.6f}"
            )
        cumulative += PER_BUCKET[-1]
        lines += [
            f'genesis_orchestrator_request_duration_seconds_bucket{{le="+Inf"}} '
            f"{cumulative * elapsed:.6f}",
            f"genesis_orchestrator_request_duration_seconds_count {cumulative * elapsed:.6f}",
            f"genesis_orchestrator_request_duration_seconds_sum {0.2 * cumulative * elapsed:.6f}",
        ]
        return "\n".join(lines) + "\n"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, value: object) -> None:
                self._send(status, json.dumps(value).encode())

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                with standin._lock:
                    standin.requests.append(("GET", self.path))
                if self.path == "/metrics":
                    if not standin.serve_metrics:
                        self._send(500, b"metrics broken", "text/plain")
                        return
                    self._send(200, standin.metrics_text().encode(), "text/plain; version=0.0.4")
                elif self.path == "/health/ready":
                    if standin.ready:
                        self._json(200, {"status": "ready", "checks": {"database": "ok"}})
                    else:
                        self._json(
                            503,
                            {"status": "not ready", "checks": {"database": "down", "redis": "ok"}},
                        )
                elif self.path == "/health/metrics":
                    self._json(
                        200,
                        {
                            "orchestrator": {
                                "average_latency_ms": standin.average_latency_ms,
                                "active_runs": 3,
                            }
                        },
                    )
                else:
                    self._json(404, {"detail": "not found"})

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with standin._lock:
                    standin.requests.append(("POST", self.path))
                if self.path == "/api/cache/clear":
                    with standin._lock:
                        standin.cache_clears += 1
                    self._json(200, {"cleared": True})
                else:
                    self._json(404, {"detail": "not found"})

        return Handler
