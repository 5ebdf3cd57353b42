"""Two environments in one config, each its own real stack: switching moves every pane.

Production and staging each have a real Alertmanager holding alerts of its own; the
console starts on production, switches to staging from the command palette, and every
pane, the header, the audit log, the timeline and the war room follow.
"""

from __future__ import annotations

import io
import time

import httpx
import pytest
from rich.console import Console
from textual.command import CommandList
from textual.widgets import DataTable

from console import paths
from console.commands import sources_for
from console.config import load_environments
from console.timeline import STREAM_KEY, Timeline
from console.ui.app import GenesisApp
from console.ui.header import StatusHeader
from console.ui.panes.alerts import AlertsPane
from console.ui.panes.services import ServicesPane
from console.ui.panes.sla import SlaPane
from tests.integration.fixtures_monitoring import start_alertmanager
from tests.pilot import wait_until
from tests.procs import free_port

pytestmark = pytest.mark.stack


def post_alert(alertmanager_url: str, name: str, severity: str) -> None:
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    body = [
        {
            "labels": {"alertname": name, "severity": severity, "job": "genesis-orchestrator"},
            "annotations": {"summary": f"{name} summary"},
            "startsAt": started,
        }
    ]
    httpx.post(alertmanager_url + "/api/v2/alerts", json=body, timeout=2).raise_for_status()


@pytest.fixture
def two_stacks(tmp_path):
    """A real Alertmanager per environment, each holding one alert the other lacks."""
    production = start_alertmanager(tmp_path / "am-production")
    staging = start_alertmanager(tmp_path / "am-staging")
    try:
        post_alert(production.url, "ProductionOnlyFire", "critical")
        post_alert(staging.url, "StagingOnlyWobble", "warning")
        yield production, staging
    finally:
        production.proc.stop()
        staging.proc.stop()


def write_config(path, production_am: str, staging_am: str) -> tuple[int, int]:
    """Shared defaults (closed ports for what these tests do not run) and two environments."""
    prod_port, staging_port = free_port(), free_port()
    closed = free_port()
    path.write_text(
        f"""\
environment: production          # shared; staging's own key wins for staging
refresh_seconds: 0.5
timeout_seconds: 1
orchestrator: {{url: "http://127.0.0.1:{closed}"}}
prometheus: {{url: "http://127.0.0.1:{closed}"}}
grafana: {{url: "http://127.0.0.1:{closed}"}}
mysql: {{host: 127.0.0.1, port: {closed}}}
redis: {{url: "redis://127.0.0.1:{closed}/0"}}
temporal: {{address: "127.0.0.1:{closed}"}}
environments:
  production:
    alertmanager: {{urls: ["{production_am}"]}}
    ports: [{prod_port}]
  staging:
    alertmanager: {{urls: ["{staging_am}"]}}
    ports: [{staging_port}]
    sla: {{availability_percent: 99.5}}
default_env: production
"""
    )
    return prod_port, staging_port


def alert_names(app: GenesisApp) -> list[str]:
    table = app.query_one(AlertsPane).query_one(DataTable)
    return [table.get_row_at(i)[1].plain for i in range(table.row_count)]


def service_names(app: GenesisApp) -> list[str]:
    table = app.query_one(ServicesPane).query_one(DataTable)
    return [table.get_row_at(i)[1].plain for i in range(table.row_count)]


def header_text(app: GenesisApp) -> str:
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(app.query_one(StatusHeader).content)
    return console.export_text()


async def test_switching_environment_moves_every_pane_to_the_other_stack(tmp_path, two_stacks):
    production, staging = two_stacks
    config_path = tmp_path / "config.yaml"
    prod_port, staging_port = write_config(config_path, production.url, staging.url)
    environments = load_environments(config_path)
    config = environments.pick(None)
    app = GenesisApp(
        config,
        sources_factory=sources_for(config),
        environments=environments.configs,
        make_sources=sources_for,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(
            pilot, lambda: "ProductionOnlyFire" in alert_names(app), 15, "production's alert"
        )
        header = app.query_one(StatusHeader)
        assert header.has_class("-production") and "◉ PRODUCTION" in header_text(app)
        assert f"port:{prod_port}" in service_names(app)
        assert app.query_one(SlaPane).availability_target == 99.9

        # the command palette offers the other environment; pick it as a user would
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"staging")
        await pilot.pause(0.3)
        palette = app.screen.query_one(CommandList)
        offered = str(palette.get_option_at_index(palette.highlighted or 0).prompt)
        assert "Switch environment: staging" in offered
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.config.environment == "staging", 10, "the switch")
        await wait_until(
            pilot, lambda: "StagingOnlyWobble" in alert_names(app), 15, "staging's alert"
        )

        assert "ProductionOnlyFire" not in alert_names(app)
        assert app.focused is app.query_one(AlertsPane).query_one(DataTable)  # keys still work
        header = app.query_one(StatusHeader)
        assert not header.has_class("-production")
        assert "staging" in header_text(app) and "PRODUCTION" not in header_text(app)
        await wait_until(
            pilot, lambda: f"port:{staging_port}" in service_names(app), 10, "staging's ports"
        )
        assert f"port:{prod_port}" not in service_names(app)
        assert app.query_one(SlaPane).availability_target == 99.5
        # its own audit log and timeline file
        assert app.runner.audit.path == paths.default_audit_file("staging")
        assert app.timeline.local_path == paths.default_timeline_file("staging")
        assert app.timeline.stream_key != STREAM_KEY

        # and back: production's alert again, staging's gone
        assert await app.switch_environment("production")
        await wait_until(
            pilot, lambda: "ProductionOnlyFire" in alert_names(app), 15, "production again"
        )
        assert "StagingOnlyWobble" not in alert_names(app)
        assert app.query_one(StatusHeader).has_class("-production")
        await app.action_quit()


async def test_environments_sharing_one_redis_never_share_a_war_room(tmp_path, fresh_redis):
    url = f"redis://127.0.0.1:{fresh_redis.port}/0"

    def console(name: str, env: str | None) -> Timeline:
        return Timeline(tmp_path / name / "t.jsonl", url, console_id=name, timeout=0.5, env=env)

    production, staging, single = (
        console("p", "production"),
        console("s", "staging"),
        console("x", None),
    )
    for timeline in (production, staging, single):
        await timeline.sync()
        await timeline.heartbeat()
    production.add("note", "restarting production")
    await production.sync()
    assert await staging.sync() == [] and await single.sync() == []
    other_production = console("p2", "production")
    assert [e.text for e in await other_production.sync()] == ["restarting production"]
    # presence is per environment too
    assert [p["console_id"] for p in await staging.presence()] == ["s"]
    assert [p["console_id"] for p in await single.presence()] == ["x"]
    # a single-environment console keeps today's key
    import redis

    client = redis.Redis(port=fresh_redis.port)
    assert client.xlen(STREAM_KEY) == 0
    assert client.xlen("genesis-console:env:production:timeline") == 1
    client.close()
    for timeline in (production, staging, single, other_production):
        await timeline.leave()
