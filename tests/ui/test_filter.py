"""The alert filter at 80x24: `/`, a burst of keys, "N of M" in the title, Escape, bad syntax."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Input, Static

from console import paths
from console.ui.panes.alerts import AlertsPane

NARROW = (80, 24)


def names(pane: AlertsPane) -> list[str]:
    table = pane.query_one(DataTable)
    return [table.get_row_at(i)[1].plain for i in range(table.row_count)]


def title(pane: AlertsPane) -> str:
    return str(pane.border_title)


async def type_burst(pilot, text: str) -> None:
    """Every character as its own key press, without pausing between them."""
    keys = [{" ": "space"}.get(ch, ch) for ch in text]
    await pilot.press(*keys)
    await pilot.pause()


async def started(demo_app, pilot, app) -> AlertsPane:
    await app.poll_once()
    await pilot.pause()
    return app.query_one(AlertsPane)


async def test_slash_filters_as_you_type_and_the_title_says_how_many(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=NARROW) as pilot:
        pane = await started(demo_app, pilot, app)
        everything = names(pane)
        assert len(everything) >= 3 and "GenesisOrchestratorDown" in everything
        assert " of " not in title(pane)

        await pilot.press("slash")
        line = pane.query_one("#filter-input", Input)
        assert app.focused is line and pane.query_one("#filter-line").display

        await type_burst(pilot, 'severity="critical"')
        critical = names(pane)
        assert line.value == 'severity="critical"', line.value
        assert critical and set(critical) < set(everything)
        assert all(pane._alerts[k].severity == "critical" for k in pane._alerts), (
            "only critical alerts left"
        )
        assert f"{len(critical)} of {len(everything)}" in title(pane)
        assert 'filter: severity="critical"' in title(pane)
        # the counts stay those of every alert: a filter never hides a critical
        assert "critical" in title(pane).split("filter:")[1]

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.focused, DataTable)  # back on the rows, the filter kept
        assert names(pane) == critical
        assert f"{len(critical)} of {len(everything)}" in title(pane)

        # a bare word: found in the name or summary, whatever its case
        await pilot.press("slash", "ctrl+u")
        await type_burst(pilot, "orchestratordown")
        assert names(pane) == ["GenesisOrchestratorDown"]
        assert f"1 of {len(everything)}" in title(pane)

        await pilot.press("escape")
        await pilot.pause()
        assert names(pane) == everything
        assert " of " not in title(pane) and "filter" not in title(pane)
        assert isinstance(app.focused, DataTable)
        assert not pane.query_one("#filter-line").display


async def test_a_bad_expression_is_one_sentence_under_the_line_never_a_crash(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=NARROW) as pilot:
        pane = await started(demo_app, pilot, app)
        everything = names(pane)
        await pilot.press("slash")
        await type_burst(pilot, 'alertname=~"(?=Genesis).*"')
        error = pane.query_one("#filter-error", Static)
        assert error.display
        assert "RE2 does not support lookahead" in str(error.render())
        # the rows stay as the last expression that read left them; the app runs on
        assert app.is_running and " of " in title(pane)

        await pilot.press("enter")  # refused: the line stays, with its sentence
        await pilot.pause()
        assert app.focused is pane.query_one("#filter-input", Input)
        assert error.display

        await pilot.press("ctrl+u")
        await type_burst(pilot, "@age=5m")
        assert "@age compares with > or <" in str(error.render())
        await pilot.press("ctrl+u")
        await type_burst(pilot, "@state=active")
        assert not error.display
        await pilot.press("escape")
        await pilot.pause()
        assert names(pane) == everything and app.is_running


async def test_state_and_receiver_fields_filter_the_demo_alerts(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=NARROW) as pilot:
        pane = await started(demo_app, pilot, app)
        everything = names(pane)
        await pilot.press("slash")
        # the demo's Alertmanager routes critical alerts to genesis-critical
        await type_burst(pilot, "@receiver=genesis-critical @state=active")
        assert names(pane) and all(
            a.severity == "critical" and a.receivers == ("genesis-critical",)
            for a in pane._alerts.values()
        )
        await pilot.press("ctrl+u")
        await type_burst(pilot, "@state=acked")
        assert names(pane) == []
        assert f"0 of {len(everything)}" in title(pane)


async def test_the_last_filters_are_remembered_per_environment(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=NARROW) as pilot:
        pane = await started(demo_app, pilot, app)
        for text in ('severity="warning"', "orchestrator"):
            await pilot.press("slash", "ctrl+u")
            await type_burst(pilot, text)
            await pilot.press("enter")
            await pilot.pause()
        stored = json.loads(paths.default_filters_file(app.config.env_key).read_text())
        assert stored[:2] == ["orchestrator", 'severity="warning"']

        await pilot.press("escape")  # clear, then recall the older one with up, up
        await pilot.press("slash", "up", "up")
        await pilot.pause()
        line = pane.query_one("#filter-input", Input)
        assert line.value == 'severity="warning"'
        assert all(a.severity == "warning" for a in pane._alerts.values())


async def test_the_vim_keymap_filters_on_its_search_key(demo_app):
    app = demo_app("orchestrator-down", offset=150, keymap="vim")
    async with app.run_test(size=NARROW) as pilot:
        pane = await started(demo_app, pilot, app)
        await pilot.press("slash")
        assert app.focused is pane.query_one("#filter-input", Input)
        await type_burst(pilot, "zzz-no-such-alert")
        assert names(pane) == []


async def test_slash_and_the_filter_typed_as_one_burst_all_land_in_the_filter(demo_app):
    """Over SSH or tmux a typed line arrives as one read: the key events are queued
    together, before the filter line would get the focus on a later turn. None of them
    may run a binding (s would open the silence form)."""
    from textual import events

    from console.ui.keymaps import normalise_key

    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=NARROW) as pilot:
        pane = await started(demo_app, pilot, app)
        for ch in '/severity="critical"':
            app.post_message(events.Key(normalise_key(ch), ch))
        await pilot.pause()
        await pilot.pause()
        line = pane.query_one("#filter-input", Input)
        assert type(app.screen).__name__ == "MainScreen", app.screen
        assert line.value == 'severity="critical"', line.value
        assert 'filter: severity="critical"' in title(pane)
