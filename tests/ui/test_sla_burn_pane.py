"""The SLA pane's burn rates, as an engineer sees them on the demo world at 80x24."""

from __future__ import annotations

from console.ui.panes.sla import SlaPane
from tests.ui.test_app import shown


async def test_orchestrator_down_pages_on_the_burn_rate_at_80_columns(demo_app):
    # a minute into the outage: the 1 h window burns 16.7x, the 5 m one 200x
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.poll_once()
        await pilot.pause()
        budget = app.query_one(SlaPane).query_one("#sla-budget")
        line = shown(budget, width=budget.content_size.width)
        assert line.strip() == (
            "budget 2.5 min · burn 1h 16.7× ▲ PAGE · 6h 2.8× · 3d 0.2× · gone in 2h27m"
        )
        assert "budget burning 16.7× over 1h (page)" in app.state.results["sla"].detail


async def test_a_healthy_month_shows_its_burn_rates_as_zero_not_unknown(demo_app):
    app = demo_app("healthy", offset=30)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.poll_once()
        await pilot.pause()
        budget = app.query_one(SlaPane).query_one("#sla-budget")
        # a narrow pane in the wide layout: the line wraps rather than losing a part
        line = " ".join(shown(budget, width=budget.content_size.width).split())
        assert "burn 1h 0.0× · 6h 0.0× · 3d 0.0× · not burning" in line
        assert "PAGE" not in line and "TICKET" not in line
