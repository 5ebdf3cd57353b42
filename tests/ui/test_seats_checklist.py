"""The P0 checklist on a frozen clock, and seat-bound prompts with a scripted tmux.

The real tmux server with two Linux users is in tests/integration/test_tmux_seats.py;
here tmux's answers are scripted so the rules are checked quickly and exactly.
"""

from __future__ import annotations

from console.checklist import STATUS_PAGE_SECONDS
from console.seats import Seats
from console.timeline import render_markdown
from console.ui.checklist import ChecklistScreen
from console.ui.screens.confirm import ConfirmScreen


class ScriptedTmux:
    """Answers `list-clients` with whatever `clients` holds now: (user, tty, activity)."""

    def __init__(self, *clients: tuple[str, str, int]) -> None:
        self.clients = list(clients)

    def __call__(self, argv: list[str], timeout: float) -> str:
        assert argv[:3] == ["tmux", "-S", "/tmp/gc-sock"] and "list-clients" in argv
        return "".join(f"{u}\t{t}\t{a}\n" for u, t, a in self.clients)

    def press(self, user: str, at: int) -> None:
        self.clients = [(u, t, at if u == user else a) for u, t, a in self.clients]


def seated(tmux: ScriptedTmux) -> Seats:
    return Seats({"TMUX": "/tmp/gc-sock,1,0", "TMUX_PANE": "%0"}, runner=tmux, burst=0)


async def open_p0(app, pilot) -> None:
    await app.poll_once()
    app.main.tick()
    await pilot.pause()
    assert app.incident.classes.current == "P0"


async def test_the_p0_checklist_counts_down_ticks_and_goes_overdue(demo_app):
    app = demo_app("orchestrator-down", offset=200)
    tmux = ScriptedTmux(("oncall1", "/dev/pts/3", 100), ("oncall2", "/dev/pts/4", 90))
    app.seating.seats = seated(tmux)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_p0(app, pilot)
        header = app.query_one("#header")
        assert header.checklist == "status page due in 5m 00s"
        assert not header.checklist_overdue

        app.clock.advance(STATUS_PAGE_SECONDS + 12)
        app.main.tick()
        assert header.checklist == "STATUS PAGE OVERDUE 12s"
        assert header.checklist_overdue  # drawn in the warning colour

        # oncall2 presses p and ticks "customer success told" (item 2)
        tmux.press("oncall2", 200)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistScreen)
        assert "OVERDUE" in str(app.screen.query_one("#items").render())
        await pilot.press("2")
        await pilot.pause()
        # then, 3 s later, oncall1 ticks the status page
        app.clock.advance(3)
        tmux.press("oncall1", 201)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        app.main.tick()
        assert header.checklist == "P0 checklist: 2 open"
        assert not header.checklist_overdue

        ticks = [e for e in app.timeline.entries() if e.kind == "checklist"]
        assert [(e.who["user"], e.who["tty"], e.data["item"]) for e in ticks] == [
            ("oncall2", "/dev/pts/4", "customer_success"),
            ("oncall1", "/dev/pts/3", "status_page"),
        ]
        assert "ticked by oncall1 from /dev/pts/3" in ticks[1].text

        # the exported story carries the checklist, and the post-mortem is due
        story = render_markdown(app.timeline.entries(), now=app.clock.time())
        assert "## P0 checklist" in story
        assert "- [x] status page updated: oncall1 from /dev/pts/3" in story
        assert "15s late" in story
        assert "- [ ] post-mortem owner named" in story
        assert "not recovered yet" in story


async def test_post_mortem_due_is_exported_until_48_hours_after_recovery(demo_app):
    app = demo_app("orchestrator-down", offset=200)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_p0(app, pilot)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("4")
        await pilot.pause()
        recovered = app.clock.time() + 60
        app.timeline.add("incident", "all clear", {"recovery_seconds": 300.0}, at=recovered)
        entries = app.timeline.entries()
        soon = render_markdown(entries, now=recovered + 47 * 3600)
        assert "**Post-mortem due** by" in soon
        assert "- [x] post-mortem owner named" in soon
        later = render_markdown(entries, now=recovered + 49 * 3600)
        assert "Post-mortem due" not in later and "## P0 checklist" in later


async def test_without_a_p0_the_checklist_key_says_there_is_none(demo_app):
    app = demo_app("healthy")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert not isinstance(app.screen, ChecklistScreen)
        assert app.query_one("#header").checklist == ""


