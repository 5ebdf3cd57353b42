"""The whole text of a row that a pane had to cut, and lines that copy whole (OSC 52)."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalScroll, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from console.clock import utc_datetime
from console.model import Alert
from console.text import clean
from console.ui.keymaps import DEFAULT_KEYS
from console.ui.screens.overlay import Overlay

#: the copy key on a modal screen (the app's own bindings do not reach past a modal);
#: the same binding id, so a keymap moves it everywhere at once
COPY_BINDING = Binding(DEFAULT_KEYS["copy"], "app.copy", "Copy to the clipboard", id="copy")


class CopyLine(HorizontalScroll, can_focus=True):
    """One line that is never wrapped (left/right scroll it): a shell command or a URL.
    The copy key copies it whole, with no box border or line break in it."""

    DEFAULT_CSS = """
    CopyLine { height: auto; scrollbar-size-horizontal: 1; background: $panel; }
    CopyLine:focus { background: $boost; border-left: outer $accent; }
    CopyLine > Static { width: auto; }
    """

    def __init__(self, value: str, *, prefix: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: what the copy key puts on the clipboard
        self.value = clean(value, 4000)
        self.prefix = prefix

    def compose(self) -> ComposeResult:
        yield Static(Text(self.prefix + self.value, no_wrap=True))


def copy_value(screen: Screen[Any]) -> str | None:
    """What the copy key takes on `screen`: the focused copyable line, else the screen's
    own text (an alert as Markdown, a row's whole text)."""
    focused = screen.focused
    if isinstance(focused, CopyLine):
        return focused.value
    whole = getattr(screen, "copy_text", None)
    return whole() if callable(whole) else None


class DetailScreen(Overlay[None]):
    """Label: value pairs, each value whole and wrapped; escape closes it."""

    DEFAULT_CSS = """
    DetailScreen { align: center middle; }
    DetailScreen > Vertical {
        width: 110; max-width: 98%; height: auto; max-height: 94%;
        border: thick $primary; background: $surface;
    }
    DetailScreen VerticalScroll { height: auto; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,enter", "close", "Close", id="row_detail_close"), COPY_BINDING]

    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.heading = clean(title, 100)
        self.rows = [(clean(label, 40), clean(value, 4000)) for label, value in rows]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for label, value in self.rows:
            table.add_row(Text(label), Text(value))
        with Vertical() as box:
            box.border_title = self.heading
            box.border_subtitle = "escape closes · copy key copies it"
            with VerticalScroll():
                yield Static(table)

    def copy_text(self) -> str:
        """The whole entry as lines of `label: value`."""
        return "\n".join(f"{label}: {value}" for label, value in self.rows)

    def action_close(self) -> None:
        self.dismiss(None)


def _when(epoch: float | None) -> str:
    if not epoch:
        return "unknown"
    return utc_datetime(epoch)


def alert_markdown(alert: Alert) -> str:
    """An alert as Markdown, to paste into a ticket or a chat (every field cleaned)."""
    lines = [
        f"**{clean(alert.name, 200)}** · {clean(alert.severity, 40)} · "
        f"{clean(alert.display_state, 40)}",
        "",
        f"- Started: {_when(alert.starts_at)}",
    ]
    if alert.summary:
        lines.append(f"- Summary: {clean(alert.summary, 1000)}")
    labels = ", ".join(
        f'`{clean(k, 100)}="{clean(v, 300)}"`' for k, v in alert.labels if k != "alertname"
    )
    if labels:
        lines.append(f"- Labels: {labels}")
    for name, value in alert.annotations:
        if name != "summary":
            lines.append(f"- {clean(name, 100)}: {clean(value, 1000)}")
    if alert.sources:
        lines.append(f"- Alertmanagers: {', '.join(clean(s, 200) for s in alert.sources)}")
    if alert.generator_url:
        lines.append(f"- Source: {clean(alert.generator_url, 2000)}")
    return "\n".join(lines)
