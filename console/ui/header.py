"""The header: environment (with an unmistakable production cue), READ-ONLY, incident, refresh time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from console.clock import format_utc, utc_time
from console.text import clean
from console.ui.partial import PartialText

if TYPE_CHECKING:
    from console.config import Config


def insecure_backends(config: Config) -> tuple[str, ...]:
    """The backends whose TLS certificate is not checked (insecure_skip_verify), by name."""
    from console.config import http_endpoints

    names = [e.name for e in http_endpoints(config) if e.http.tls_config.insecure_skip_verify]
    slack = config.escalation.slack.http
    if slack.tls_config.insecure_skip_verify:
        names.append("slack")
    return tuple(dict.fromkeys(names))


class StatusHeader(PartialText):
    """One line that says where you are and how fresh the picture is."""

    DEFAULT_CSS = """
    StatusHeader { height: 1; background: $panel; color: $text; padding: 0 1; }
    StatusHeader.-production { background: $production-cue 35%; }
    """

    def __init__(
        self,
        environment: str,
        read_only: bool,
        *,
        insecure: tuple[str, ...] = (),
        hint: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.environment = environment
        self.read_only = read_only
        #: backends whose certificates are not checked: said on every screen, never hidden
        self.insecure = insecure
        #: one dim line at the end, e.g. that there is no config file and how to make one
        self.hint = hint
        self.last_refresh: float | None = None
        self.incident: str = ""
        #: e.g. "ALERT LIST CUT" when only part of the alerts could be read
        self.alerts_note: str = ""
        #: "PAUSED" while the refresh is paused, "every 10s" when its interval was changed
        self.refresh_note: str = ""
        #: the P0 checklist's countdown, and whether it is overdue (the warning colour)
        self.checklist: str = ""
        self.checklist_overdue = False
        #: who is attached to the console's tmux session ("3 watching: a, b, c")
        self.watching: str = ""
        self._drawn: tuple[object, ...] | None = None

    @property
    def production(self) -> bool:
        return self.environment.strip().lower() == "production"

    def on_mount(self) -> None:
        self.set_class(self.production, "-production")
        self.redraw()

    def switch(self, environment: str, read_only: bool, *, insecure: tuple[str, ...] = ()) -> None:
        """Show another environment (and its production cue, or not)."""
        self.environment = environment
        self.read_only = read_only
        self.insecure = insecure
        self.set_class(self.production, "-production")
        self.redraw(force=True)

    def on_resize(self) -> None:
        self.redraw(force=True)

    def redraw(self, force: bool = False) -> None:
        width = max(0, self.size.width - 2)
        key = (
            self.environment,
            self.read_only,
            # as shown (to the second): a refresh within the same second draws nothing
            None if self.last_refresh is None else utc_time(self.last_refresh),
            self.incident,
            self.alerts_note,
            self.checklist,
            self.checklist_overdue,
            self.watching,
            width,
            self.refresh_note,
        )
        if key == self._drawn and not force:
            return
        self._drawn = key
        # the widest form that fits: the refresh time is the last thing to go
        for tight in range(6):
            text = self._line(tight)
            if not width or text.cell_len <= width:
                break
        if self.hint:
            # last, and cut with an ellipsis when it must be (the whole of it is the tooltip)
            text.append(" │ " if tight else "  │  ")
            text.append(clean(self.hint, 200), style="dim italic")
            self.tooltip = clean(self.hint, 200)
        text.no_wrap = True
        text.overflow = "ellipsis"
        # always one line: no need to lay the screen out; only the cells that changed
        # (the refresh time's last digits) are drawn again
        self.show(text, whole=force)

    def _line(self, tight: int) -> Text:
        """The header line; each step of `tight` gives up something to keep the rest whole:
        1 narrower separators, 2 no product name, 3 a shorter refresh time, 4 shorter
        incident and checklist wording and only how many watch, 5 not who watches."""
        colours = self.app.theme_variables
        bar = "  │  " if tight == 0 else " │ "
        text = Text()
        if tight < 2:
            text.append("GENESIS", style="bold")
            text.append(bar)
        env = clean(self.environment, 40)
        if self.production:
            text.append(
                f" ◉ {env.upper()} ", style=f"bold reverse {colours.get('production-cue', 'red')}"
            )
        else:
            text.append(env, style="bold")
        if self.read_only:
            text.append(bar)
            text.append(" READ-ONLY ", style="bold reverse")
        if self.insecure:
            text.append(bar)
            text.append(
                f" TLS NOT VERIFIED: {clean(', '.join(self.insecure), 60)} ",
                style=f"bold reverse {colours.get('status-at-risk', 'yellow')}",
            )
        if self.incident:
            text.append(bar)
            incident = self.incident.replace(" due in ", " in ") if tight >= 4 else self.incident
            text.append(incident, style=f"bold {colours.get('status-breached', 'red')}")
        if self.checklist:
            text.append(bar)
            warning = colours.get("status-at-risk", "yellow")
            checklist = self.checklist
            if tight >= 4:
                checklist = checklist.replace(" due in ", " ").replace("m ", "m")
            text.append(
                f" {checklist} " if self.checklist_overdue else checklist,
                style=f"bold reverse {warning}" if self.checklist_overdue else "bold",
            )
        if self.watching and tight < 5:
            text.append(bar)
            watching = self.watching.split(":")[0] if tight >= 4 else self.watching
            text.append(clean(watching, 80))
        if self.alerts_note:
            text.append(bar)
            text.append(
                f" ⚠ {self.alerts_note} ",
                style=f"bold reverse {colours.get('status-at-risk', 'yellow')}",
            )
        text.append(bar)
        if self.last_refresh is None:
            text.append("connecting…", style="dim")
        else:
            if tight < 3:
                text.append(f"refreshed {utc_time(self.last_refresh)}", style="dim")
            else:
                text.append(f"↻ {format_utc(self.last_refresh, '%H:%M:%SZ')}", style="dim")
        if self.refresh_note == "PAUSED":
            text.append(" ")
            text.append(" ⏸ PAUSED ", style="bold reverse")
        elif self.refresh_note:
            text.append(f" · {self.refresh_note}", style="dim")
        return text
