"""What an engineer sees at 80x24 and 160x48: distinct alert summaries, every service and
several processes on the main screen or one key (zoom) away, the whole process name on
Enter, and the copy key in the silences view."""

from __future__ import annotations

import pytest

from console.ui.panes.host import HostPane
from console.ui.panes.services import ServicesPane


def screen_lines(app) -> list[str]:
    """The characters on the terminal, one string per row."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


async def _started(app, pilot) -> None:
    await app.poll_once()
    await pilot.pause()
    await pilot.pause()
    app.main.tick()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_two_latency_alerts_read_differently(demo_app, size):
    app = demo_app("latency-spike", offset=300)
    async with app.run_test(size=size) as pilot:
        await _started(app, pilot)
        lines = screen_lines(app)
        # at 80 columns the severity shrinks to its symbol and the names give way so
        # that the summaries still differ
        critical = next(line for line in lines if "CriticalOr" in line)
        warning = next(line for line in lines if "HighOrche" in line)
        # the summaries as drawn: past the names, up to the state column
        assert "P95 orchestration latency is above 5" in critical
        assert "P95 orchestration latency is above t" in warning
        # a short name is shown whole; a long one keeps as much as the summaries leave
        assert "HighFailureRate" in "\n".join(lines)
        assert "CriticalOrchest" in critical
        if size[0] < 160:
            assert critical.startswith("│ ✖  Crit"), critical  # the symbol, then the name
            assert not any("CRIT" in line for line in lines if "Orchest" in line)


async def test_every_service_and_process_is_one_key_away_at_80x24(demo_app):
    app = demo_app("dependency-outage", offset=240)
    async with app.run_test(size=(80, 24)) as pilot:
        await _started(app, pilot)
        services = app.query_one(ServicesPane)
        host = app.query_one(HostPane)
        text = "\n".join(screen_lines(app))
        assert "Zoom pane" in text  # the key is in the footer
        # what does not fit says how many rows are out of sight, and which key shows them
        assert "z" in services.border_subtitle and "+" in services.border_subtitle
        # the SLA pane takes its natural height: its rows all show, none blank
        assert "Recovery" in text and "budget" in text, text

        services.query_one("#services-table").focus()
        await pilot.press("z")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        for name in services.names:
            assert name in text, name
        assert "Availability" not in text  # the other panes make way

        await pilot.press("z")
        await pilot.pause()
        host.processes.focus()
        await pilot.press("z")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        top = app.state.results["host"].data.top
        assert len(top) >= 3
        for proc in top:
            assert proc.name in text, proc.name  # whole, not "genesis-…"
        await pilot.press("z")
        await pilot.pause()
        assert "Availability" in "\n".join(screen_lines(app))


async def test_enter_on_a_process_shows_its_whole_name(demo_app):
    app = demo_app("latency-spike", offset=300)
    async with app.run_test(size=(80, 24)) as pilot:
        await _started(app, pilot)
        host = app.query_one(HostPane)
        first = app.state.results["host"].data.top[0]
        assert first.name not in "\n".join(screen_lines(app))  # cut in the narrow pane
        host.processes.focus()
        await pilot.press("enter")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert first.name in text and str(first.pid) in text
        await pilot.press("Y")
        await pilot.pause()
        assert any(first.name in n.message for n in app.told)


async def test_the_silences_view_has_the_copy_key(demo_app):
    from console.model import Silence
    from console.ui.screens.silences import SilencesScreen

    app = demo_app("healthy", offset=10)
    now = app.clock.time()
    silence = Silence(
        id="abc-123",
        matchers=(("alertname", "HighFailureRate", False, True),),
        starts_at=now - 60,
        ends_at=now + 3600,
        created_by="alice",
        comment="deploy window",
        state="active",
    )
    async with app.run_test(size=(120, 36)) as pilot:
        copied = []
        app.copy_to_clipboard = copied.append
        app.push_screen(SilencesScreen((silence,), now))
        await pilot.pause()
        await pilot.press("Y")
        await pilot.pause()
        assert copied and "deploy window" in copied[0] and "abc-123" in copied[0]
        assert 'alertname="HighFailureRate"' in copied[0]


def _pane_rows(app, pane_id: str) -> list[str]:
    """The rows inside a pane's border, as drawn."""
    pane = app.query_one(f"#{pane_id}")
    region = pane.region
    lines = screen_lines(app)
    return [
        lines[y][region.x + 1 : region.right - 1] for y in range(region.y + 1, region.bottom - 1)
    ]


@pytest.mark.parametrize(
    ("scenario", "offset"), [("healthy", 60), ("dependency-outage", 240)], ids=str
)
async def test_at_160x48_the_sla_pane_has_no_blank_rows(demo_app, scenario, offset):
    """The wide layout sets each column's heights apart: SLA as tall as its text (its
    budget line wrapped included), Host below it with the rest, whatever the Alerts pane
    beside them needs."""
    app = demo_app(scenario, offset=offset)
    async with app.run_test(size=(160, 48)) as pilot:
        await _started(app, pilot)
        await pilot.pause()
        for _ in range(12):  # a full sparkline's worth of values
            app.clock.advance(2)
            await app.poll_once()
        await pilot.pause()
        sla = _pane_rows(app, "sla")
        assert sla and all(row.strip() for row in sla), sla
        # the trends fit their column: no sparkline is cut (its newest values at the end)
        assert not any("…" in row for row in sla[:4]), sla
        assert "budget" in "\n".join(sla)
        assert "burning" in sla[-1] or "gone in" in sla[-1] or "▲" in "\n".join(sla), sla
        host, sla_pane = app.query_one("#host"), app.query_one("#sla")
        assert host.region.x == sla_pane.region.x  # Host in the SLA's column, under it
        assert host.region.y == sla_pane.region.bottom
        services = app.query_one("#services")
        assert services.region.x == app.query_one("#alerts").region.x
        # every service row shows beside a short alert list
        text = "\n".join(_pane_rows(app, "services"))
        for name in app.query_one(ServicesPane).names:
            assert name in text, name
