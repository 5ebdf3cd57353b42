"""The simulated GENESIS world behind `genesis-console demo`.

`start_demo()` starts loopback servers that speak the real Alertmanager, Prometheus,
orchestrator and Grafana wire formats, driven by a deterministic World, and returns a
DemoStack whose config points the console's production sources at them. MySQL, Redis,
Temporal, ports and host are simulated at the source level (`simulated_sources()`).
Importing this package is cheap: the servers and sources load on `start_demo()`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.demo.world import SCENARIOS, World

if TYPE_CHECKING:
    from console.clock import Clock
    from console.config import Config
    from console.demo.server import DemoServers
    from console.sources.base import Source

__all__ = ["SCENARIOS", "DemoStack", "World", "start_demo"]


@dataclass
class DemoStack:
    """A running demo: the world, its servers, and a config that points at them."""

    world: World
    servers: DemoServers
    config: Config

    def simulated_sources(self) -> list[Source]:
        """Sources for MySQL, Redis, Temporal, every configured port, and the host."""
        from console.demo.sources import simulated_sources

        return simulated_sources(self.world, list(self.config.ports))

    def settle(self) -> None:
        """Open or close the orchestrator's port to match the world now (tests use this)."""
        self.servers.sync()

    def stop(self) -> None:
        """Close every port; safe to call twice."""
        self.servers.stop()

    def __enter__(self) -> DemoStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_demo(
    scenario: str = "healthy", *, clock: Clock | None = None, offset: float = 0.0
) -> DemoStack:
    """Start the simulated stack for `scenario`, `offset` seconds into it."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    from console.config import (
        AlertmanagerConfig,
        Config,
        GrafanaConfig,
        OrchestratorConfig,
        PrometheusConfig,
    )
    from console.demo.server import DemoServers

    world = World(scenario, clock=clock, offset=offset)
    servers = DemoServers(world)
    servers.start()
    config = Config(
        environment="demo",
        orchestrator=OrchestratorConfig(
            url=servers.orchestrator.url,
            restart_command=[sys.executable, "-m", "console.demo.restart", servers.supervisor.url],
            restart_timeout_seconds=10.0,
            ready_deadline_seconds=60.0,
        ),
        prometheus=PrometheusConfig(url=servers.prometheus.url),
        alertmanager=AlertmanagerConfig(urls=[servers.alertmanager.url]),
        grafana=GrafanaConfig(url=servers.grafana.url),
    )
    servers.set_queries(config.sla_queries())
    return DemoStack(world=world, servers=servers, config=config)
