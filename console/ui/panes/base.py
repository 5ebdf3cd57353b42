"""What every pane shares: a titled border, the age of its data, and staleness."""

from __future__ import annotations

import math

from textual.containers import Vertical

from console.clock import format_age
from console.state import State


class Pane(Vertical, can_focus=False):
    """A bordered pane that renders a State and shows how old its data is."""

    DEFAULT_CSS = """
    Pane {
        border: round $primary 60%;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        padding: 0 1;
        height: 1fr;
    }
    Pane:focus-within { border: round $primary; }
    Pane.-stale { border: round $status-stale; border-subtitle-color: $status-stale; }
    Pane.-failing { border: heavy $status-breached; }
    """

    #: the word the pane's title must contain (CONTRACT.md)
    TITLE = ""
    #: the sources whose results this pane shows (their age is the pane's age)
    SOURCES: tuple[str, ...] = ()
    #: more changes this pane redraws on, which do not make its age (the recovery clock,
    #: the firing history that Prometheus answers every few minutes)
    ALSO_SHOWS: tuple[str, ...] = ()

    def on_mount(self) -> None:
        self.border_title = self.TITLE
        self.border_subtitle = "waiting for data…"

    def natural_height(self) -> int:
        """Rows (borders included) this pane needs to show all it has now."""
        return 8

    def hidden_rows(self) -> int:
        """Rows of this pane's list that do not fit its height now (they scroll)."""
        from textual.widgets import DataTable

        hidden = 0
        for table in self.query(DataTable):
            if table.display and table.size.height:
                header = 1 if table.show_header else 0
                hidden += max(0, table.row_count - (table.size.height - header))
        return hidden

    def with_cut_note(self, text: str) -> str:
        """The age line, led by how many rows are out of sight and the key that shows
        them all (the zoom key), when some are."""
        hidden = self.hidden_rows()
        if not hidden:
            return text
        from console.ui.keymaps import DEFAULT_KEYS, split_keys
        from console.ui.screens.help import key_label

        spec = getattr(self.app, "keymap_spec", {}) or {}
        keys = split_keys(spec.get("zoom", DEFAULT_KEYS["zoom"]))
        key = key_label(self.app, keys[0]) if keys else "zoom"
        rows = "row" if hidden == 1 else "rows"
        room = self.outer_size.width - 5
        for note in (
            f"+{hidden} {rows}: {key} zooms",
            f"+{hidden} {rows} ({key})",
            f"+{hidden} ({key})",
        ):
            if len(note) + 3 + len(text) <= room:
                return f"{note} · {text}"
        return text

    def shows(self, changed: set[str]) -> bool:
        """True when a change of these sources changes what this pane shows."""
        return not changed.isdisjoint(self.SOURCES) or not changed.isdisjoint(self.ALSO_SHOWS)

    def show(self, state: State) -> None:
        """Redraw from the state; called only when this pane's data changed."""

    def forget(self) -> None:
        """Drop what was drawn, so the next `show` draws everything (a new theme)."""

    def colour(self, variable: str) -> str:
        """A concrete colour from the theme, for Rich renderables."""
        return self.app.theme_variables.get(variable, "")

    def tick(self, state: State, now: float, stale_after: float) -> None:
        """Update the age line; mark the pane stale when its data is too old."""
        stamp = state.obtained_at(list(self.SOURCES))
        if stamp is None:
            text = "waiting for data…"
            stale = False
        else:
            age = now - stamp
            stale = age > stale_after
            # while data keeps arriving on time the line stays put (no redraw every second);
            # once it is late, the age counts up, then STALE
            fresh = math.ceil(stale_after * 2 / 3)
            if stale:
                text = f"STALE · {format_age(age)} old"
            elif age < fresh:
                text = f"updated <{fresh}s ago"
            else:
                text = f"updated {format_age(age)} ago"
        text = self.with_cut_note(text)
        if self.border_subtitle != text:
            self.border_subtitle = text
        self.set_class(stale, "-stale")
