"""Temporal: the standard gRPC health check of the frontend's WorkflowService.

One channel is kept across probes (gRPC reconnects it by itself); its reconnect
backoff is capped at 2 s so a restarted server is seen on the next probe or the one
after, not minutes later. Every call carries a deadline of `timeout` seconds, so a
black hole costs one timeout, never gRPC's default wait.

Status rules:
  ok        SERVING
  critical  NOT_SERVING, unreachable, no answer within the timeout, or not gRPC
  unknown   the server does not know the WorkflowService, or has no health service

data: {"serving": str}  (the health status name, e.g. "SERVING", or the gRPC error code)
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from console.model import ProbeResult, Status, TemporalData
from console.sources.base import Source, SourceError, run_blocking
from console.sources.tlsclient import (
    TlsSetupError,
    closed_sentence,
    grpc_credentials,
    tls_text_sentence,
)
from console.text import clean

if TYPE_CHECKING:
    import grpc
    from grpc_health.v1 import health_pb2_grpc

    from console.config import TlsConfig

SERVICE = "temporal.api.workflowservice.v1.WorkflowService"

# gRPC's C core logs a failed TLS handshake to stderr, which is the TUI's screen; the
# failure is shown on the row instead. Read when grpc is first imported (after this).
os.environ.setdefault("GRPC_VERBOSITY", "NONE")

_CHANNEL_OPTIONS: list[tuple[str, str | int]] = [
    ("grpc.initial_reconnect_backoff_ms", 500),
    # gRPC also uses this as the minimum time a connection attempt may take
    ("grpc.min_reconnect_backoff_ms", 1000),
    ("grpc.max_reconnect_backoff_ms", 2000),
    ("grpc.enable_retries", 0),
    ("grpc.max_receive_message_length", 1024 * 1024),
]


class TemporalSource(Source):
    """Asks a Temporal frontend whether its WorkflowService is SERVING."""

    name = "temporal"
    timeout: float

    def __init__(self, address: str, *, timeout: float, tls: TlsConfig | None = None) -> None:
        self.address = address
        self.timeout = timeout
        #: CA, client certificate, key and server name when the frontend speaks TLS
        self.tls = tls
        self._channel: grpc.Channel | None = None
        self._stub: health_pb2_grpc.HealthStub | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TemporalSource({self.address})"

    async def _probe(self) -> ProbeResult:
        serving = await run_blocking(self._check)
        if serving == "SERVING":
            return ProbeResult(self.name, Status.OK, "SERVING", data=TemporalData(serving=serving))
        if serving == "NOT_SERVING":
            return ProbeResult(
                self.name,
                Status.CRITICAL,
                f"Temporal at {self.address} says NOT_SERVING",
                data=TemporalData(serving=serving),
            )
        if serving == "SERVICE_UNKNOWN":
            return ProbeResult(
                self.name,
                Status.UNKNOWN,
                f"Temporal at {self.address} does not know the WorkflowService",
                data=TemporalData(serving=serving),
            )
        return ProbeResult(
            self.name,
            Status.UNKNOWN,
            f"Temporal at {self.address} gave health status {serving}",
            data=TemporalData(serving=serving),
        )

    def _stub_for_call(self) -> health_pb2_grpc.HealthStub:
        import grpc
        from grpc_health.v1 import health_pb2_grpc

        with self._lock:
            if self._stub is None:
                if self.tls is None:
                    self._channel = grpc.insecure_channel(self.address, options=_CHANNEL_OPTIONS)
                else:
                    try:
                        credentials = grpc_credentials(self.tls)
                    except TlsSetupError as exc:  # says nothing about the server: unknown
                        raise SourceError(
                            f"Temporal at {self.address}: {exc}", Status.UNKNOWN
                        ) from None
                    options = list(_CHANNEL_OPTIONS)
                    if self.tls.server_name:
                        options.append(("grpc.ssl_target_name_override", self.tls.server_name))
                    self._channel = grpc.secure_channel(self.address, credentials, options=options)
                self._stub = health_pb2_grpc.HealthStub(self._channel)
            return self._stub

    def _check(self) -> str:
        import grpc
        from grpc_health.v1 import health_pb2

        stub = self._stub_for_call()
        request = health_pb2.HealthCheckRequest(service=SERVICE)
        try:
            # types-grpcio-health-checking's HealthStub leaves out the methods it sets in __init__
            reply = stub.Check(request, timeout=self.timeout)  # type: ignore[attr-defined]
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

    def _error(self, exc: Any) -> SourceError:
        import grpc

        code = exc.code() if hasattr(exc, "code") else None
        details = clean(exc.details() or "", 160) if hasattr(exc, "details") else ""
        where = self.address
        if code == grpc.StatusCode.DEADLINE_EXCEEDED:
            return SourceError(f"Temporal at {where} did not answer within {self.timeout:g}s")
        if code == grpc.StatusCode.UNAVAILABLE:
            low = details.lower()
            if self.tls is not None:
                found = self._tls_failure(exc.details() or "")
                if found:
                    return SourceError(f"Temporal at {where}: {found}")
            if "timed out" in low:
                return SourceError(
                    f"Temporal at {where} accepted the connection but never answered"
                )
            if "refused" in low:
                return SourceError(f"Temporal at {where} refused the connection (is it running?)")
            if "dns" in low or "resolve" in low:
                return SourceError(f"Temporal host in {where} does not resolve")
            if "closed" in low or "reset" in low or "eof" in low:
                return SourceError(f"Temporal at {where} closed the connection mid-reply")
            if "handshake" in low or "protocol" in low or "frame" in low or "http2" in low:
                return SourceError(f"Temporal at {where} does not speak gRPC")
            return SourceError(f"Temporal at {where} is unavailable: {details}")
        if code == grpc.StatusCode.NOT_FOUND:
            return SourceError(
                f"Temporal at {where} does not know the WorkflowService", Status.UNKNOWN
            )
        if code == grpc.StatusCode.UNIMPLEMENTED:
            return SourceError(f"{where} has no gRPC health service", Status.UNKNOWN)
        name = code.name if code is not None else type(exc).__name__
        return SourceError(f"Temporal at {where}: {name}: {details}")

    def _tls_failure(self, details: str) -> str | None:
        """The sentence for a TLS failure in gRPC's error details, or None."""
        found = tls_text_sentence(details, self.tls)
        if found:
            return found
        if details.lower().rstrip(". ").endswith("socket closed"):
            # TLS 1.3: a server that refuses our client certificate (or its absence)
            # just closes the connection, and gRPC says no more than that
            return closed_sentence(self.tls)
        return None

    async def close(self) -> None:
        """Close the gRPC channel."""
        with self._lock:
            channel, self._channel, self._stub = self._channel, None, None
        if channel is not None:
            channel.close()
