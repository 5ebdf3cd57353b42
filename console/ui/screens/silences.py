"""The silences view: active silences, ending soonest first, each with how many current
alerts it matches ("nothing" flags one that outlived its purpose); expire or extend the
selected one. Below them, the silences that expired recently (within a window a key widens)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from console.clock import format_span
from console.model import Alert, Silence
from console.muting import (
    DEFAULT_EXPIRED_WINDOW,
    matched_alerts,
    next_window,
    recently_expired,
    window_label,
)
from console.text import clean, literal
from console.ui.keymaps import DEFAULT_KEYS, split_keys
from console.ui.screens.detail import COPY_BINDING
from console.ui.screens.overlay import Overlay

#: the view's own keys as the help screen lists them, binding id → what it does
HELP = {
    "silence_expire": "Expire the silence",
    "silence_extend": "Extend the silence by 1h",
    "expired_window": "Expired: look back 24h/5d/1h",
}


def help_bindings(read_only: bool) -> list[tuple[Binding, str]]:
    """The view's keys for the help screen (in read-only, without those that act)."""
    acting = ("silence_expire", "silence_extend")
    return [
        (b, HELP[b.id])
        for b in SilencesScreen.BINDINGS
        if isinstance(b, Binding) and b.id in HELP and not (read_only and b.id in acting)
    ]


