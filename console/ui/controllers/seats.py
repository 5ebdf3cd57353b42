"""Seats: who pressed the key (the tmux client), prompts bound to a seat, who is watching.

See console.seats for how tmux is asked; this holds what the console does with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from console.audit import environment_who
from console.seats import Presser, Seat, Seats, acting_line, person, watching_line
from console.text import clean
from console.timeline import Timeline
from console.ui.controllers.base import Notify, Spawn

#: who is attached is asked of tmux at most this often (a process each time; the header
#: and the timeline learn of an attach or a detach within this many seconds)
LOOK_SECONDS = 5.0

#: a check for a seat-bound prompt: why the key now pressed does not count, or None
SeatRefusal = Callable[[], "str | None"]


class SeatsController:
    """Who acted, seat-bound prompts, and attach / detach on the timeline."""

    def __init__(
        self,
        *,
        seats: Seats,
        timeline: Callable[[], Timeline],
        notify: Notify,
        spawn: Spawn,
    ) -> None:
        self.seats = seats
        #: the timeline of the current environment (seats outlive an environment switch)
        self.timeline = timeline
        self.notify = notify
        self.spawn = spawn
        #: the seats attached at the last look (None before the first)
        self.attached: list[Seat] | None = None
        #: True while tmux is being asked (a slow answer is never overlapped)
        self.looking = False
        #: when tmux was last asked who is attached (the seats' monotonic clock)
        self.looked: float | None = None

    def presser(self, *, fresh: bool = False) -> Presser:
        """The seat that pressed the key being handled (or no seat, and why)."""
        return self.seats.presser(fresh=fresh)

    def actor(self, presser: Presser | None = None) -> dict[str, Any]:
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

    def refusal_for(self, owner: Seat | None) -> SeatRefusal | None:
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

    def acting_note(self, presser: Presser) -> str:
        """Whom a prompt acts as, in one line."""
        return acting_line(presser, environment_who())

    def watching(self) -> str:
        """Who is watching, for the header."""
        return watching_line(self.attached)

    def look(self) -> None:
        """Every LOOK_SECONDS (it is called every second and on every answer): ask tmux
        who is attached (off the event loop), then record attach and detach on the
        timeline."""
        if not self.seats.in_tmux or self.looking:
            return
        now = self.seats.monotonic()
        if self.looked is not None and now - self.looked < LOOK_SECONDS:
            return
        self.looked = now
        self.looking = True

        async def look() -> None:
            try:
                found = await asyncio.to_thread(self.seats.clients, fresh=True, remember=False)
            finally:
                self.looking = False
            if found is None:
                return
            self.seats_changed(found)

        self.spawn(look(), group="seats", exit_on_error=False)

    def seats_changed(self, found: list[Seat]) -> None:
        """Record who attached and detached since the last look."""
        before = {s.key: s for s in (self.attached or [])}
        after = {s.key: s for s in found}
        first = self.attached is None
        self.attached = found
        entries = []
        for key in after.keys() - before.keys():
            seat = after[key]
            verb = "watching" if first else "attached"
            entries.append((f"{seat.label} {verb}", seat, "attach"))
        for key in before.keys() - after.keys():
            seat = before[key]
            entries.append((f"{seat.label} detached", seat, "detach"))
        base = environment_who()
        timeline = self.timeline()
        for text, seat, event in sorted(entries, key=lambda e: e[0]):
            timeline.add(
                "seat",
                text,
                {"event": event, "tty": seat.tty},
                who=person(Presser(seat=seat), base),
            )
        timeline.seats = [s.label for s in found]

    def others_watching(self) -> int:
        """How many other seats watch this console now (0 outside tmux)."""
        if not self.seats.in_tmux:
            return 0
        found = self.seats.clients(fresh=True)
        if not found:
            return 0
        me = self.seats.presser().seat
        return len([s for s in found if me is None or s.key != me.key])
