"""The SLA pane's availability and error-budget burn rates against a real Prometheus holding
30 days of made-up history (tests/integration/sla_history.py, shared with the report tests).

Expected values come from the scenario (what the test put into the history), not from
Prometheus.
"""

from __future__ import annotations

import pytest
from rich.console import Console

from console.config import parse_config
from console.sla import duration_text
from console.sources.prometheus import SlaSource
from console.ui.panes.sla import budget_line

TARGET = 99.9


async def _snapshot(url: str, at: float, extra: str = ""):
    config = parse_config(f"prometheus:\n  url: {url}\n" + extra)
    source = SlaSource(url, queries=config.sla_queries(), sla=config.sla, timeout=10, at=lambda: at)
    try:
        result = await source.probe()
    finally:
        await source.close()
    return result


def _at_slot(scenario, slot: int) -> float:
    """The middle of minute `slot`: windows then cover whole minutes slot-W .. slot-1."""
    return scenario.start + slot * 60 + 30


def _expected_burn(scenario, slot: int, minutes: int) -> float | None:
    monitored, down = scenario.expected(slot - minutes, slot)
    if not monitored:
        return None
    return (down / monitored) / ((100 - TARGET) / 100)


def _plain(snapshot, width: int = 76) -> str:
    console = Console(width=width, file=None, color_system=None, legacy_windows=False)
    with console.capture() as capture:
        console.print(budget_line(snapshot, TARGET, {}))
    return capture.get().rstrip("\n")


async def test_burn_rates_follow_the_history_and_page_on_a_fast_burn(history):
    scenario, server = history
    # two minutes down at 12:00 on the last day: two minutes later the budget burns fast
    slot = 29 * 1440 + 722
    result = await _snapshot(server.url, _at_slot(scenario, slot))
    rates = dict(result.data.burn)
    for window in (300, 1800, 3600, 7200, 21600, 86400, 259200):
        expected = _expected_burn(scenario, slot, window // 60)
        assert rates[window] == pytest.approx(expected, rel=1e-3), window
    assert rates[300] == pytest.approx(400.0)  # 2 of 5 minutes down
    assert rates[3600] == pytest.approx(33.33, abs=0.01)  # 2 of 60: past 14.4x
    assert rates[259200] > 1  # the 4 minutes on day 27 are inside the 3 days
    text = _plain(result.data)
    assert "burn 1h 33.3× ▲ PAGE · 6h 5.6× · 3d 1.4×" in text
    assert "\n" not in text  # one line at 80 columns
    # the time left: the month's budget left at the 1 h rate
    monitored, down = scenario.expected(0, slot)
    left = (100 - TARGET) / 100 * 43200 - down / monitored * 43200
    assert result.data.budget_left_minutes == pytest.approx(left, abs=0.01)
    gone = duration_text(left / (rates[3600] * (100 - TARGET) / 100) * 60)
    assert text.endswith(f"· gone in {gone}")
    assert "budget burning 33.3× over 1h (page)" in result.detail


async def test_a_vanished_target_burns_budget_unless_the_query_is_overridden(history):
    scenario, server = history
    slot = 9 * 1440 + 311  # the target left service discovery at minute 300 for 12 minutes
    result = await _snapshot(server.url, _at_slot(scenario, slot))
    rates = dict(result.data.burn)
    assert rates[3600] == pytest.approx(183.33, abs=0.01)  # 11 of 60 minutes down
    assert rates[300] == pytest.approx(1000.0)
    # sla.queries.availability overrides the pane's availability and so its burn rates:
    # plain avg_over_time(up) does not see the minutes without a scrape
    override = (
        "sla:\n  queries:\n    availability: "
        "'avg_over_time(up{job=\"genesis-orchestrator\"}[30d]) * 100'\n"
    )
    result = await _snapshot(server.url, _at_slot(scenario, slot), override)
    rates = dict(result.data.burn)
    assert rates[3600] == pytest.approx(0.0)
    assert rates[300] is None  # no scrape at all in those 5 minutes: unknown, not 0
    assert "5m" not in _plain(result.data)  # only the shown windows are on screen


async def test_prometheus_outage_minutes_are_unknown_not_good(history):
    scenario, server = history
    slot = 14 * 1440 + 100  # Prometheus itself was down from minute 60 for 90 minutes
    result = await _snapshot(server.url, _at_slot(scenario, slot))
    rates = dict(result.data.burn)
    assert rates[300] is None and rates[1800] is None
    assert rates[3600] == pytest.approx(0.0)  # 20 monitored minutes, all up
    assert "no data" in result.data.burn_detail


async def test_sla_pane_counts_availability_as_the_report_does(history):
    """The pane's default availability query counts the vanished target's minutes too."""
    scenario, server = history
    result = await _snapshot(server.url, scenario.end)
    availability = result.data.get("availability")
    # the 30-day window holds all 42 down minutes of 43,110 monitored ones
    assert availability.value == pytest.approx(100 * (1 - 42 / 43110), abs=0.001)
    assert availability.value < 100 * (1 - 30 / 43110) - 0.02  # not avg_over_time(up[30d])
