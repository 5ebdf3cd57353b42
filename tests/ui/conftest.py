"""Build the console against the demo world with a frozen clock, for pilot and snapshot tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from console.clock import FrozenClock
from console.config import Config
from console.demo import start_demo
from console.ui.app import GenesisApp
from console.ui.keymaps import load_keymap
from console.ui.themes import load_themes

#: 2026-11-27 03:00:00 UTC: the night shift
NIGHT = 1795748400.0
#: the demo world's seed in every UI test and snapshot
SEED = 7


class SteadyPorts:
    """Wraps a source so the demo servers' random loopback ports read as :PORT in snapshots."""

    def __init__(self, source) -> None:
        self.source = source
        self.name = source.name
        self.timeout = source.timeout

    async def probe(self):
        import dataclasses
        import re

        def steady(text: str) -> str:
            return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)

        result = await self.source.probe()
        data = result.data
        if getattr(data, "endpoints", None):
            endpoints = tuple(dataclasses.replace(e, url=steady(e.url)) for e in data.endpoints)
            data = dataclasses.replace(data, endpoints=endpoints)
        return dataclasses.replace(result, detail=steady(result.detail), data=data)

    async def close(self) -> None:
        await self.source.close()


class DemoApps:
    """Makes demo-backed apps and stops every demo stack afterwards."""

    def __init__(self) -> None:
        self.stacks = []

    def __call__(
        self,
        scenario: str = "orchestrator-down",
        offset: float = 0.0,
        *,
        theme: str = "war-room",
        keymap: str = "default",
        clock: FrozenClock | None = None,
        sandboxed: bool = True,
        tweak: Callable[[Config], Config] | None = None,
        terminal_sink: Callable[[list[str]], None] | None = None,
        **config_changes,
    ) -> GenesisApp:
        """A console on the demo world at `offset`, on a frozen clock, with seed 7.

        `sandboxed` (as `genesis-console demo` runs): the demo's own audit log, timeline
        and escalation receiver. Without it the console keeps its records where a
        console on a real stack does (the test's XDG state folder). `tweak` changes the
        config further once the demo's URLs are in it (e.g. the restart command).
        """
        import msgspec

        from console.config import AuditConfig

        clock = clock or FrozenClock(NIGHT)
        stack = start_demo(scenario, clock=clock, offset=offset, seed=SEED)
        stack.settle()
        self.stacks.append(stack)
        config = stack.config
        if not sandboxed:
            config = msgspec.structs.replace(config, audit=AuditConfig())
        if config_changes:
            config = msgspec.structs.replace(config, **config_changes)
        if tweak is not None:
            config = tweak(config)
        sources = stack.simulated_sources()

        def factory():
            from console.sources.registry import build_sources

            return [SteadyPorts(s) for s in build_sources(config, replace=sources)]

        app = GenesisApp(
            config,
            sources_factory=factory,
            clock=clock,
            themes=load_themes(),
            theme=theme,
            keymap=load_keymap(keymap),
            autostart=False,
            terminal_sink=terminal_sink,
            **(stack.app_options(config) if sandboxed else {}),
        )
        app.demo_stack = stack
        return app

    def stop(self) -> None:
        for stack in self.stacks:
            stack.stop()


@pytest.fixture
def demo_app() -> Iterator[DemoApps]:
    apps = DemoApps()
    yield apps
    apps.stop()
