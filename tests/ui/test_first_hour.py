"""Issue 14, the screen: at 80x24 every key findable and every cut text readable whole."""

from __future__ import annotations

from textual.widgets import DataTable

from console.ui.footer import FooterKey
from console.ui.panes.services import ServicesPane
from console.ui.screens.alert_detail import AlertDetailScreen
from console.ui.screens.detail import CopyLine, DetailScreen
from console.ui.screens.help import HelpScreen
from console.ui.screens.timeline import TimelineScreen


def screen_text(app) -> str:
    """What a person sees, line by line (as `tmux capture-pane` would give it)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def _start(app, pilot) -> None:
    await app.poll_once()
    await pilot.pause()


async def test_footer_at_80_columns_shows_help_and_quit_and_cuts_no_label(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "? Help" in footer and "q Quit" in footer and "r Restart" in footer
        for key in app.query(FooterKey):
            region = key.region
            assert region.right <= 80, f"{key.description!r} runs off the screen"
            assert key.description in footer, f"{key.description!r} is cut"


async def test_footer_at_160_columns_shows_every_key(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(160, 48)) as pilot:
        await _start(app, pilot)
        footer = screen_text(app).splitlines()[-1]
        for label in ("c Clear cache", "m Maintenance", "t Timeline", "n Note", "^p Commands"):
            assert label in footer


async def test_help_lists_the_consoles_own_keys_first_grouped(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = [binding_id for _, _, binding_id in app.screen.rows]
        assert ids[:5] == ["restart", "silence", "escalate", "maintenance", "cache_clear"]
        for own in ("timeline", "quit", "copy"):
            assert ids.index(own) < ids.index("cursor_down")
        text = screen_text(app)
        assert "Act on the incident" in text and "Restart" in text


async def test_header_keeps_the_refresh_time_at_80_columns(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        app.main.tick()
        await pilot.pause()
        header = screen_text(app).splitlines()[0]
        assert "P2 open" in header
        assert "refreshed 03:00:00 UTC" in header


async def test_header_keeps_the_refresh_time_in_a_p0_with_its_countdown_at_80_columns(demo_app):
    app = demo_app("orchestrator-down", offset=200)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        app.main.tick()
        await pilot.pause()
        assert app.incident.classes.current == "P0"
        header = screen_text(app).splitlines()[0]
        # the class, its escalation, the status-page countdown and the time all fit whole
        assert "P0 open" in header and "status page" in header, header
        assert "03:0" in header and "…" not in header, header


async def test_an_empty_alerts_pane_says_nothing_fires_and_where_it_looked(demo_app):
    app = demo_app("healthy", offset=10)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        assert "no alerts firing (from 127.0.0.1:PORT)" in screen_text(app)


async def test_enter_on_a_service_shows_its_whole_detail(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        table = app.query_one(ServicesPane).query_one(DataTable)
        table.focus()
        await pilot.pause()
        whole = app.state.results["orchestrator"].detail
        assert whole not in screen_text(app)  # the pane had to cut it
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert ("Detail", whole) in app.screen.rows
        assert "connection refused" in screen_text(app)
        await pilot.press("Y")
        await pilot.pause()
        assert whole in app.clipboard


async def test_enter_on_a_timeline_row_shows_the_whole_entry(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TimelineScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        what = dict(app.screen.rows)["What"]
        assert "CriticalFailureRate firing" in what
        # the row showed only its beginning; the detail view wraps the whole of it
        assert what.split()[-1] in screen_text(app)


async def test_copy_key_puts_the_alert_as_markdown_on_the_clipboard(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        await pilot.press("Y")
        await pilot.pause()
        assert app.clipboard.startswith("**CriticalFailureRate** · critical · active")
        assert "- Summary: More than 5 % of orchestration runs are failing" in app.clipboard


async def test_alert_detail_copies_a_url_whole_and_shows_it_unwrapped(demo_app):
    app = demo_app("orchestrator-down", offset=150)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AlertDetailScreen)
        source = app.screen.alert.generator_url
        assert len(source) > 80  # longer than the screen: it scrolls, never wraps
        lines = app.screen.query(CopyLine)
        assert source in [line.value for line in lines]
        for line in lines:
            assert line.size.height == 1 or line.outer_size.height <= 2
        await pilot.press("tab")
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.screen.focused, CopyLine)
        await pilot.press("Y")
        await pilot.pause()
        assert app.clipboard == app.screen.focused.value
        assert "\n" not in app.clipboard and "│" not in app.clipboard
