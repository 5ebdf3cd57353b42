"""An alert's detail: every label and annotation (literally), silence state, and its procedure."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Static

from console.clock import utc_datetime
from console.model import Alert
from console.muting import MuteReason
from console.runbooks import Procedure
from console.text import clean
from console.ui.alert_history import history_section
from console.ui.screens.detail import COPY_BINDING, CopyLine, alert_markdown
from console.ui.screens.muted import WhyMuted
from console.ui.screens.overlay import Overlay

ACTION_LABELS = {
    "restart": "Restart the orchestrator",
    "cache_clear": "Clear the cache",
    "silence": "Silence this alert",
    "maintenance": "Maintenance silence",
    "escalate": "Escalate",
}


def _wrapped(value: str, limit: int = 4000) -> Text:
    """Literal text that may wrap, with control characters made visible."""
    lines = [clean(line, limit) for line in str(value)[:limit].splitlines() or [""]]
    return Text("\n".join(lines))


def _when(epoch: float | None) -> str:
    if not epoch:
        return "—"
    return utc_datetime(epoch)


class AlertDetailScreen(Overlay[None]):
    """Opened with Enter on an alert; escape closes it."""

    DEFAULT_CSS = """
    AlertDetailScreen { align: center middle; }
    AlertDetailScreen > Vertical {
        width: 110; max-width: 98%; height: 94%;
        border: thick $primary; background: $surface;
    }
    AlertDetailScreen VerticalScroll { padding: 0 1; }
    AlertDetailScreen .heading { text-style: bold; margin-top: 1; color: $accent; }
    AlertDetailScreen .step { height: auto; }
    AlertDetailScreen .command { margin: 0 0 0 4; padding: 0 1; }
    AlertDetailScreen .link-label { text-style: bold; }
    AlertDetailScreen .link { padding: 0 1; }
    AlertDetailScreen .run { height: auto; margin: 0 0 0 4; }
    AlertDetailScreen Button { min-width: 20; height: 3; }
    AlertDetailScreen #missing { color: $warning; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close", id="detail_close"), COPY_BINDING]

    class RunAction(Message):
        """A procedure step asked for a console action (it still goes through confirmation)."""

        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    def __init__(
        self, alert: Alert, procedure: Procedure | None, why_muted: list[MuteReason] | None = None
    ) -> None:
        super().__init__()
        self.alert = alert
        self.why_muted = why_muted
        self.procedure = procedure
        self.commands: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        alert = self.alert
        with Vertical() as box:
            box.border_title = clean(
                f"{alert.name} · {alert.severity} · {alert.display_state}", 100
            )
            box.border_subtitle = "escape closes · tab picks a command or URL · copy key copies it"
            with VerticalScroll(id="detail"):
                yield Static(self._facts())
                yield WhyMuted(self.why_muted)
                yield from history_section(alert)
                yield from self._links()
                yield Static("Labels", classes="heading")
                yield Static(self._pairs(alert.labels))
                yield Static("Annotations", classes="heading")
                yield Static(self._pairs(alert.annotations))
                yield from self._procedure()

    def _facts(self) -> Table:
        alert = self.alert
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        if alert.starts_at is None:
            table.add_row("Started", Text("time unknown (Alertmanager sent no valid start time)"))
        else:
            table.add_row("Started", _when(alert.starts_at))
        table.add_row("State", Text(clean(alert.display_state, 40)))
        if alert.silenced_by:
            table.add_row("Silenced by", Text(", ".join(clean(s, 64) for s in alert.silenced_by)))
        if alert.inhibited_by:
            table.add_row("Inhibited by", Text(", ".join(clean(s, 64) for s in alert.inhibited_by)))
        table.add_row("Alertmanagers", Text(", ".join(clean(s, 200) for s in alert.sources) or "—"))
        if not alert.annotation_map.get("runbook_url"):
            table.add_row("Runbook", "—")
        return table

    def _links(self) -> ComposeResult:
        """The runbook and source URLs whole, one line each, for the copy key."""
        alert = self.alert
        runbook = alert.annotation_map.get("runbook_url")
        for label, url in (("Runbook", runbook), ("Source", alert.generator_url)):
            if url:
                yield Static(Text(label), classes="link-label")
                yield CopyLine(url, classes="link")

    def copy_text(self) -> str:
        """The alert as Markdown (the copy key, when no command or URL has the focus)."""
        return alert_markdown(self.alert)

    @staticmethod
    def _pairs(pairs: tuple[tuple[str, str], ...]) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True, max_width=32)
        table.add_column(overflow="fold")
        for name, value in pairs:
            table.add_row(Text(clean(name, 64)), _wrapped(value))
        return table

    def _procedure(self) -> ComposeResult:
        procedure = self.procedure
        if procedure is None:
            yield Static("Procedure", classes="heading")
            yield Static(
                Text(
                    f"No procedure for {clean(self.alert.name, 80)}. Add one as "
                    f"~/.config/genesis-console/runbooks/{clean(self.alert.name, 80)}.md"
                ),
                id="missing",
            )
            return
        yield Static(Text(f"Procedure: {procedure.title}"), classes="heading")
        if procedure.intro:
            yield Static(_wrapped(procedure.intro))
        for number, section in enumerate(procedure.sections):
            yield Static(Text(section.title), classes="heading")
            for index, step in enumerate(section.steps, 1):
                yield Static(Text(f"{index}. ") + _wrapped(step.text), classes="step")
                if step.action in ACTION_LABELS:
                    with Horizontal(classes="run"):
                        yield Button(
                            f"▶ {ACTION_LABELS[step.action]}",
                            id=f"run-{step.action}-{number}-{index}",
                            variant="warning",
                        )
                for command in step.commands:
                    yield CopyLine(command, prefix="$ ", classes="command")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("run-"):
            action = button_id.split("-")[1]
            self.dismiss(None)
            self.app.post_message(self.RunAction(action))

    def action_close(self) -> None:
        self.dismiss(None)
