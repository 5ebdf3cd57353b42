"""The one confirmation screen: shows the plan; y confirms, n or escape cancels.

In production, restart and escalate ask the engineer to type the target's name and
press Enter instead; `y` alone is not enough there, and a paste never counts.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from console.actions.plan import Plan
from console.text import clean, literal


class TypedInput(Input):
    """An input that takes keys only: a paste is refused, so the name must be typed."""

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()
        event.stop()
        self.app.bell()
        self.notify("Type the name; a paste does not count.", severity="warning")


class ConfirmScreen(ModalScreen[bool]):
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
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm_cancel"),
        Binding("n", "cancel_key", "No", id="confirm_no", show=False),
        Binding("y", "confirm_key", "Yes", id="confirm_yes", show=False),
    ]

    def __init__(self, plan: Plan, *, note: str = "") -> None:
        super().__init__()
        self.plan = plan
        self.note = note

    def compose(self) -> ComposeResult:
        body = Text()
        for line in self.plan.lines:  # plan lines name silence ids, alerts, URLs: untrusted
            body.append(clean(line, 1000) + "\n")
        if self.note:
            body.append("\n" + self.note, style="bold")
        with Vertical() as box:
            # titles name alerts and silences: untrusted text, never parsed as markup
            box.border_title = literal(self.plan.title, 120)
            box.border_subtitle = "nothing runs until you confirm"
            yield Static(body, id="plan")
            if self.plan.typed_confirmation:
                yield Static(
                    Text(
                        f"Production: type {self.plan.typed_confirmation} and press Enter to confirm "
                        "(n or escape cancels)."
                    ),
                    id="typed-hint",
                )
                yield TypedInput(
                    placeholder=self.plan.typed_confirmation, id="typed", select_on_focus=False
                )
            with Horizontal():
                yield Button("Cancel (n)", id="cancel", variant="primary")
                if not self.plan.typed_confirmation:
                    yield Button("Confirm (y)", id="confirm", variant="error")

    def on_mount(self) -> None:
        self.set_class(bool(self.plan.typed_confirmation), "-production")
        # the cancel choice has the focus, always; typing the name moves to the field
        self.query_one("#cancel", Button).focus()

    def on_key(self, event: events.Key) -> None:
        if not self.plan.typed_confirmation or self._typing():
            return
        if event.is_printable and event.character and event.character not in "yn":
            event.stop()
            event.prevent_default()
            field = self.query_one("#typed", Input)
            field.focus()
            field.insert_text_at_cursor(event.character)

    def _typing(self) -> bool:
        return isinstance(self.focused, Input)

    def action_confirm_key(self) -> None:
        if self.plan.typed_confirmation:
            if not self._typing():
                self.notify(f"Type {self.plan.typed_confirmation} to confirm.", severity="warning")
            return
        self.dismiss(True)

    def action_cancel_key(self) -> None:
        if not self._typing():
            self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.plan.typed_confirmation:
            self.dismiss(True)
        else:
            self.notify(
                f"That is not {self.plan.typed_confirmation}; nothing ran.", severity="error"
            )
            event.input.value = ""
