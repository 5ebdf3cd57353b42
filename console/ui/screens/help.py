"""The help screen, generated from the active bindings so it never lies about the keys."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.ui.screens.overlay import Overlay

#: the console's own keys first, in groups a person looks for; Textual's generic keys last
GROUPS = (
    (
        "Act on the incident",
        ("restart", "silence", "escalate", "maintenance", "cache_clear", "ack"),
    ),
    ("Alerts layout", ("group", "fold", "sort_previous", "sort_next", "label_columns")),
    ("War room", ("timeline", "note", "silences")),
    ("In the silences view", ("silence_expire", "silence_extend", "expired_window")),
    ("Copy to the clipboard (OSC 52: over SSH, in tmux)", ("copy",)),
    ("Console", ("help", "quit", "command_palette", "refresh")),
    (
        "Move",
        ("zoom", "nav_down", "nav_up", "nav_top", "nav_bottom", "focus_next", "focus_previous"),
    ),
)
OTHER = "Tables, scrolling and the rest"


def sections(rows: list[tuple[str, str, str]]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Rows (keys, description, binding id) in GROUPS, in their order; the rest last."""
    by_id = {row[2]: row for row in rows}
    out = []
    placed: set[str] = set()
    for title, ids in GROUPS:
        members = [by_id[i] for i in ids if i in by_id]
        placed.update(i for i in ids if i in by_id)
        if members:
            out.append((title, members))
    rest = [row for row in rows if row[2] not in placed]
    if rest:
        out.append((OTHER, sorted(rest, key=lambda row: row[1].lower())))
    return out


def key_label(app: App[Any], key: str) -> str:
    """How a key is shown to people (question_mark → ?)."""
    return app.get_key_display(Binding(key, ""))


class HelpScreen(Overlay[None]):
    """Every active key and what it does; escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen .group { text-style: bold; color: $accent; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", show=False),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Help · keys"
            scroll.border_subtitle = "escape closes"
            for title, rows in sections(self.rows):
                table = Table(box=None, expand=True, show_header=False, padding=(0, 1))
                table.add_column("Key", style="bold", width=16)
                table.add_column("Does", ratio=1)
                table.add_column("Binding id", style="dim", width=16, overflow="fold")
                for keys, description, binding_id in rows:
                    table.add_row(Text(keys), Text(description), Text(binding_id))
                yield Static(Text(title), classes="group")
                yield Static(table)
            yield Static(
                Text(
                    "Keys come from the active keymap; remap them with a keymap file.", style="dim"
                )
            )

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