class SilencesScreen(Overlay[None]):
    """Lists active silences; x expires the selected one, + extends it by an hour."""

    DEFAULT_CSS = """
    SilencesScreen { align: center middle; }
    SilencesScreen #box { width: 96%; height: 80%; border: thick $accent; background: $surface; }
    SilencesScreen #silences-table { height: 1fr; }
    SilencesScreen #expired-heading { text-style: bold; color: $accent; margin-top: 1; }
    SilencesScreen #expired-table { height: auto; max-height: 40%; }
    SilencesScreen #no-expired { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="silences_close"),
        Binding(DEFAULT_KEYS["silence_expire"], "expire", "Expire", id="silence_expire"),
        Binding(DEFAULT_KEYS["silence_extend"], "extend", "Extend 1h", id="silence_extend"),
        Binding(
            DEFAULT_KEYS["expired_window"], "expired_window", "Expired window", id="expired_window"
        ),
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
        self,
        silences: tuple[Silence, ...],
        now: float,
        *,
        alerts: tuple[Alert, ...] | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        self.read_only = read_only
        self.now = now
        #: the current alerts; None when unknown (then no silence is said to match nothing)
        self.alerts = alerts
        self.all_silences = silences
        self.silences = _active(silences)
        #: how far back the expired section looks, in seconds
        self.expired_within = DEFAULT_EXPIRED_WINDOW
        self.expired = recently_expired(silences, now, self.expired_within)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # read-only: expire and extend cannot run, so they are not offered
        return not (self.read_only and action in ("expire", "extend"))

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(id="silences-table", cursor_type="row")
        table.add_column("Ends in", key="ends", width=8)
        table.add_column("Matches", key="matches", width=10)
        table.add_column("Matchers", key="matchers", width=50)
        table.add_column("By", key="by", width=14)
        table.add_column("Comment", key="comment", width=30)
        table.add_column("ID", key="id", width=36)
        self._fill(table)
        expired: DataTable[Text] = DataTable(id="expired-table", cursor_type="row")
        expired.add_column("Ended", key="ended", width=8)
        expired.add_column("Matchers", key="matchers", width=50)
        expired.add_column("By", key="by", width=14)
        expired.add_column("Comment", key="comment", width=30)
        expired.add_column("ID", key="id", width=36)
        self._fill_expired(expired)
        with Vertical(id="box") as box:
            box.border_title = self._title()
            box.border_subtitle = (
                "read-only · escape close"
                if self.read_only
                else "x expire · + extend by 1h · copy key copies it · escape close"
            )
            yield table
            yield Static("No active silences.", id="none")
            yield Static(self._expired_heading(), id="expired-heading")
            yield expired
            yield Static(id="no-expired")
        yield Footer()

    def on_mount(self) -> None:
        self._show_empty()
        # the cursor starts on the active silences (what x and + act on); the expired
        # ones only when none is active
        if self.silences:
            self.query_one("#silences-table").focus()
        elif self.expired:
            self.query_one("#expired-table").focus()

    def _title(self) -> str:
        title = f"Silences · {len(self.silences)} active"
        idle = sum(1 for s in self.silences if self.match_count(s) == 0)
        return f"{title} · {idle} {'matches' if idle == 1 else 'match'} nothing" if idle else title

    def _expired_heading(self) -> Text:
        keys = getattr(self.app, "keymap_spec", {}).get(
            "expired_window", DEFAULT_KEYS["expired_window"]
        )
        key = self.app.get_key_display(Binding(split_keys(keys)[0], ""))
        within = window_label(self.expired_within)
        wider = window_label(next_window(self.expired_within))
        count = f": {len(self.expired)}" if self.expired else ""
        return Text(f"Expired in the last {within}{count} · {key} looks back {wider}")

    def _show_empty(self) -> None:
        active = self.query_one("#silences-table")
        if self.silences and not active.display and self.is_mounted:
            # the list of active silences was empty (the focus went below) and has one
            # again: x and + act on it, so the cursor goes back up
            self.call_after_refresh(active.focus)
        active.display = bool(self.silences)
        self.query_one("#none").display = not self.silences
        self.query_one("#box").border_title = self._title()
        self.query_one("#expired-heading", Static).update(self._expired_heading())
        self.query_one("#expired-table").display = bool(self.expired)
        none = self.query_one("#no-expired", Static)
        none.display = not self.expired
        none.update(f"No silence expired in the last {window_label(self.expired_within)}.")

    def show(
        self, silences: tuple[Silence, ...], now: float, alerts: tuple[Alert, ...] | None = None
    ) -> None:
        """The silences as they are now (after an extend or expire), the cursor staying on
        the same silence (or where it was, when that one is gone)."""
        table = self.query_one("#silences-table", DataTable)
        selected = self.selected()
        row = table.cursor_row
        self.now = now
        self.alerts = alerts
        self.all_silences = silences
        self.silences = _active(silences)
        table.clear()
        self._fill(table)
        ids = [s.id for s in self.silences]
        if selected is not None and selected.id in ids:
            row = ids.index(selected.id)
        if ids:
            table.move_cursor(row=min(row, len(ids) - 1))
        self._refill_expired()

    def _refill_expired(self) -> None:
        self.expired = recently_expired(self.all_silences, self.now, self.expired_within)
        expired = self.query_one("#expired-table", DataTable)
        row = expired.cursor_row
        expired.clear()
        self._fill_expired(expired)
        if self.expired:
            expired.move_cursor(row=min(row, len(self.expired) - 1))
        self._show_empty()

    def match_count(self, silence: Silence) -> int | None:
        """How many current alerts the silence matches; None when the alerts are unknown."""
        if self.alerts is None:
            return None
        return len(matched_alerts(silence, self.alerts))

    def _matches_cell(self, silence: Silence) -> Text:
        count = self.match_count(silence)
        if count is None:
            return Text("unknown", style="dim")
        if count == 0:
            return Text("⚠ nothing", style="bold")
        return Text(f"{count} alert{'' if count == 1 else 's'}")

    def _fill(self, table: DataTable[Text]) -> None:
        for silence in self.silences:
            table.add_row(
                Text(format_span(silence.ends_at - self.now)),
                self._matches_cell(silence),
                *self._cells(silence),
                key=silence.id,
            )

    def _fill_expired(self, table: DataTable[Text]) -> None:
        for silence in self.expired:
            table.add_row(
                Text(f"{format_span(self.now - silence.ends_at)} ago"),
                *self._cells(silence),
                key=silence.id,
            )

    def _cells(self, silence: Silence) -> list[Text]:
        return [
            literal(self.matchers_text(silence), 300),
            literal(silence.created_by, 60),
            literal(silence.comment, 200),
            literal(silence.id, 64, style="dim"),
        ]

    def selected(self) -> Silence | None:
        """The active silence under the cursor (what expire and extend act on)."""
        return self._selected_in("#silences-table", self.silences)

    def _selected_in(self, table_id: str, silences: list[Silence]) -> Silence | None:
        if not silences:
            return None
        table = self.query_one(table_id, DataTable)
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((s for s in silences if s.id == key), None)

    def _expired_focused(self) -> bool:
        focused = self.focused
        return focused is not None and focused.id == "expired-table"

    def copy_text(self) -> str | None:
        """The selected silence, whole: its matchers, author, comment, end and id."""
        if self._expired_focused():
            silence = self._selected_in("#expired-table", self.expired)
        else:
            silence = self.selected()
        if silence is None:
            return None
        left = silence.ends_at - self.now
        ends = f"Ends in: {format_span(left)}" if left >= 0 else f"Ended: {format_span(-left)} ago"
        lines = [
            f"Matchers: {clean(self.matchers_text(silence), 2000)}",
            f"Created by: {clean(silence.created_by, 200)}",
            f"Comment: {clean(silence.comment, 2000)}",
            ends,
            f"ID: {clean(silence.id, 200)}",
        ]
        count = self.match_count(silence)
        if silence.state == "active" and count is not None:
            matches = f"{count} current alert{'' if count == 1 else 's'}" if count else "nothing"
            lines.insert(3, f"Matches: {matches}")
        return "\n".join(lines)

    @staticmethod
    def matchers_text(silence: Silence) -> str:
        return ", ".join(
            f'{n}{"=~" if r else "="}{"" if e else "!"}"{v}"' for n, v, r, e in silence.matchers
        )

    def action_expire(self) -> None:
        silence = self._acted_on()
        if silence is not None:  # the view stays: the confirmation opens over it
            self.app.post_message(self.Expire(silence))

    def action_extend(self) -> None:
        silence = self._acted_on()
        if silence is not None:
            self.app.post_message(self.Extend(silence))

    def _acted_on(self) -> Silence | None:
        if self._expired_focused():
            self.notify(
                "That silence has already expired: expire and extend act on active ones",
                severity="warning",
                timeout=4,
                markup=False,
            )
            return None
        return self.selected()

    def action_expired_window(self) -> None:
        """Look further back for expired silences; after the widest, the narrowest again."""
        self.expired_within = next_window(self.expired_within)
        self._refill_expired()

    def action_close(self) -> None:
        self.dismiss(None)


def _active(silences: tuple[Silence, ...]) -> list[Silence]:
    """Active silences, ending soonest first."""
    return sorted((s for s in silences if s.state == "active"), key=lambda s: s.ends_at)
