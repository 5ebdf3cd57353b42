"""The war-room timeline view and the note prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from console.clock import format_utc, utc_datetime
from console.text import clean, literal
from console.ui.inputs import SteadyInput
from console.ui.screens.detail import COPY_BINDING, DetailScreen
from console.ui.screens.overlay import Overlay

if TYPE_CHECKING:
    from console.timeline.entry import Entry

KIND_LABELS = {
    "alert_firing": "firing",
    "alert_resolved": "resolved",
    "alert_silenced": "silenced",
    "alert_inhibited": "inhibited",
    "incident": "incident",
    "action": "action",
    "note": "note",
    "seat": "seat",
    "checklist": "checklist",
    "ack": "ack",
    "ack_released": "ack released",
}


class NoteScreen(Overlay[str | None]):
    """One line of free text for the timeline; Enter adds it, escape drops it."""

    DEFAULT_CSS = """
    NoteScreen { align: center middle; }
    NoteScreen > Vertical { width: 90; max-width: 96%; height: auto; border: thick $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="note_cancel")]

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Note on the war-room timeline"
            box.border_subtitle = "enter adds · escape drops"
            yield SteadyInput(placeholder="what you saw, did or decided", id="note")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_key(self, event: events.Key) -> None:
        # a key of the burst that opened the prompt, before the field had the focus: it is
        # still a letter of the note
        field = self.query_one(Input)
        if self.focused is field or not event.is_printable or not event.character:
            return
        event.stop()
        event.prevent_default()
        field.insert_text_at_cursor(event.character)
        self.set_focus(field)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TimelineScreen(Overlay[None]):
    """Everything that happened, newest first, with who was there."""

    DEFAULT_CSS = """
    TimelineScreen { align: center middle; }
    TimelineScreen > Vertical { width: 96%; height: 90%; border: thick $primary; background: $surface; }
    TimelineScreen #presence { height: auto; padding: 0 1; color: $text-muted; }
    TimelineScreen DataTable { height: 1fr; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close", id="timeline_close"), COPY_BINDING]

    def __init__(self, entries: list[Entry], presence: str, status: str) -> None:
        super().__init__()
        self.entries = entries
        self.presence = presence
        self.status = status

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row")
        table.add_column("UTC", width=8)
        table.add_column("Who", width=16)
        table.add_column("Kind", width=9)
        table.add_column("What")
        self.shown = list(reversed(self.entries[-500:]))
        for number, entry in enumerate(self.shown):
            person = _person(entry, 20)
            table.add_row(
                Text(format_utc(entry.time, "%H:%M:%S")),
                literal(person, 40),
                literal(KIND_LABELS.get(entry.kind, entry.kind), 20),
                literal(entry.text, 400)
                if entry.counts
                else Text.assemble(("UNVERIFIED", "bold reverse"), " ", literal(entry.text, 400)),
                key=str(number),
            )
        unverified = sum(1 for entry in self.entries if not entry.counts)
        with Vertical() as box:
            box.border_title = f"War-room timeline · {len(self.entries)} entries" + (
                f" ({unverified} unverified: not signed with the war-room key)"
                if unverified
                else ""
            )
            box.border_subtitle = (
                "enter: whole entry · escape closes · genesis-console timeline exports it"
            )
            yield Static(
                Text(f"{clean(self.status, 400)} · here now: {clean(self.presence, 300)}"),
                id="presence",
            )
            yield table

    def detail_rows(self, entry: Entry) -> list[tuple[str, str]]:
        """The whole of one entry, for its detail view and the copy key."""
        rows = [
            ("When", utc_datetime(entry.time)),
            ("Who", _person(entry, 200)),
            ("Kind", KIND_LABELS.get(entry.kind, entry.kind)),
            ("What", entry.text),
        ]
        if not entry.counts:
            rows.append(("Signature", "UNVERIFIED: not signed with the war-room key"))
        return rows

    def _selected(self) -> Entry | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return self.shown[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        entry = self.shown[int(event.row_key.value or 0)]
        event.stop()
        self.app.push_screen(DetailScreen("Timeline entry", self.detail_rows(entry)))

    def copy_text(self) -> str | None:
        """The selected entry as one line: time, who, kind, what."""
        entry = self._selected()
        if entry is None:
            return None
        return " · ".join(value for _, value in self.detail_rows(entry))

    def action_close(self) -> None:
        self.dismiss(None)


def _person(entry: Entry, limit: int) -> str:
    """Who wrote an entry: the user, and the SSH client they came from."""
    who = entry.who or {}
    person = clean(who.get("user") or "?", limit)
    if who.get("ssh_client"):
        person += f" ({clean(who['ssh_client'], 40)})"
    return person
