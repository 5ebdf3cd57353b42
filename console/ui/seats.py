"""Seats in the app: who pressed the key, prompts bound to a seat, who is watching.

A mixin of GenesisApp (see console.seats for how tmux is asked).
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from console.audit import environment_who
from console.seats import Presser, Seat, Seats, acting_line, person, watching_line
from console.text import clean


class QuitScreen(ModalScreen[bool]):
    """Others are watching this console: quit for everyone? y quits, anything else stays."""

    DEFAULT_CSS = """
    QuitScreen { align: center middle; }
    QuitScreen > Vertical { width: 70; max-width: 96%; height: auto; border: thick $warning; background: $surface; padding: 0 1; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Quit for everyone", id="quit_yes"),
        Binding("n,escape", "answer(False)", "Stay", id="quit_no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Quit"
            box.border_subtitle = "y quits for everyone · n or escape stays"
            yield Static(Text(self.question))

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class SeatKeys:
    """Who acted (the tmux seat), seat-bound prompts, watching and attach/detach."""

    seats: Seats
    _watching: list[Seat] | None = None
    _seats_busy = False

    def presser(self, *, fresh: bool = False) -> Presser:
        """The seat that pressed the key being handled (or no seat, and why)."""
        return self.seats.presser(fresh=fresh)

    def actor(self, presser: Presser | None = None) -> dict:
        """Who acted, for the audit log and the timeline."""
        return person(presser or self.presser(), environment_who())

    def refuse_tie(self, presser: Presser) -> bool:
        """Say so and return True when two seats pressed keys in the same second."""
        if not presser.tie:
            return False
        names = ", ".join(s.label for s in presser.tie)
        self.notify(
            f"Two seats pressed keys in the same second ({names}): cannot tell who it was. "
            "Press it again.",
            severity="warning",
            markup=False,
        )
        return True

    def seat_refusal_for(self, owner: Seat | None):
        """A check for a prompt opened by `owner`: why the key now being handled does
        not count (pressed at another seat, a tie, tmux silent), or None when it does."""
        if owner is None:
            return None

        def refusal() -> str | None:
            now = self.seats.presser(fresh=True)
            if now.tie:
                return (
                    "Two seats pressed keys in the same second: cannot tell who it was; "
                    "press it again."
                )
            if now.seat is None:
                return f"Cannot tell who pressed it ({now.reason}); press it again."
            if now.seat.key != owner.key:
                return (
                    f"That is {clean(owner.user, 40)}'s prompt: only {clean(owner.label, 80)} "
                    "can confirm it (anyone can cancel)."
                )
            return None

        return refusal

    def watching(self) -> str:
        return watching_line(self._watching)

    def watch_seats(self) -> None:
        """Once a second: ask tmux who is attached (off the event loop), then record
        attach and detach on the timeline and show who is watching in the header."""
        if not self.seats.in_tmux or self._seats_busy:
            return
        self._seats_busy = True

        async def look() -> None:
            try:
                found = await asyncio.to_thread(self.seats.clients, fresh=True, remember=False)
            finally:
                self._seats_busy = False
            if found is None:
                return
            self.seats_changed(found)

        self.run_worker(look(), group="seats", exit_on_error=False)

    def seats_changed(self, found: list[Seat]) -> None:
        before = {s.key: s for s in (self._watching or [])}
        after = {s.key: s for s in found}
        first = self._watching is None
        self._watching = found
        entries = []
        for key in after.keys() - before.keys():
            seat = after[key]
            verb = "watching" if first else "attached"
            entries.append((f"{seat.label} {verb}", seat, "attach"))
        for key in before.keys() - after.keys():
            seat = before[key]
            entries.append((f"{seat.label} detached", seat, "detach"))
        base = environment_who()
        for text, seat, event in sorted(entries, key=lambda e: e[0]):
            self.timeline.add(
                "seat",
                text,
                {"event": event, "tty": seat.tty},
                who=person(Presser(seat=seat), base),
            )
        self.timeline.seats = [s.label for s in found]

    def others_watching(self) -> int:
        """How many other seats watch this console now (0 outside tmux)."""
        if not self.seats.in_tmux:
            return 0
        found = self.seats.clients(fresh=True)
        if not found:
            return 0
        me = self.seats.presser().seat
        return len([s for s in found if me is None or s.key != me.key])

    def acting_note(self, presser: Presser) -> str:
        return acting_line(presser, environment_who())
