"""Issue 15, the ack's note: `a` asks lightly (even in production), `tab` reaches an
optional one-line note, typed or pasted, that the silence's comment carries after
`ACK by <who>: `; Enter in it confirms, Escape acks nothing, and a paste never confirms."""

from __future__ import annotations

from textual import events
from textual.widgets import Button, Input

from console.audit import who
from console.config import AuditConfig
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.confirm import ConfirmScreen
from tests.pilot import wait_until


def prompt(app) -> ConfirmScreen:
    assert isinstance(app.screen, ConfirmScreen), type(app.screen).__name__
    return app.screen


def comments(world) -> list[str]:
    return sorted(s.comment for s in world.silences.values())


async def open_note(app, pilot, row: int) -> Input:
    """Select the alert on `row`, press a, and tab to the note field."""
    table = app.query_one(AlertsPane).table
    table.focus()
    table.move_cursor(row=row)
    await pilot.press("a")
    await pilot.pause()
    screen = prompt(app)
    assert screen.plan.kind == "ack"
    # light: the cancel choice has the focus, no name to type even in production
    assert screen.focused is screen.query_one("#cancel", Button)
    assert not screen.query("#typed")
    await pilot.press("tab")
    note = screen.query_one("#note", Input)
    assert screen.focused is note
    return note


async def test_the_ack_note_typed_or_pasted_is_in_the_comment_and_escape_acks_nothing(
    demo_app, tmp_path
):
    app = demo_app(
        "orchestrator-down",
        offset=150,
        environment="production",
        audit=AuditConfig(path=str(tmp_path / "audit.jsonl")),
    )
    world = app.demo_stack.world
    author = who()["user"]
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await wait_until(
            pilot, lambda: app.query_one(AlertsPane).table.row_count >= 2, 10, "two alerts"
        )
        before = comments(world)

        # Escape, even after a note was written, acks nothing
        await open_note(app, pilot, 0)
        await pilot.press(*"never mind")
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
        assert comments(world) == before

        # typed (y and n are letters of it): the plan shows it, Enter confirms
        note = await open_note(app, pilot, 0)
        await pilot.press(*"on it, rolling back y n")
        await pilot.pause()
        assert prompt(app).plan.lines[-1].endswith(f"ACK by {author}: on it, rolling back y n")
        await pilot.press("enter")
        want = f"ACK by {author}: on it, rolling back y n"
        await wait_until(pilot, lambda: want in comments(world), 10, "the typed note's ack")

        # pasted, hostile, over two lines: one clean line; a pasted "y" or Enter is no answer
        note = await open_note(app, pilot, 1)
        app.post_message(events.Paste("db1 \x1b[2J[bold]failover[/bold]\nsee #inc-42\r"))
        app.post_message(events.Paste("y\r"))
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmScreen)  # still asking
        # shown as it will be stored: the escape character as text, never sent to a terminal
        assert note.value == "db1 \\x1b[2J[bold]failover[/bold] see #inc-42y"
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: len(comments(world)) == len(before) + 2, 10, "the pasted note's ack"
        )
        (pasted,) = [c for c in comments(world) if "failover" in c]
        assert pasted == f"ACK by {author}: db1 \\x1b[2J[bold]failover[/bold] see #inc-42y"
        await wait_until(
            pilot,
            lambda: any("see #inc-42" in e.text for e in app.timeline.entries()),
            5,
            "the note on the timeline",
        )
