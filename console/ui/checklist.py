"""The P0 checklist screen: `p` shows it, 1–4 tick an item (see
console.ui.controllers.checklist for what the console does with it)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from console.checklist import ITEMS, Checklist
from console.clock import format_seconds, format_utc
from console.ui.screens.overlay import Overlay


class ChecklistScreen(Overlay[str | None]):
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

    def __init__(self, found: Checklist, now: float, colours: dict[str, str]) -> None:
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
