"""Benchmarks (`make bench`): first paint, and redrawing the Alerts pane when little changed."""

from __future__ import annotations

import asyncio

from console.clock import FrozenClock
from console.config import Config, parse_config
from console.model import Alert, AlertmanagerData, ProbeResult, Status
from console.ui.app import GenesisApp
from console.ui.panes.alerts import AlertsPane

NOW = 1795748400.0


def alerts(count: int, changed: int = -1) -> tuple[Alert, ...]:
    return tuple(
        Alert(
            fingerprint=f"{i:016x}",
            labels=(
                ("alertname", f"Alert{i % 50}"),
                ("severity", ("critical", "warning", "info")[i % 3]),
            ),
            annotations=(("summary", f"summary {i}" + (" changed" if i == changed else "")),),
            starts_at=NOW - i,
            ends_at=None,
            state="active",
        )
        for i in range(count)
    )


def test_first_paint(benchmark):
    """From App() to the first screen with all four panes mounted."""

    async def first_paint():
        app = GenesisApp(Config(), sources_factory=lambda: [], autostart=False)
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()

    benchmark.pedantic(lambda: asyncio.run(first_paint()), rounds=5, iterations=1)


def test_alerts_refresh_of_2000_rows_with_one_change(benchmark):
    """A refresh where one of 2,000 alerts changed updates one cell, not the table."""
    clock = FrozenClock(NOW)

    async def scenario():
        app = GenesisApp(Config(), sources_factory=lambda: [], clock=clock, autostart=False)
        async with app.run_test(size=(160, 48)) as pilot:
            pane = app.query_one(AlertsPane)
            base = alerts(2000)
            app.main.on_result(
                ProbeResult(
                    "alertmanager",
                    Status.OK,
                    "",
                    data=AlertmanagerData(alerts=base),
                    obtained_at=NOW,
                )
            )
            await pilot.pause()
            versions = [alerts(2000, changed=i) for i in range(20)]

            def refresh():
                for version in versions:
                    pane.update_rows(version)

            benchmark.pedantic(refresh, rounds=5, iterations=1)

    asyncio.run(scenario())


def test_config_parse(benchmark):
    text = "environment: production\nalertmanager:\n  urls: [http://a:9093, http://b:9093]\n"
    benchmark(parse_config, text)
