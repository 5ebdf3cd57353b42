"""The simulated GENESIS world behind `genesis-console demo`.

`start_demo()` starts loopback servers that speak the real Alertmanager, Prometheus,
orchestrator, Grafana, PagerDuty and Slack wire formats, driven by a seeded World, and
returns a DemoStack whose config points the console's production sources at them. MySQL,
Redis, Temporal, ports and host are simulated at the source level (`simulated_sources()`).

The demo never touches the real world: its config is built here (no config file, no
environment variable is read), escalation goes to the demo's own receiver with secrets
the demo supplies, no war room is configured, and the audit log and timeline live in a
folder of the demo's own, removed when it stops. `app_options()` hands the console those.
Importing this package is cheap: the servers and sources load on `start_demo()`.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.demo.world import SCENARIOS, World, default_start

if TYPE_CHECKING:
    from console.actions.escalate import StandIn
    from console.clock import Clock
    from console.config import Config
    from console.demo.server import DemoServers
    from console.sources.base import Source

__all__ = ["SCENARIOS", "DemoStack", "World", "default_start", "start_demo"]

#: the demo's own names for the secrets, which no real setup exports
PAGERDUTY_KEY_ENV = "GENESIS_DEMO_PAGERDUTY_ROUTING_KEY"
SLACK_WEBHOOK_ENV = "GENESIS_DEMO_SLACK_WEBHOOK_URL"
MYSQL_PASSWORD_ENV = "GENESIS_DEMO_MYSQL_PASSWORD"


def fresh_seed() -> int:
    """A seed no earlier run is likely to have used (so silence ids never repeat)."""
    return secrets.randbelow(1_000_000_000)


@dataclass
class DemoStack:
    """A running demo: the world, its servers, a config that points at them, its own folder."""

    world: World
    servers: DemoServers
    config: Config
    #: the demo's own folder: its audit log and timeline, nothing else's
    state_dir: Path
    #: what escalation uses instead of PagerDuty, Slack and the environment's secrets
    escalation_stand_in: StandIn
    #: remove `state_dir` on stop (a folder the demo made for itself)
    owns_state_dir: bool = field(default=True, repr=False)

    @property
    def seed(self) -> int:
        """The seed of this run's world: `demo --seed` with it replays the same world."""
        return self.world.seed

    @property
    def audit_path(self) -> Path:
        """The demo's audit log."""
        return self.config.audit_path

    @property
    def timeline_path(self) -> Path:
        """The demo's local timeline."""
        return self.state_dir / "timeline.jsonl"

    def app_options(self, config: Config | None = None) -> dict[str, Any]:
        """Keyword arguments for GenesisApp: the demo's audit log, timeline and receiver."""
        from console.demo.records import DemoAuditLog, DemoTimeline

        config = config or self.config
        return {
            "audit_log": DemoAuditLog(config.audit_path),
            "timeline": DemoTimeline(self.timeline_path, None, clock=self.world.clock.time),
            "escalation_stand_in": self.escalation_stand_in,
        }

    def simulated_sources(self) -> list[Source]:
        """Sources for MySQL, Redis, Temporal, every configured port, and the host; and
        the alerts' firing history, over the day before the world's clock says now."""
        from console.demo.sources import simulated_sources
        from console.sources.alert_history import AlertHistorySource

        history = AlertHistorySource(
            self.config.prometheus.endpoint(),
            timeout=max(self.config.timeout_seconds, 10.0),
            clock=self.world.clock.time,
        )
        return [*simulated_sources(self.world, list(self.config.ports)), history]

    def settle(self) -> None:
        """Open or close the orchestrator's port to match the world now (tests use this)."""
        self.servers.sync()

    def stop(self) -> None:
        """Close every port and remove the demo's own folder; safe to call twice."""
        self.servers.stop()
        if self.owns_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> DemoStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_demo(
    scenario: str = "healthy",
    *,
    clock: Clock | None = None,
    offset: float | None = None,
    seed: int | None = None,
    state_dir: Path | None = None,
) -> DemoStack:
    """Start the simulated stack for `scenario`.

    `offset`: seconds into the scenario (default: a few seconds before its trouble).
    `seed`: the world's seed (default: a fresh one). `state_dir`: where the demo keeps
    its audit log and timeline (default: a new temporary folder, removed on stop).
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    from console.actions.escalate import StandIn
    from console.config import (
        AlertmanagerConfig,
        AuditConfig,
        Config,
        EscalationConfig,
        GrafanaConfig,
        MysqlConfig,
        OrchestratorConfig,
        PagerDutyConfig,
        PrometheusConfig,
        SlackConfig,
    )
    from console.demo.server import DEMO_ROUTING_KEY, DEMO_SLACK_PATH, DemoServers

    world = World(
        scenario,
        clock=clock,
        offset=default_start(scenario) if offset is None else offset,
        seed=fresh_seed() if seed is None else seed,
    )
    servers = DemoServers(world)
    servers.start()
    owns_state_dir = state_dir is None
    if state_dir is None:
        state_dir = Path(tempfile.mkdtemp(prefix="genesis-console-demo-"))
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
        # MySQL, Redis, Temporal and the ports are simulated sources; the real ones'
        # password is not even read
        mysql=MysqlConfig(password_env=MYSQL_PASSWORD_ENV),
        escalation=EscalationConfig(
            pagerduty=PagerDutyConfig(
                url=servers.receiver.url + "/v2/enqueue", routing_key_env=PAGERDUTY_KEY_ENV
            ),
            slack=SlackConfig(webhook_url_env=SLACK_WEBHOOK_ENV),
        ),
        audit=AuditConfig(path=str(state_dir / "audit.jsonl")),
    )
    servers.set_queries(config.sla_queries())
    stand_in = StandIn(
        name="the demo receiver",
        secrets={
            PAGERDUTY_KEY_ENV: DEMO_ROUTING_KEY,
            SLACK_WEBHOOK_ENV: servers.receiver.url + DEMO_SLACK_PATH,
        },
    )
    return DemoStack(
        world=world,
        servers=servers,
        config=config,
        state_dir=state_dir,
        escalation_stand_in=stand_in,
        owns_state_dir=owns_state_dir,
    )
