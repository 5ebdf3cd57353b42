"""The help screen, generated from the active bindings so it never lies about the keys."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def key_label(app, key: str) -> str:
    """How a key is shown to people (question_mark → ?)."""
    return app.get_key_display(Binding(key, ""))


class HelpScreen(ModalScreen[None]):
    """Every active key and what it does; escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", show=False),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("Key", no_wrap=True, style="bold")
        table.add_column("Does")
        table.add_column("Binding id", style="dim", no_wrap=True)
        for keys, description, binding_id in self.rows:
            table.add_row(keys, description, binding_id)
        with VerticalScroll() as scroll:
            scroll.border_title = "Help · keys"
            scroll.border_subtitle = "escape closes"
            yield Static(table)
            yield Static(
                Text(
                    "Keys come from the active keymap; remap them with a keymap file.", style="dim"
                )
            )

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
