"""The silence form: matchers prefilled from the alert's labels, duration, comment, author."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Static

from console.clock import parse_duration
from console.matchers import WireMatcher, matchers_match, regex_problem
from console.model import Alert
from console.text import clean
from console.ui.inputs import SteadyInput
from console.ui.screens.overlay import Overlay


def shown(value: str) -> str:
    """A label value as the form shows it: control characters (an ANSI escape) made visible.

    Never truncated, so an untouched field maps back to the exact value.
    """
    return clean(value, len(value) + 1)


class TickBox(Checkbox):
    """A checkbox whose state reads without colour: [X] ticked, [ ] not (Textual's shows
    X either way and tells them apart by colour alone)."""

    # Textual declares a plain class attribute and reads it at each render: a property
    # keeps the mark in step with the value
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 (Textual's name)
        return "X" if self.value else " "


@dataclass(frozen=True)
class SilenceRequest:
    """What the engineer filled in; the app turns it into a plan."""

    matchers: list[WireMatcher]
    duration: float
    comment: str
    author: str


class SilenceScreen(Overlay[SilenceRequest | None]):
    """Edit the matchers (drop a label, switch to regex), then review the plan."""

    DEFAULT_CSS = """
    SilenceScreen { align: center middle; }
    SilenceScreen > Vertical {
        width: 100; max-width: 98%; height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    SilenceScreen Input, SilenceScreen Checkbox, SilenceScreen Button,
    SilenceScreen Input:focus, SilenceScreen Checkbox:focus, SilenceScreen Button:focus {
        border: none !important; height: 1 !important; padding: 0 1; min-width: 6;
    }
    SilenceScreen Input { background: $boost; }
    SilenceScreen Input:focus, SilenceScreen Checkbox:focus, SilenceScreen Button:focus {
        background: $accent 40%;
    }
    SilenceScreen #matchers { height: 1fr; min-height: 3; border: round $panel; }
    SilenceScreen .matcher { height: 1; }
    SilenceScreen .matcher Checkbox { width: 30; }
    SilenceScreen .matcher Input { width: 1fr; }
    SilenceScreen .matcher .regex { width: 13; }
    SilenceScreen .field { height: 1; margin-top: 1; }
    SilenceScreen .field Label { width: 10; }
    SilenceScreen .field Input { width: 1fr; }
    SilenceScreen #preview { height: auto; color: $warning; margin-top: 1; }
    SilenceScreen #error { height: auto; color: $error; }
    SilenceScreen #buttons { height: 1; align-horizontal: right; margin-top: 1; }
    SilenceScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="silence_cancel")]

    def __init__(self, alert: Alert, alerts: tuple[Alert, ...], author: str) -> None:
        super().__init__()
        self.alert = alert
        self.alerts = alerts
        self.author = author
        self.labels = list(alert.labels)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Silence"
            box.border_subtitle = "tab moves · enter on Review · escape cancels"
            yield Static(
                Text(
                    "Matchers (from the alert's labels; untick to drop, tick regex to match a pattern)"
                )
            )
            with VerticalScroll(id="matchers"):
                for index, (name, value) in enumerate(self.labels):
                    with Horizontal(classes="matcher"):
                        yield TickBox(Text(clean(name, 28)), value=True, id=f"use-{index}")
                        yield SteadyInput(value=shown(value), id=f"value-{index}")
                        yield TickBox("regex", value=False, id=f"regex-{index}", classes="regex")
            with Horizontal(classes="field"):
                yield Label("Duration")
                yield SteadyInput(value="1h", id="duration", placeholder="e.g. 30m, 1h, 2h30m")
            with Horizontal(classes="field"):
                yield Label("Comment")
                yield SteadyInput(id="comment", placeholder="why (required, as in amtool)")
            with Horizontal(classes="field"):
                yield Label("Author")
                yield SteadyInput(value=self.author, id="author")
            yield Static(id="preview")
            yield Static(id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button("Review", id="review", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#comment", Input).focus()
        self.update_preview()

    def matchers(self) -> list[WireMatcher]:
        """The matchers as currently edited."""
        out: list[WireMatcher] = []
        for index, (name, original) in enumerate(self.labels):
            if self.query_one(f"#use-{index}", Checkbox).value:
                value = self.query_one(f"#value-{index}", Input).value
                out.append(
                    {
                        "name": name,
                        # untouched: the label's real value, not the escaped one on screen
                        "value": original if value == shown(original) else value,
                        "isRegex": self.query_one(f"#regex-{index}", Checkbox).value,
                        "isEqual": True,
                    }
                )
        return out

    def caught(self) -> list[Alert]:
        """The current alerts these matchers would silence (as Alertmanager matches them)."""
        matchers = self.matchers()
        if not matchers:
            return []
        return [alert for alert in self.alerts if matchers_match(matchers, alert.label_map)]

    def matching(self) -> int:
        return len(self.caught())

    def update_preview(self) -> None:
        preview = self.query_one("#preview", Static)
        problem = next(
            (
                f"matcher {clean(m['name'], 40)}: {regex_problem(m['value'])}"
                for m in self.matchers()
                if m["isRegex"] and regex_problem(m["value"])
            ),
            None,
        )
        if problem:
            preview.update(Text(problem))
            return
        caught = self.caught()
        count = len(caught)
        text = f"These matchers would silence {count} current alert{'s' if count != 1 else ''}"
        names = sorted({alert.name for alert in caught})
        if names:
            listed = ", ".join(clean(name, 60) for name in names[:5])
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            text += f": {listed}{more}"
        preview.update(Text(text + "."))

    def on_input_changed(self) -> None:
        self.update_preview()

    def on_checkbox_changed(self) -> None:
        self.update_preview()

    def problem(self) -> str | None:
        """Why the form cannot be submitted yet, or None."""
        matchers = self.matchers()
        if not matchers:
            return "keep at least one matcher"
        for matcher in matchers:
            if matcher["isRegex"]:
                # as Alertmanager (RE2) reads it: what it would refuse is refused here
                reason = regex_problem(matcher["value"])
                if reason:
                    return f"matcher {clean(matcher['name'], 40)}: {reason}"
        try:
            duration = parse_duration(self.query_one("#duration", Input).value)
        except ValueError as exc:
            return str(exc)
        if duration <= 0:
            return "the duration must be longer than zero"
        if not self.query_one("#comment", Input).value.strip():
            return "a comment is required: say why"
        if not self.query_one("#author", Input).value.strip():
            return "an author is required"
        return None

    def submit(self) -> None:
        problem = self.problem()
        if problem:
            self.query_one("#error", Static).update(Text(problem))
            return
        self.dismiss(
            SilenceRequest(
                matchers=self.matchers(),
                duration=parse_duration(self.query_one("#duration", Input).value),
                comment=self.query_one("#comment", Input).value.strip(),
                author=self.query_one("#author", Input).value.strip(),
            )
        )

    def on_input_submitted(self) -> None:
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "review":
            self.submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
