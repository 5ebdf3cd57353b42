"""The alerts' firing history on screen: the `24h` column of the list and the sparkline
in an alert's detail, at 80x24 and 160x48; `?` and the reason when Prometheus cannot say."""

from __future__ import annotations

import re

import pytest

from console.alert_history import SPARK_CELLS, STEP_SECONDS, WINDOW_SECONDS
from console.sources.alert_history import AlertHistorySource
from tests.procs import free_port
from tests.ui.test_alert_detail import open_detail
from tests.ui.test_layout import screen_lines


def _firings_in_the_world(world, name: str, now: float) -> int:
    """How often the demo world says `name` began firing in the day before `now`, looked
    at once a minute as the console's query does (counted here without Prometheus's API).
    The world's past begins with this run's story (scenario time 0)."""
    steps = int(WINDOW_SECONDS // STEP_SECONDS)
    times = (now - WINDOW_SECONDS + i * STEP_SECONDS - world.epoch for i in range(steps + 1))
    firing = [t >= 0 and name in world.firing(t) for t in times]
    return sum(1 for before, now_ in zip(firing, firing[1:], strict=False) if now_ and not before)


async def _started(app, pilot) -> None:
    await app.poll_once()
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_the_list_counts_firings_and_the_detail_draws_them(demo_app, size):
    app = demo_app("latency-spike", offset=300)
    async with app.run_test(size=size) as pilot:
        await _started(app, pilot)
        world = app.demo_stack.world
        expected = _firings_in_the_world(world, "HighFailureRate", app.clock.time())
        assert expected > 0
        lines = screen_lines(app)
        assert any("24h" in line and "Age" in line for line in lines), lines
        row = next(line for line in lines if "HighFailur" in line)
        cell = f"{expected}×" if expected < 100 else "99+"
        # the last column of the Alerts pane
        assert re.search(rf" {re.escape(cell)} +│", row), row

        await open_detail(app, pilot, "HighFailureRate")
        text = "\n".join(screen_lines(app))
        assert f"fired {expected}× in 24 h" in text, text
        history = app.screen.query_one("#alert-history")
        sparkline = str(history.content).splitlines()[1]
        assert len(sparkline) == SPARK_CELLS and set(sparkline) <= set("·▁▂▃▄▅▆▇█")
        assert sparkline != "·" * SPARK_CELLS  # it fired, so something is drawn
        assert sparkline in text  # whole on screen, even at 80 columns
        assert "24h ago" in text and "now" in text


async def test_prometheus_not_answering_shows_question_marks_and_why(demo_app):
    app = demo_app("latency-spike", offset=300)
    factory = app.sources_factory
    dead = f"http://127.0.0.1:{free_port()}"

    def unreachable():
        return [
            AlertHistorySource(dead, timeout=1, clock=app.clock.time)
            if s.name == "alert_history"
            else s
            for s in factory()
        ]

    app.sources_factory = unreachable
    async with app.run_test(size=(80, 24)) as pilot:
        await _started(app, pilot)
        lines = screen_lines(app)
        # at 80 columns the severity is its symbol alone
        rows = [line for line in lines if line.startswith(("│ ✖ ", "│ ▲ ")) and "active" in line]
        assert rows and all(re.search(r"  \?\s+│$", line) for line in rows), rows
        assert not any("0×" in line for line in rows)

        await open_detail(app, pilot, "HighFailureRate")
        text = " ".join(" ".join(screen_lines(app)).split())
        assert "history unknown: connection refused by 127.0.0.1" in text, text
        assert "fired" not in text.split("history unknown")[0][-40:]
