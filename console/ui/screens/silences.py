"""The silences view: active silences, ending soonest first; expire or extend the selected one."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from console.clock import format_span
from console.model import Silence
from console.text import clean, literal
from console.ui.screens.detail import COPY_BINDING


class SilencesScreen(ModalScreen[None]):
    """Lists active silences; x expires the selected one, + extends it by an hour."""

    DEFAULT_CSS = """
    SilencesScreen { align: center middle; }
    SilencesScreen #box { width: 96%; height: 80%; border: thick $accent; background: $surface; }
    SilencesScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="silences_close"),
        Binding("x", "expire", "Expire", id="silence_expire"),
        Binding("plus,equals_sign", "extend", "Extend 1h", id="silence_extend"),
        COPY_BINDING,
    ]

    class Expire(Message):
        """The engineer asked to expire a silence."""

        def __init__(self, silence: Silence) -> None:
            super().__init__()
            self.silence = silence

    class Extend(Message):
        """The engineer asked to extend a silence."""

        def __init__(self, silence: Silence) -> None:
            super().__init__()
            self.silence = silence

    def __init__(
        self, silences: tuple[Silence, ...], now: float, *, read_only: bool = False
    ) -> None:
        super().__init__()
        self.read_only = read_only
        self.now = now
        self.silences = _active(silences)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # read-only: expire and extend cannot run, so they are not offered
        return not (self.read_only and action in ("expire", "extend"))

    def compose(self) -> ComposeResult:
        table = DataTable(id="silences-table", cursor_type="row")
        table.add_column("Ends in", key="ends", width=8)
        table.add_column("Matchers", key="matchers", width=50)
        table.add_column("By", key="by", width=14)
        table.add_column("Comment", key="comment", width=30)
        table.add_column("ID", key="id", width=36)
        self._fill(table)
        with Vertical(id="box") as box:
            box.border_title = f"Silences · {len(self.silences)} active"
            box.border_subtitle = (
                "read-only · escape close"
                if self.read_only
                else "x expire · + extend by 1h · copy key copies it · escape close"
            )
            yield table
            yield Static("No active silences.", id="none")
        yield Footer()

    def on_mount(self) -> None:
        self._show_empty()

    def _show_empty(self) -> None:
        self.query_one(DataTable).display = bool(self.silences)
        self.query_one("#none").display = not self.silences
        self.query_one("#box").border_title = f"Silences · {len(self.silences)} active"

    def show(self, silences: tuple[Silence, ...], now: float) -> None:
        """The silences as they are now (after an extend or expire), the cursor staying on
        the same silence (or where it was, when that one is gone)."""
        table = self.query_one(DataTable)
        selected = self.selected()
        row = table.cursor_row
        self.now = now
        self.silences = _active(silences)
        table.clear()
        self._fill(table)
        ids = [s.id for s in self.silences]
        if selected is not None and selected.id in ids:
            row = ids.index(selected.id)
        if ids:
            table.move_cursor(row=min(row, len(ids) - 1))
        self._show_empty()

    def _fill(self, table: DataTable) -> None:
        for silence in self.silences:
            matchers = self.matchers_text(silence)
            table.add_row(
                Text(format_span(silence.ends_at - self.now)),
                literal(matchers, 300),
                literal(silence.created_by, 60),
                literal(silence.comment, 200),
                literal(silence.id, 64, style="dim"),
                key=silence.id,
            )

    def selected(self) -> Silence | None:
        if not self.silences:
            return None
        table = self.query_one(DataTable)
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((s for s in self.silences if s.id == key), None)

    def copy_text(self) -> str | None:
        """The selected silence, whole: its matchers, author, comment, end and id."""
        silence = self.selected()
        if silence is None:
            return None
        return "\n".join(
            [
                f"Matchers: {clean(self.matchers_text(silence), 2000)}",
                f"Created by: {clean(silence.created_by, 200)}",
                f"Comment: {clean(silence.comment, 2000)}",
                f"Ends in: {format_span(silence.ends_at - self.now)}",
                f"ID: {clean(silence.id, 200)}",
            ]
        )

    @staticmethod
    def matchers_text(silence: Silence) -> str:
        return ", ".join(
            f'{n}{"=~" if r else "="}{"" if e else "!"}"{v}"' for n, v, r, e in silence.matchers
        )

    def action_expire(self) -> None:
        silence = self.selected()
        if silence is not None:  # the view stays: the confirmation opens over it
            self.app.post_message(self.Expire(silence))

    def action_extend(self) -> None:
        silence = self.selected()
        if silence is not None:
            self.app.post_message(self.Extend(silence))

    def action_close(self) -> None:
        self.dismiss(None)


def _active(silences: tuple[Silence, ...]) -> list[Silence]:
    """Active silences, ending soonest first."""
    return sorted((s for s in silences if s.state == "active"), key=lambda s: s.ends_at)
