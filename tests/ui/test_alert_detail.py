"""Enter on an alert: its labels, silence state, Alertmanagers and the runbook procedure."""

from __future__ import annotations

import pytest
from textual.widgets import Button, DataTable, Static

from console.runbooks import available, load_procedure
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.alert_detail import AlertDetailScreen
from console.ui.screens.confirm import ConfirmScreen
from tests.pilot import EIGHT_ALERTS

EIGHT = EIGHT_ALERTS


def test_procedures_exist_for_all_eight_alerts():
    assert set(EIGHT) <= set(available())
    for name in EIGHT:
        procedure = load_procedure(name)
        assert [s.title for s in procedure.sections][:3] == [
            "Immediate response",
            "Investigation",
            "Escalation",
        ]


async def open_detail(app, pilot, name: str) -> AlertDetailScreen:
    table = app.query_one(AlertsPane).query_one(DataTable)
    table.focus()
    names = [table.get_row_at(i)[1].plain for i in range(table.row_count)]
    table.move_cursor(row=names.index(name))
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, AlertDetailScreen)
    return app.screen


def screen_text(screen) -> str:
    import io

    from rich.console import Console

    console = Console(width=120, record=True, file=io.StringIO(), color_system=None)
    for static in screen.query(Static):
        console.print(static.content)
    return console.export_text()


async def test_enter_opens_the_alert_with_its_procedure_and_a_step_runs_through_confirmation(
    demo_app,
):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.poll_once()
        await pilot.pause()
        screen = await open_detail(app, pilot, "GenesisOrchestratorDown")
        text = screen_text(screen)
        for expected in (
            "alertname",
            "GenesisOrchestratorDown",
            "severity",
            "critical",
            "summary",
            "Alertmanagers",
            app.config.alertmanager.urls[0],
            "Runbook",
            "Immediate response",
            "Investigation",
            "Escalation",
            "$ sudo systemctl",
        ):
            assert expected in text, expected
        # a shell command is shown, never run; an action step has a button that confirms first
        restart = next(b for b in screen.query(Button) if b.id and b.id.startswith("run-restart"))
        restart.press()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.plan.kind == "restart"
        await pilot.press("escape")
        await pilot.pause()


@pytest.mark.parametrize("name", ["HighFailureRate", "CriticalFailureRate"])
async def test_every_firing_alert_opens_its_procedure(demo_app, name):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.poll_once()
        await pilot.pause()
        screen = await open_detail(app, pilot, name)
        assert screen.procedure is not None and screen.procedure.title == name
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AlertDetailScreen)


async def test_the_header_shows_the_incident_class_and_escalation_clock(demo_app):
    app = demo_app("orchestrator-down", offset=200)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.poll_once()
        app.main.tick()
        await pilot.pause()
        header = app.query_one("#header")
        assert header.incident.startswith("P0 open 1m")
        assert "senior due in 28m" in header.incident
        app.clock.advance(29 * 60)
        app.main.tick()
        assert app.incident.classes.offered_level == 1
        assert "manager due in" in header.incident
