"""The whole story of issue 6 in the orchestrator-down demo: open the alert, read the
procedure, restart from it, watch the incident close with its recovery time, export it."""

from __future__ import annotations

from textual.widgets import Button, DataTable

from console import commands
from console.cli import build_command_parser
from console.demo.world import RESTART_SECONDS
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.alert_detail import AlertDetailScreen
from console.ui.screens.confirm import ConfirmScreen
from tests.pilot import finish_actions, wait_until


async def test_orchestrator_down_from_alert_to_post_mortem(demo_app, capsys):
    # the demo world stands in for a real stack: records go where a real console keeps them
    app = demo_app("orchestrator-down", offset=150, sandboxed=False)
    clock = app.clock
    async with app.run_test(size=(120, 40)) as pilot:
        await app.poll_once()
        app.main.tick()
        await pilot.pause()
        assert app.incident.classes.current is not None

        # open the alert and read its procedure
        table = app.query_one(AlertsPane).query_one(DataTable)
        table.focus()
        names = [table.get_row_at(i)[1].plain for i in range(table.row_count)]
        table.move_cursor(row=names.index("GenesisOrchestratorDown"))
        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, AlertDetailScreen)
        assert detail.procedure.section("Immediate response").steps

        # restart from the procedure, through the confirmation
        next(b for b in detail.query(Button) if (b.id or "").startswith("run-restart")).press()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        world = app.demo_stack.world
        await wait_until(pilot, lambda: world.restarts, 10, "the restart command to run")
        # the world's clock only moves when we say so: on past the restart
        clock.advance(RESTART_SECONDS + 10)
        await finish_actions(pilot)
        assert not app.runner.running
        bar = str(app.query_one("#action-bar").render())
        assert "ready again" in bar, bar

        # the incident closes by itself, and its recovery time is measured
        for _ in range(120):
            clock.advance(5)
            await app.poll_once()
            if app.incident.tracker.last_recovery_seconds is not None:
                break
        recovery = app.incident.tracker.last_recovery_seconds
        assert recovery is not None and recovery > 0
        assert app.incident.recovery_value(clock.time()).value == recovery
        app.main.tick()
        await pilot.pause()

    # and the timeline tells the whole story, ready for the post-mortem, read on the
    # story's own clock (the calendar outside the test has moved on since)
    options = build_command_parser("timeline").parse_args(["--since", "1d", "--format", "markdown"])
    assert commands.timeline(options, clock=clock) == 0
    story = capsys.readouterr().out
    for expected in (
        "GenesisOrchestratorDown",
        "firing",
        "restart genesis-orchestrator: ok",
        "ready again",
        "no longer firing",
        "recovered in",
        "incident class P0",
    ):
        assert expected in story, expected
    # the class is judged on a whole picture: no flapping through partial first results
    assert story.count("incident class P") <= 2