async def test_another_seats_y_does_not_confirm_and_a_tie_is_refused(demo_app):
    app = demo_app("orchestrator-down", offset=200)
    tmux = ScriptedTmux(("oncall1", "/dev/pts/3", 100), ("oncall2", "/dev/pts/4", 90))
    app.seating.seats = seated(tmux)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_p0(app, pilot)
        await pilot.press("c")  # oncall1 opens the cache-clear prompt
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "acting as oncall1 from /dev/pts/3" in str(app.screen.query_one("#plan").render())

        tmux.press("oncall2", 110)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # not confirmed
        assert any("oncall1's prompt" in n.message for n in app.told)

        tmux.press("oncall1", 111)
        tmux.press("oncall2", 111)  # both in the same second: refused, asked again
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert any("same second" in n.message for n in app.told)

        tmux.press("oncall2", 112)  # any seat may cancel
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        declined = [r for r in app.runner.audit.records() if r["outcome"] == "cancelled"]
        assert declined and declined[-1]["user"] == "oncall1"
        assert declined[-1]["tty"] == "/dev/pts/3"


async def test_outside_tmux_the_prompt_says_whose_name_it_falls_back_to(demo_app, monkeypatch):
    monkeypatch.setenv("USER", "alice")
    monkeypatch.delenv("SUDO_USER", raising=False)
    app = demo_app("orchestrator-down", offset=200)
    app.seating.seats = Seats({})
    async with app.run_test(size=(160, 40)) as pilot:
        await open_p0(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        text = str(app.screen.query_one("#plan").render())
        assert "acting as alice ($SUDO_USER/$USER: not inside tmux)" in text


async def test_the_header_names_who_watches_and_attach_detach_reach_the_timeline(demo_app):
    from console.ui.controllers.seats import LOOK_SECONDS
    from tests.pilot import wait_until

    app = demo_app("healthy")
    tmux = ScriptedTmux(("oncall1", "/dev/pts/3", 100), ("oncall2", "/dev/pts/4", 90))
    monotonic = [1000.0]
    app.seating.seats = Seats(
        {"TMUX": "/tmp/gc-sock,1,0", "TMUX_PANE": "%0"},
        runner=tmux,
        burst=0,
        monotonic=lambda: monotonic[0],
    )
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_until(pilot, lambda: app.seating.attached is not None, 5, "the first look")
        assert app.seating.watching() == "2 watching: oncall1, oncall2"
        tmux.clients.append(("oncall3", "/dev/pts/5", 120))
        # tmux is asked every LOOK_SECONDS: the header names the new seat by then
        monotonic[0] += LOOK_SECONDS
        app.main.tick()
        await wait_until(
            pilot,
            lambda: app.seating.watching() == "3 watching: oncall1, oncall2, oncall3",
            5,
            "the header to name oncall3",
        )
        assert "3 watching: oncall1, oncall2, oncall3" in str(app.query_one("#header").render())
        tmux.clients = tmux.clients[1:]
        app.seating.seats_changed(app.seating.seats.clients(fresh=True))
        seats = [(e.who["user"], e.text) for e in app.timeline.entries() if e.kind == "seat"]
        assert ("oncall3", "oncall3 from /dev/pts/5 attached") in seats
        assert ("oncall1", "oncall1 from /dev/pts/3 detached") in seats
        # quitting while others watch asks first
        tmux.clients = [("oncall1", "/dev/pts/3", 130), *tmux.clients]
        await pilot.press("q")
        await pilot.pause()
        assert "2 others are watching: quit for everyone?" in str(
            app.screen.query_one("Static").render()
        )
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running


async def test_an_escalation_names_the_seat_that_confirmed_it(demo_app):
    """The page and the Slack message say who escalated: the seat, not who started tmux."""
    from tests.pilot import wait_until

    app = demo_app("orchestrator-down", offset=200)
    tmux = ScriptedTmux(("oncall1", "/dev/pts/3", 100), ("oncall2", "/dev/pts/4", 90))
    app.seating.seats = seated(tmux)
    world = app.demo_stack.world
    async with app.run_test(size=(160, 40)) as pilot:
        await open_p0(app, pilot)
        tmux.press("oncall2", 200)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: len(world.escalations) == 2 and not app.runner.running,
            5,
            "the page and the message",
        )
    page, message = world.escalations
    assert page.body["payload"]["custom_details"]["escalated_by"].startswith("oncall2@")
    assert "/dev/pts/4" in page.body["payload"]["custom_details"]["escalated_by"]
    assert "escalated by oncall2@" in message.body["text"]
