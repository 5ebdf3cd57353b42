"""Nothing answers: every pane says what is wrong and since when, and the screen stays usable."""

from __future__ import annotations

import io

from rich.console import Console

from console.config import parse_config
from console.ui.app import GenesisApp
from console.ui.panes.alerts import AlertsPane
from console.ui.panes.services import ServicesPane
from console.ui.panes.sla import SlaPane
from console.ui.screens.help import HelpScreen
from tests.procs import free_port


def shown(static) -> str:
    console = Console(width=120, record=True, color_system=None, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


async def test_a_dead_stack_is_reported_pane_by_pane():
    port = free_port()  # nothing listens here
    url = f"http://127.0.0.1:{port}"
    config = parse_config(
        f"environment: staging\ntimeout_seconds: 1\norchestrator: {{url: '{url}'}}\n"
        f"prometheus: {{url: '{url}'}}\nalertmanager: {{urls: ['{url}']}}\ngrafana: {{url: '{url}'}}\n"
        f"mysql: {{port: {port}}}\nredis: {{url: 'redis://127.0.0.1:{port}/0'}}\n"
        f"temporal: {{address: '127.0.0.1:{port}'}}\nports: [{port}]\n"
    )

    def factory():
        from console.sources.registry import build_sources

        return build_sources(config)

    app = GenesisApp(config, sources_factory=factory, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.poll_once()
        await pilot.pause()
        alerts = app.query_one(AlertsPane)
        assert alerts.has_class("-failing")
        problem = shown(alerts.query_one("#alerts-problem"))
        assert f"connection refused by 127.0.0.1:{port}" in problem and "since" in problem
        # counts nobody could read are unknown, never "0 critical"
        assert "unknown" in str(alerts.border_title), alerts.border_title
        assert "0 critical" not in str(alerts.border_title), alerts.border_title

        sla = app.query_one(SlaPane)
        assert sla.has_class("-failing")
        assert "SLA unknown: connection refused" in shown(sla.query_one("#sla-problem"))

        services = app.query_one(ServicesPane)
        assert services.border_title.startswith("Services · 0/")
        # and the keyboard still works
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
