"""Idle cost: CPU seconds the console spends per minute watching a quiet demo stack."""

from __future__ import annotations

import asyncio
import time

from console.demo import start_demo
from console.ui.app import GenesisApp

WATCH_SECONDS = 6.0


def test_idle_cpu_per_minute(benchmark):
    """Polls every source every 2 s and redraws only what changed; reports CPU s/min."""
    stack = start_demo("healthy", offset=10, seed=7)
    config = stack.config
    sources = stack.simulated_sources()

    def factory():
        from console.sources.registry import build_sources

        return build_sources(config, replace=sources)

    async def watch() -> float:
        # a real (headless) run, not the test pilot, which pumps the screen itself
        app = GenesisApp(config, sources_factory=factory, **stack.app_options())
        marks: list[float] = []
        app.call_later(lambda: app.set_timer(2.0, lambda: marks.append(time.process_time())))
        app.call_later(lambda: app.set_timer(2.0 + WATCH_SECONDS, app.exit))
        await app.run_async(headless=True, size=(160, 48))
        return time.process_time() - marks[0]

    try:
        cpu = benchmark.pedantic(lambda: asyncio.run(watch()), rounds=1, iterations=1)
    finally:
        stack.stop()
    per_minute = cpu * 60 / WATCH_SECONDS
    benchmark.extra_info["cpu_seconds_per_minute"] = round(per_minute, 3)
    print(f"\nidle: {per_minute:.2f} CPU s per minute ({per_minute / 60:.1%} of one core)")
