"""A small Textual app that changes its screen in many ways, then holds still and says
DONE: tests/integration/test_terminal_output.py compares what tmux shows then with what
it shows after a whole-screen redraw (console.ui.output skips what the terminal shows)."""

from __future__ import annotations

import random
import sys

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

import console.ui  # noqa: F401 - installs console.ui.output, as the console does
from console.ui.partial import PartialText


class Modal(ModalScreen[None]):
    def compose(self) -> ComposeResult:
        yield Static("a modal over the screen", id="modal")


class Redraws(App[None]):
    CSS = """
    #modal { width: 30; height: 5; border: round red; }
    Modal { align: center middle; }
    #header { height: 1; }
    #gauges { height: 5; border: round blue; }
    #note { height: 1; }
    #rows { height: 1fr; }
    """

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.rng = random.Random(seed)
        self.step = 0

    def compose(self) -> ComposeResult:
        yield PartialText(id="header")
        yield Static(id="gauges")
        yield Static("a note that comes and goes", id="note")
        yield DataTable(id="rows")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("name", key="name")
        table.add_column("value", key="value")
        table.add_column("detail", key="detail", width=9)
        for i in range(12):
            table.add_row(f"row {i}", "0", "·" * (i % 7), key=str(i))
        self.set_interval(0.06, self.change)

    def change(self) -> None:
        rng, step = self.rng, self.step
        self.step += 1
        if step >= 60:
            self.query_one("#header", PartialText).show(Text("DONE holding still"))
            return
        self.query_one("#header", PartialText).show(Text(f"step {step:03d} of 060"))
        gauges = Table.grid(expand=True)
        gauges.add_column()
        gauges.add_column(justify="right")
        # under a modal the values are ones never shown before or after it: once it is
        # gone, the terminal must not be taken to show what it showed before the modal
        modal = 15 <= step < 22 or 40 <= step < 47
        for name in ("CPU", "Mem", "Disk"):
            value = 50.0 if modal else rng.choice([10.0, 12.5])
            gauges.add_row(name, Text(f"{value:5.1f}%", style=rng.choice(["green", "red"])))
        self.query_one("#gauges", Static).update(gauges, layout=False)
        table = self.query_one(DataTable)
        for _ in range(rng.randint(0, 4)):
            row = str(rng.randrange(12))
            table.update_cell(row, "value", str(rng.randrange(3)))
            table.update_cell(row, "detail", "·" * rng.randrange(9))
        if step in (15, 40):
            self.push_screen(Modal())
        if step in (22, 47):
            self.pop_screen()
        if step in (30, 35):
            note = self.query_one("#note")
            note.display = not note.display


if __name__ == "__main__":
    Redraws(int(sys.argv[1]) if len(sys.argv) > 1 else 1).run()
