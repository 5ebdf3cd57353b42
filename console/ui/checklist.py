"""The P0 checklist in the app: the header countdown and the `p` screen to tick items.

A mixin of GenesisApp (console.checklist holds the rules).
"""

from __future__ import annotations

import os

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from console import checklist
from console.checklist import ITEMS, Checklist
from console.clock import format_seconds, format_utc


class ChecklistScreen(ModalScreen[str | None]):
    """The P0 checklist: 1–4 tick an item, escape closes."""

    DEFAULT_CSS = """
    ChecklistScreen { align: center middle; }
    ChecklistScreen > Vertical { width: 90; max-width: 96%; height: auto; border: thick $warning; background: $surface; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="checklist_close"),
        *[
            Binding(str(n), f"pick({n})", f"Tick {label}", id=f"checklist_{item}", show=False)
            for n, (item, label, _) in enumerate(ITEMS, 1)
        ],
    ]

    def __init__(self, found: Checklist, now: float, colours: dict) -> None:
        super().__init__()
        self.found = found
        self.now = now
        self.colours = colours

    def compose(self) -> ComposeResult:
        body = Text()
        overdue = set(self.found.overdue(self.now))
        warning = self.colours.get("status-at-risk", "yellow")
        for n, (item, label, _) in enumerate(ITEMS, 1):
            tick = self.found.ticks.get(item)
            if tick is not None:
                body.append(f" {n}  [x] {label}", style="bold")
                body.append(f" — {tick.who} at {format_utc(tick.at, '%H:%M:%S')} UTC\n")
                continue
            due = self.found.due_at(item)
            line = f" {n}  [ ] {label}"
            if item in overdue and due is not None:
                body.append(
                    line + f" — OVERDUE by {format_seconds(self.now - due)}\n",
                    style=f"bold {warning}",
                )
            elif due is not None:
                body.append(line + f" — due in {format_seconds(due - self.now)}\n")
            else:
                body.append(line + "\n")
        with Vertical() as box:
            box.border_title = (
                f"P0 checklist (P0 opened {format_utc(self.found.opened_at, '%H:%M:%S')} UTC)"
            )
            box.border_subtitle = "1–4 tick · escape closes"
            yield Static(body, id="items")

    def action_pick(self, number: int) -> None:
        self.dismiss(ITEMS[number - 1][0])

    def action_close(self) -> None:
        self.dismiss(None)


class ChecklistKeys:
    """Tracks when the P0 opened, counts down in the header, and ticks items."""

    _p0: tuple[str, float] | None = None
    _checklist: Checklist | None = None
    _checklist_seen: tuple | None = None

    def p0_checklist(self, now: float) -> Checklist | None:
        """The current P0's checklist (None when no P0 is open in this incident)."""
        klass = self.incident_classes.current
        if klass is None:
            self._p0 = None
            self._checklist = None
            return None
        if klass == "P0" and self._p0 is None:
            self._p0 = (self.incident_id(now), now)
            self._checklist_seen = None
        if self._p0 is None:
            return None
        incident, opened = self._p0
        try:
            size = os.stat(self.timeline.local_path).st_size
        except OSError:
            size = -1
        seen = (incident, opened, size)
        if seen != self._checklist_seen or self._checklist is None:
            entries = self.timeline.entries(since=opened - 3600)
            # a peer that saw the P0 earlier ticked with its opening time: the earliest wins
            earlier = [
                e.data.get("p0_at")
                for e in entries
                if e.kind == "checklist" and e.counts and e.data.get("incident") == incident
            ]
            earlier = [t for t in earlier if isinstance(t, (int, float)) and t < opened]
            if earlier:
                opened = min(earlier)
                self._p0 = (incident, opened)
            self._checklist = checklist.build(entries, incident, opened)
            self._checklist_seen = (incident, opened, size)
        return self._checklist

    def checklist_header(self, now: float) -> tuple[str, bool]:
        found = self.p0_checklist(now)
        return ("", False) if found is None else found.header(now)

    def action_checklist(self) -> None:
        now = self.clock.time()
        found = self.p0_checklist(now)
        if found is None:
            self.notify(
                "No P0 is open: the checklist opens with a P0 (the runbook's P0 response)",
                severity="warning",
                markup=False,
            )
            return
        presser = self.presser()
        if self.refuse_tie(presser):
            return
        acting = self.actor(presser)

        def picked(item: str | None) -> None:
            if item is None:
                return
            current = self.p0_checklist(self.clock.time())
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
            self._checklist_seen = None
            self.notify(f"Ticked: {checklist.LABELS[item]} ({label})", markup=False)
            if self.config.warroom.redis_url:
                self.run_worker(self._warroom_tick(), group="warroom")
            self.tick()

        self.push_screen(ChecklistScreen(found, now, self.theme_variables), picked)
