"""Cache clear: POST /api/cache/clear, with the Redis hit rate before and after."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec

from console.actions.plan import Outcome, Plan, Progress
from console.config import Config
from console.model import ProbeResult
from console.text import clean


def _hit_rate(result: ProbeResult | None) -> str:
    data = result.data if result is not None else None
    rate = data.get("hit_rate") if isinstance(data, dict) else None
    return "unknown" if rate is None else f"{rate:.1f}%"


def plan_cache_clear(
    config: Config, redis_probe: Callable[[], Awaitable[ProbeResult]] | None = None
) -> Plan:
    """The cache-clear plan: one POST to the orchestrator."""
    endpoint = config.orchestrator.endpoint()
    url = endpoint.url + "/api/cache/clear"

    async def execute(progress: Progress) -> Outcome:
        from console.sources.base import SourceError
        from console.sources.orchestrator import clear_cache

        before = await redis_probe() if redis_probe else None
        progress("clearing the orchestrator's cache…")
        try:
            reply = await clear_cache(endpoint, timeout=config.timeout_seconds)
        except SourceError as exc:
            return Outcome(False, f"cache clear failed: {exc.detail}")
        after = await redis_probe() if redis_probe else None
        answer = _summary(reply.body)
        return Outcome(
            True,
            f"cache cleared ({answer}) · Redis hit rate {_hit_rate(before)} → {_hit_rate(after)}",
            data={"hit_rate_before": _hit_rate(before), "hit_rate_after": _hit_rate(after)},
        )

    return Plan(
        kind="cache_clear",
        title="Clear the orchestrator's cache",
        target=config.orchestrator.name,
        lines=(f"POST {url}", "then: read the Redis hit rate again"),
        execute=execute,
        refresh=("orchestrator", "redis"),
    )


def _summary(body: bytes) -> str:
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return clean(body[:80].decode("utf-8", "replace"), 80) or "empty reply"
    if isinstance(value, dict):
        return clean(", ".join(f"{k}: {v}" for k, v in list(value.items())[:4]), 120)
    return clean(value, 80)
