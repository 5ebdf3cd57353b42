"""Pilot tests: the console against the demo world, as an engineer would drive it."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import DataTable

from console.ui.panes.alerts import AlertsPane
from console.ui.panes.host import HostPane
from console.ui.panes.services import ServicesPane
from console.ui.panes.sla import SlaPane


def shown(static, width: int = 100) -> str:
    """The plain text a Static shows."""
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


async def test_all_four_panes_fill_with_demo_data(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.poll_once()
        await pilot.pause()
        alerts, sla, services, host = (
            app.query_one(t) for t in (AlertsPane, SlaPane, ServicesPane, HostPane)
        )
        assert "Alerts" in alerts.border_title and "SLA" in sla.border_title
        assert "Services" in services.border_title and "Host" in host.border_title

        table = alerts.query_one(DataTable)
        names = [table.get_row_at(i)[1].plain for i in range(table.row_count)]
        assert "GenesisOrchestratorDown" in names
        assert names[0] in ("GenesisOrchestratorDown", "CriticalFailureRate")  # critical first
        assert "2 critical" in alerts.border_title

        sla_text = shown(sla.query_one("#sla-body"))
        for label in ("Availability", "P95 latency", "Error rate", "Recovery"):
            assert label in sla_text
        assert "%" in sla_text and "≥ 99.9%" in sla_text
        assert "error budget" in shown(sla.query_one("#sla-budget"))
        assert "CPU" in shown(host.query_one("#host-body"))

        rows = services.query_one(DataTable)
        statuses = {
            rows.get_row_at(i)[1].plain: rows.get_row_at(i)[0].plain for i in range(rows.row_count)
        }
        assert statuses["orchestrator"].endswith("CRIT")
        assert statuses["redis"].endswith("OK")
        assert statuses["port:8000"].endswith("CRIT")
        assert len(statuses) == 7 + len(app.config.ports)

        assert app.state.results["host"].data.cpu_count > 0
        for pane in (alerts, sla, services, host):
            assert pane.border_subtitle == "updated <4s ago"


async def test_the_cursor_stays_on_its_alert_when_a_new_one_sorts_above_it(demo_app):
    app = demo_app("orchestrator-down", offset=122)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.poll_once()
        await pilot.pause()
        pane = app.query_one(AlertsPane)
        table = pane.query_one(DataTable)
        table.focus()
        first = [table.get_row_at(i)[1].plain for i in range(table.row_count)]
        assert first == ["GenesisOrchestratorDown", "HighFailureRate"]
        await pilot.press("down")
        assert pane.selected.name == "HighFailureRate"
        chosen = pane.selected.fingerprint

        app.clock.advance(15)  # CriticalFailureRate fires at 130 s and sorts above
        await app.poll_once()
        await pilot.pause()
        after = [table.get_row_at(i)[1].plain for i in range(table.row_count)]
        assert after[0] == "CriticalFailureRate"
        assert pane.selected.fingerprint == chosen
        assert table.cursor_row == after.index("HighFailureRate")


async def test_panes_turn_stale_when_data_stops_arriving(demo_app):
    app = demo_app("healthy", offset=10)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.poll_once()
        await pilot.pause()
        pane = app.query_one(ServicesPane)
        assert not pane.has_class("-stale")
        app.clock.advance(3 * app.config.refresh_seconds + 1)
        app.main.tick()
        await pilot.pause()
        assert pane.has_class("-stale")
        assert pane.border_subtitle.startswith("STALE")


async def test_header_names_the_environment_and_read_only(demo_app):
    app = demo_app("healthy", environment="production", read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await app.poll_once()
        await pilot.pause()
        header = shown(app.query_one("#header"), 160)
        assert "PRODUCTION" in header
        assert "READ-ONLY" in header
        assert "refreshed 03:00:00 UTC" in header


async def test_insecure_skip_verify_is_loud_in_the_header_and_on_its_row(demo_app):
    import msgspec

    from console.config import HttpConfig, TlsConfig

    def with_insecure(app_config):
        grafana = app_config.grafana
        return msgspec.structs.replace(
            grafana, http=HttpConfig(tls_config=TlsConfig(insecure_skip_verify=True))
        )

    plain = demo_app("healthy")
    app = demo_app("healthy", grafana=with_insecure(plain.config))
    async with app.run_test(size=(160, 40)) as pilot:
        await app.poll_once()
        await pilot.pause()
        header = shown(app.query_one("#header"), 200)
        assert "TLS NOT VERIFIED: grafana" in header
        rows = app.query_one(ServicesPane).query_one(DataTable)
        detail = rows.get_cell("grafana", "detail").plain
        assert detail.startswith("TLS NOT VERIFIED (insecure_skip_verify)")
        # the others are checked as usual and say nothing of it
        assert "TLS NOT VERIFIED" not in rows.get_cell("prometheus", "detail").plain
