"""The one confirmation screen: shows the plan; y confirms, n or escape cancels.

In production, restart and escalate ask the engineer to type the target's name and
press Enter instead. Then the name field holds the focus from the start and keeps it:
every printable key is a letter of the name (so `n` and `y` are letters, and keys that
arrive in one burst all land in the field), Escape or the Cancel button cancels, and
a paste never counts.

An action that takes a note (ack) shows a one-line note field under its plan: `tab`
moves to it, the plan shows the note as it is typed (or pasted: a note is not a
confirmation), Enter in it confirms and Escape cancels.

In a shared tmux session the prompt belongs to the seat that opened it (`seat_refusal`
says why a key from elsewhere does not count): `y`, Confirm, Enter and the letters of
the name count only from that seat; any seat may cancel.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from console.actions.plan import Plan
from console.text import clean, literal
from console.ui.inputs import SteadyInput
from console.ui.screens.overlay import Overlay


class SeatInput(SteadyInput):
    """An input whose printable keys count only from the seat allowed to answer."""

    #: why the key being handled does not count (another seat pressed it), or None
    seat_refusal: Callable[[], str | None] | None = None

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and self.seat_refusal is not None:
            refusal = self.seat_refusal()
            if refusal:
                event.stop()
                event.prevent_default()
                self.app.bell()
                self.notify(refusal, severity="warning", markup=False)
                return
        await super()._on_key(event)


class TypedInput(SeatInput):
    """An input that takes keys only: a paste is refused, so the name must be typed."""

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()
        event.stop()
        self._refuse_paste()

    def action_paste(self) -> None:
        # ctrl+v pastes the console's own clipboard: no more typed than a terminal paste
        self._refuse_paste()

    def _refuse_paste(self) -> None:
        self.app.bell()
        self.notify("Type the name; a paste does not count.", severity="warning", markup=False)


class NoteInput(SeatInput):
    """The optional note of an action: typed or pasted (several lines become one, cleaned)."""

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        # one line, its control characters shown as text (never sent to the terminal)
        line = clean(" ".join(event.text.split()), 400)
        if line:
            self.insert_text_at_cursor(line)


class ConfirmScreen(Overlay[bool]):
    """Asks whether to run a plan; dismisses with True only on an explicit confirmation."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 90; max-width: 96%; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    ConfirmScreen.-production > Vertical { border: thick $production-cue; }
    ConfirmScreen #plan { height: auto; margin: 1 0; }
    ConfirmScreen #typed-hint { color: $warning; height: auto; }
    ConfirmScreen #note-row { height: 1; align-horizontal: left; }
    ConfirmScreen #note-label { width: auto; }
    ConfirmScreen #note { border: none; height: 1; padding: 0 1; background: $boost; }
    ConfirmScreen #note:focus { background: $accent 25%; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm_cancel"),
        Binding("n", "cancel_key", "No", id="confirm_no", show=False),
        Binding("y", "confirm_key", "Yes", id="confirm_yes", show=False),
        Binding("tab", "next_field", "Next", id="confirm_next", show=False),
    ]

    def __init__(
        self,
        plan: Plan,
        *,
        note: str = "",
        acting: str = "",
        seat_refusal: Callable[[], str | None] | None = None,
        noted: Callable[[str], Plan] | None = None,
    ) -> None:
        super().__init__()
        self.plan = plan
        #: the plan again with a note (None: this action takes no note)
        self.noted = noted
        self.note = note
        #: "acting as oncall1 from /dev/pts/3" (or the fallback, said as such)
        self.acting = acting
        #: why the key being handled may not confirm (pressed at another seat), or None
        self.seat_refusal = seat_refusal

    def _body(self) -> Text:
        body = Text()
        for line in self.plan.lines:  # plan lines name silence ids, alerts, URLs: untrusted
            body.append(clean(line, 1000) + "\n")
        if self.note:
            body.append("\n" + self.note, style="bold")
        if self.acting:
            body.append("\n" + clean(self.acting, 200), style="italic")
        return body

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            # titles name alerts and silences: untrusted text, never parsed as markup
            box.border_title = literal(self.plan.title, 120)
            box.border_subtitle = "nothing runs until you confirm"
            yield Static(self._body(), id="plan")
            if self.noted is not None and not self.plan.typed_confirmation:
                note = NoteInput(
                    placeholder="optional: tab to write it, Enter confirms, Escape cancels",
                    id="note",
                    max_length=200,
                )
                note.seat_refusal = self.seat_refusal
                with Horizontal(id="note-row"):
                    yield Static(Text("Note: "), id="note-label")
                    yield note
            name = self.plan.typed_confirmation
            if name:
                yield Static(
                    Text(
                        f"Production: type {name} and press Enter to confirm "
                        "(Escape or Cancel cancels)."
                    ),
                    id="typed-hint",
                )
                typed = TypedInput(placeholder=name, id="typed", select_on_focus=False)
                typed.seat_refusal = self.seat_refusal
                yield typed
            with Horizontal():
                if name:
                    # never focusable: the name field keeps the focus, so no key can land
                    # anywhere else while the name is typed; a click still cancels
                    cancel = Button("Cancel (Esc)", id="cancel", variant="primary")
                    cancel.can_focus = False
                    yield cancel
                else:
                    yield Button("Cancel (n)", id="cancel", variant="primary")
                    yield Button("Confirm (y)", id="confirm", variant="error")

    def on_mount(self) -> None:
        self.set_class(bool(self.plan.typed_confirmation), "-production")
        # the cancel choice has the focus; when a name must be typed, its field has it
        if self.plan.typed_confirmation:
            self.query_one("#typed", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # when a name must be typed, y and n are letters of it, never answers
        answers = action in ("confirm_key", "cancel_key")
        return not (answers and self.plan.typed_confirmation)

    def on_key(self, event: events.Key) -> None:
        # a key that reaches the screen missed the field (a click moved the focus away):
        # it is still a letter of the name
        if not self.plan.typed_confirmation or not event.is_printable or not event.character:
            return
        event.stop()
        event.prevent_default()
        if self._refused():
            return
        field = self.query_one("#typed", Input)
        field.focus()
        field.insert_text_at_cursor(event.character)

    def _refused(self) -> bool:
        """True (and said) when the key being handled came from another seat."""
        refusal = self.seat_refusal() if self.seat_refusal is not None else None
        if refusal:
            self.app.bell()
            self.notify(refusal, severity="warning", markup=False)
        return bool(refusal)

    def action_next_field(self) -> None:
        """tab: to the note field when there is one and it is elsewhere, else onwards."""
        notes = self.query("#note")
        if notes and self.focused is not notes.first():
            notes.first().focus()
        else:
            self.focus_next()

    def on_input_changed(self, event: Input.Changed) -> None:
        # the plan shows exactly what will run: the comment with the note as it stands
        if event.input.id != "note" or self.noted is None:
            return
        event.stop()
        self.plan = self.noted(event.value)
        self.query_one("#plan", Static).update(self._body())

    def action_confirm_key(self) -> None:
        if not self._refused():
            self.dismiss(True)

    def action_cancel_key(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm" and self._refused():
            return
        self.dismiss(event.button.id == "confirm")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "note":
            if not self._refused():
                self.dismiss(True)
            return
        name = self.plan.typed_confirmation
        if name and event.value == name:
            if self._refused():
                event.input.value = ""
                return
            self.dismiss(True)
            return
        self.notify(f"That is not {name}; nothing ran.", severity="error", markup=False)
        event.input.value = ""
