"""The SLA pane's availability and error-budget burn rates against a real Prometheus holding
30 days of made-up history (tests/integration/sla_history.py, shared with the report tests).

Expected values come from the scenario (what the test put into the history), not from
Prometheus.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from rich.console import Console

from console.config import parse_config
from console.poller import Poller
from console.sla import burn_reask_seconds, duration_text
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


# --- each window at its own pace (issue 13) --------------------------------------------


class Ticks:
    """An injectable monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _instant_queries(url: str) -> int:
    """How many instant queries this Prometheus has answered, by its own counter."""
    total = 0
    for line in httpx.get(url + "/metrics", timeout=5).text.splitlines():
        if line.startswith("prometheus_http_requests_total{") and (
            'handler="/api/v1/query"' in line
        ):
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


async def _asked(url: str, before: int) -> int:
    """Instant queries since `before` (Prometheus counts a request once it has answered)."""
    count = _instant_queries(url) - before
    await asyncio.sleep(0.2)
    return max(count, _instant_queries(url) - before)


def _source(url: str, at, ticks: Ticks) -> SlaSource:
    config = parse_config(f"prometheus:\n  url: {url}\n")
    return SlaSource(
        url, queries=config.sla_queries(), sla=config.sla, timeout=10, at=at, monotonic=ticks
    )


async def test_a_long_window_is_asked_again_only_when_it_has_moved_never_shown_older(history):
    """At a 2 s refresh the 5 m rate is asked every time and the others at their window's
    pace: over 100 s across the outage at 12:00 every rate shown is one the
    history had within its re-ask time, and the pane asks well under half the queries."""
    scenario, server = history
    ticks = Ticks()
    # the minute before the two minutes down, never on a minute's edge (odd seconds)
    first = _at_slot(scenario, 29 * 1440 + 720) + 1
    source = _source(server.url, lambda: first + ticks.now, ticks)
    slot_of = lambda moment: int((moment - scenario.start) // 60)  # noqa: E731
    before = _instant_queries(server.url)
    probes = kept_older = 0
    try:
        while ticks.now <= 100:
            at = first + ticks.now
            rates = dict((await source.probe()).data.burn)
            probes += 1
            for window, rate in rates.items():
                oldest = at - burn_reask_seconds(window)
                slots = range(slot_of(oldest), slot_of(at) + 1)
                allowed = [_expected_burn(scenario, slot, window // 60) for slot in slots]
                assert any(rate == pytest.approx(e, rel=1e-3) for e in allowed), (
                    f"{window}s at +{ticks.now:.0f}s: {rate} not in {allowed}"
                )
                fresh = _expected_burn(scenario, slot_of(at), window // 60)
                kept_older += rate != pytest.approx(fresh, rel=1e-3)
            if ticks.now == 0:
                assert await _asked(server.url, before) == 10  # 3 values, 7 windows
            ticks.now += 2
    finally:
        await source.close()
    assert kept_older  # a long window did show its kept rate after the outage began...
    asked = await _asked(server.url, before)
    # ...for at most its re-ask time; 51 refreshes asked ~4.3 queries each, not 10
    assert 4 * probes < asked < 5 * probes
    # the 5 m window is never kept: it saw both minutes down at once
    assert rates[300] == pytest.approx(400.0)


async def test_a_forced_refresh_asks_every_window_again(history):
    scenario, server = history
    at = _at_slot(scenario, 29 * 1440 + 722)
    source = _source(server.url, lambda: at, Ticks())
    results = []
    poller = Poller([source], interval=3600, timeout=10, on_result=results.append)
    try:
        before = _instant_queries(server.url)
        poller.start()
        while not results:
            await asyncio.sleep(0.02)
        assert await _asked(server.url, before) == 10

        before = _instant_queries(server.url)
        await poller.poll(source)  # an ordinary refresh: the values and the 5 m window
        assert await _asked(server.url, before) == 4

        before = _instant_queries(server.url)
        poller.refresh()  # ctrl+r
        while len(results) < 2:
            await asyncio.sleep(0.02)
        assert await _asked(server.url, before) == 10
        assert results[1].data.burn == results[0].data.burn
    finally:
        await poller.stop()


class Doorway:
    """A loopback TCP proxy to a real server that can hang up instead: counts the
    connections it hangs up on (each one request of the client's)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.open = True
        self.hung_up = 0
        self._live: set[asyncio.StreamWriter] = set()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    def close_door(self) -> None:
        self.open = False
        for writer in self._live:  # the client's kept-alive connections end too
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            self.hung_up += 1
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._live |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def stop(self) -> None:
        self.close_door()
        self.server.close()


async def test_while_prometheus_does_not_answer_only_its_values_are_asked(history):
    """A Prometheus that hangs up is retried at every refresh with its three values, not
    ten queries; when it answers again every window is asked at once, none left unknown."""
    scenario, server = history
    at = _at_slot(scenario, 29 * 1440 + 722)
    door = Doorway(server.port)
    url = await door.start()
    source = _source(url, lambda: at, Ticks())
    try:
        healthy = await source.probe()
        assert all(rate is not None for _, rate in healthy.data.burn)

        door.close_door()
        down = await source.probe()  # the values and the 5 m window fail
        assert door.hung_up == 4
        assert down.detail.startswith("SLA unknown: bad HTTP from 127.0.0.1:")
        # nothing kept is shown beside a Prometheus that does not answer
        assert all(rate is None for _, rate in down.data.burn)
        assert down.data.burn_detail in down.detail
        for _ in range(3):
            again = await source.probe()
            assert again.data.burn == down.data.burn
        assert door.hung_up == 4 + 3 * 3

        door.open = True
        before = _instant_queries(server.url)
        back = await source.probe()
        assert await _asked(server.url, before) == 10
        assert back.data.burn == healthy.data.burn
        assert "burn 1h 33.3× ▲ PAGE" in _plain(back.data)
    finally:
        await source.close()
        await door.stop()
