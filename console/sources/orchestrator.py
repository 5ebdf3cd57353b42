"""The GENESIS orchestrator: readiness, its own metrics, and the cache-clear call."""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

import httpx
import msgspec

from console.model import JsonObject, OrchestratorData, ProbeResult, Status
from console.sources.base import SourceError
from console.sources.http import (
    PooledHttpSource,
    Reply,
    as_endpoint,
    http_status_error,
    plain_client,
    request,
)

if TYPE_CHECKING:
    from console.config import Endpoint

#: values in a readiness body that mean "this part is fine"
_FINE = {"ok", "ready", "healthy", "up", "pass", "passing", "true", "serving", "connected"}


def _decode(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None


def summarize_readiness(detail: Any, limit: int = 3) -> str:
    """The failing parts of a readiness body, e.g. "database: down, redis: timeout"."""
    if not isinstance(detail, dict):
        return ""
    bad: list[str] = []

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(value, name + ".")
            elif key in ("status", "state", "ready") or isinstance(value, str | bool):
                text = str(value).lower()
                if text not in _FINE:
                    bad.append(f"{name}: {value}")

    walk(detail, "")
    # "status: not ready" says less than the parts that failed, so list parts first
    bad.sort(key=lambda part: part.split(":")[0] in ("status", "state", "ready"))
    if len(bad) > limit:
        return ", ".join(bad[:limit]) + f" (+{len(bad) - limit} more)"
    return ", ".join(bad)


def average_latency_ms(metrics: Any) -> float | None:
    """`average_latency_ms` from /health/metrics, top level or under "orchestrator"."""
    if not isinstance(metrics, dict):
        return None
    for node in (metrics.get("orchestrator"), metrics):
        if isinstance(node, dict):
            value = node.get("average_latency_ms")
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value) if math.isfinite(value) else None
    return None


class OrchestratorSource(PooledHttpSource):
    """Whether the orchestrator says it is ready, with its average latency."""

    name = "orchestrator"

    async def _metrics(self) -> tuple[JsonObject | None, str]:
        try:
            reply = await request(
                self._http(), "GET", self.url + "/health/metrics", timeout=self.timeout
            )
        except SourceError as exc:
            return None, f"metrics unavailable ({exc.detail})"
        if reply.status != 200:
            return None, f"metrics unavailable (HTTP {reply.status})"
        decoded = _decode(reply.body)
        if not isinstance(decoded, dict):
            return None, "metrics unavailable (not a JSON object)"
        return decoded, ""

    async def _probe(self) -> ProbeResult:
        ready_reply, (metrics, metrics_note) = await asyncio.gather(
            request(self._http(), "GET", self.url + "/health/ready", timeout=self.timeout),
            self._metrics(),
        )
        if ready_reply.status not in (200, 503):
            raise http_status_error(ready_reply, "orchestrator readiness")
        ready_detail = _decode(ready_reply.body)
        if not isinstance(ready_detail, dict):
            if ready_reply.status == 200 and ready_reply.body.strip():
                # a 200 that is not JSON is not what the orchestrator sends: something else answers
                raise SourceError(
                    "orchestrator readiness: HTTP 200 but the body is not JSON", Status.UNKNOWN
                )
            ready_detail = None
        ready = ready_reply.status == 200
        data = OrchestratorData(ready=ready, ready_detail=ready_detail, metrics=metrics)

        parts = ["ready" if ready else "not ready"]
        if not ready:
            why = summarize_readiness(ready_detail)
            if why:
                parts[0] += f" ({why})"
        latency = average_latency_ms(metrics)
        if latency is not None:
            parts.append(f"avg latency {latency:.0f} ms")
        elif metrics_note:
            parts.append(metrics_note)
        else:
            parts.append("metrics without average_latency_ms")
        detail = " · ".join(parts)
        return ProbeResult(self.name, Status.OK if ready else Status.CRITICAL, detail, data=data)


async def clear_cache(
    url: str | Endpoint, *, timeout: float, client: httpx.AsyncClient | None = None
) -> Reply:
    """POST /api/cache/clear; the reply on 2xx, SourceError with a sentence otherwise."""
    endpoint = as_endpoint(url, "orchestrator")
    own = client is None
    client = plain_client(client, endpoint)
    try:
        reply = await request(client, "POST", endpoint.url + "/api/cache/clear", timeout=timeout)
    finally:
        if own:
            await client.aclose()
    if not 200 <= reply.status < 300:
        raise http_status_error(reply, "cache clear refused")
    return reply
