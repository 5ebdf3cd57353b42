"""The header: environment (with an unmistakable production cue), READ-ONLY, incident, refresh time."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.widgets import Static

from console.text import clean


class StatusHeader(Static):
    """One line that says where you are and how fresh the picture is."""

    DEFAULT_CSS = """
    StatusHeader { height: 1; background: $panel; color: $text; padding: 0 1; }
    StatusHeader.-production { background: $production-cue 35%; }
    """

    def __init__(self, environment: str, read_only: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.environment = environment
        self.read_only = read_only
        self.last_refresh: float | None = None
        self.incident: str = ""
        #: e.g. "ALERT LIST CUT" when only part of the alerts could be read
        self.alerts_note: str = ""
        self._drawn: tuple | None = None

    @property
    def production(self) -> bool:
        return self.environment.strip().lower() == "production"

    def on_mount(self) -> None:
        self.set_class(self.production, "-production")
        self.redraw()

    def redraw(self, force: bool = False) -> None:
        key = (self.environment, self.read_only, self.last_refresh, self.incident, self.alerts_note)
        if key == self._drawn and not force:
            return
        self._drawn = key
        colours = self.app.theme_variables
        text = Text()
        text.append("GENESIS", style="bold")
        text.append("  │  ")
        env = clean(self.environment, 40)
        if self.production:
            text.append(
                f" ◉ {env.upper()} ", style=f"bold reverse {colours.get('production-cue', 'red')}"
            )
        else:
            text.append(env, style="bold")
        if self.read_only:
            text.append("  │  ")
            text.append(" READ-ONLY ", style="bold reverse")
        if self.incident:
            text.append("  │  ")
            text.append(self.incident, style=f"bold {colours.get('status-breached', 'red')}")
        if self.alerts_note:
            text.append("  │  ")
            text.append(
                f" ⚠ {self.alerts_note} ",
                style=f"bold reverse {colours.get('status-at-risk', 'yellow')}",
            )
        text.append("  │  ")
        if self.last_refresh is None:
            text.append("connecting…", style="dim")
        else:
            stamp = datetime.fromtimestamp(self.last_refresh, UTC).strftime("%H:%M:%S UTC")
            text.append(f"refreshed {stamp}", style="dim")
        self.update(text, layout=False)  # always one line: no need to lay the screen out
