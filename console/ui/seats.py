"""The question asked before quitting a console others watch (see
console.ui.controllers.seats for the seats themselves)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from console.ui.screens.overlay import Overlay


class QuitScreen(Overlay[bool]):
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
