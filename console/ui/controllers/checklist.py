"""The P0 checklist: when the P0 opened (the earliest any console saw), the header's
countdown, and ticking items as the seat that pressed the key (console.checklist holds
the rules)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from console.clock import Clock
from console.timeline import Timeline
from console.ui.controllers.base import Ask, Notify
from console.ui.controllers.incident import IncidentController
from console.ui.controllers.seats import SeatsController
from console.ui.controllers.warroom import WarRoomController

if TYPE_CHECKING:
    # the checklist is built with a P0 and opened on a key: not imported on the path
    # to the first frame (issue 13: first paint)
    from console.checklist import Checklist


class ChecklistController:
    """Tracks when the P0 opened, counts down in the header, and ticks items."""

    def __init__(
        self,
        *,
        clock: Clock,
        incident: IncidentController,
        timeline: Timeline,
        warroom: WarRoomController,
        seating: SeatsController,
        colours: Callable[[], dict[str, str]],
        redraw: Callable[[], None],
        notify: Notify,
        ask: Ask,
    ) -> None:
        self.clock = clock
        self.incident = incident
        self.timeline = timeline
        self.warroom = warroom
        self.seating = seating
        #: the theme's colours (the screen marks overdue items in its warning colour)
        self.colours = colours
        #: draw the header again (after a tick)
        self.redraw = redraw
        self.notify = notify
        self.ask = ask
        #: the open P0: its incident id and when it opened (None when no P0 is open)
        self.p0: tuple[str, float] | None = None
        #: the checklist as last built, and what it was built from
        self.found: Checklist | None = None
        self.built_from: tuple[str, float, int] | None = None

    def current(self, now: float) -> Checklist | None:
        """The current P0's checklist (None when no P0 is open in this incident)."""
        klass = self.incident.classes.current
        if klass is None:
            self.p0 = None
            self.found = None
            return None
        if klass == "P0" and self.p0 is None:
            self.p0 = (self.incident.incident_id(now), now)
            self.built_from = None
        if self.p0 is None:
            return None
        incident, opened = self.p0
        try:
            size = os.stat(self.timeline.local_path).st_size
        except OSError:
            size = -1
        if (incident, opened, size) != self.built_from or self.found is None:
            from console import checklist

            entries = self.timeline.entries(since=opened - 3600)
            # a peer that saw the P0 earlier ticked with its opening time: the earliest wins
            earlier = [
                e.data.get("p0_at")
                for e in entries
                if e.kind == "checklist" and e.counts and e.data.get("incident") == incident
            ]
            known = [t for t in earlier if isinstance(t, (int, float)) and t < opened]
            if known:
                opened = min(known)
                self.p0 = (incident, opened)
            self.found = checklist.build(entries, incident, opened)
            self.built_from = (incident, opened, size)
        return self.found

    def header(self, now: float) -> tuple[str, bool]:
        """The header's countdown ("" with no P0) and whether an item is overdue."""
        found = self.current(now)
        return ("", False) if found is None else found.header(now)

    def open(self) -> None:
        """p: the checklist screen; a digit ticks an item as the seat that pressed it."""
        from console import checklist
        from console.ui.checklist import ChecklistScreen

        now = self.clock.time()
        found = self.current(now)
        if found is None:
            self.notify(
                "No P0 is open: the checklist opens with a P0 (the runbook's P0 response)",
                severity="warning",
                markup=False,
            )
            return
        presser = self.seating.presser()
        if self.seating.refuse_tie(presser):
            return
        acting = self.seating.actor(presser)

        def picked(item: str | None) -> None:
            if item is None:
                return
            current = self.current(self.clock.time())
            if current is None:
                return
            if item in current.ticks:
                self.notify(
                    f"Already ticked by {current.ticks[item].who}", severity="warning", markup=False
                )
                return
            label = checklist.seat_text(acting)
            self.timeline.add(
                "checklist",
                f"{checklist.tick_text(item)} (ticked by {label})",
                {"item": item, "incident": current.incident, "p0_at": current.opened_at},
                who=acting,
            )
            self.built_from = None
            self.notify(f"Ticked: {checklist.LABELS[item]} ({label})", markup=False)
            self.warroom.sync_soon()
            self.redraw()

        self.ask(ChecklistScreen(found, now, self.colours()), picked)
