"""The Textual app: header, four panes, footer. It renders state; it opens no sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.widgets import Footer

from console.clock import Clock
from console.config import Config
from console.incident import IncidentTracker
from console.model import ProbeResult, SlaValue
from console.poller import Poller
from console.sla import upper_bound
from console.state import State
from console.ui.header import StatusHeader
from console.ui.keymaps import DEFAULT_KEYS
from console.ui.panes.alerts import AlertsPane
from console.ui.panes.host import HostPane
from console.ui.panes.services import ServicesPane
from console.ui.panes.sla import SlaPane
from console.ui.screens.help import HelpScreen, key_label
from console.ui.themes import VARIABLE_DEFAULTS

#: a pane is stale when its data is older than this many refresh intervals
STALE_INTERVALS = 3


class GenesisApp(App[int]):
    """The war-room console."""

    CSS_PATH = "app.tcss"
    TITLE = "genesis-console"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding(DEFAULT_KEYS["quit"], "quit", "Quit", id="quit"),
        Binding(DEFAULT_KEYS["help"], "help", "Help", id="help", key_display="?"),
        Binding(DEFAULT_KEYS["refresh"], "refresh", "Refresh", id="refresh", show=False),
        Binding(
            DEFAULT_KEYS["focus_next"], "app.focus_next", "Next pane", id="focus_next", show=False
        ),
        Binding(
            DEFAULT_KEYS["focus_previous"],
            "app.focus_previous",
            "Previous pane",
            id="focus_previous",
            show=False,
        ),
    ]

    def __init__(
        self,
        config: Config,
        *,
        sources_factory: Callable[[], list],
        clock: Clock | None = None,
        themes: dict | None = None,
        theme: str | None = None,
        keymap: dict[str, str] | None = None,
        read_only: bool | None = None,
        autostart: bool = True,
    ) -> None:
        super().__init__()
        self.config = config
        self.sources_factory = sources_factory
        self.clock = clock or Clock()
        self.read_only = config.read_only if read_only is None else read_only
        self.state = State()
        self.incidents = IncidentTracker()
        self.poller: Poller | None = None
        self.autostart = autostart
        self._themes = themes or {}
        self._theme_name = theme or config.theme
        self.keymap_spec = keymap or {}

    # -- composition ---------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.config.environment, self.read_only, id="header")
        with Container(id="panes"):
            yield AlertsPane(clock=self.clock, id="alerts")
            yield SlaPane(availability_target=self.config.sla.availability_percent, id="sla")
            yield ServicesPane(ports=self.config.ports, id="services")
            yield HostPane(id="host")
        yield Footer()

    def on_mount(self) -> None:
        for theme in self._themes.values():
            self.register_theme(theme)
        if self._theme_name in self.available_themes:
            self.theme = self._theme_name
        if self.keymap_spec:
            self.set_keymap(self.keymap_spec)
        self._layout_for(self.size.width)
        self.set_interval(1.0, self.tick)
        if self.autostart:
            self.run_worker(
                self.start_polling(), name="poller", group="poller", exit_on_error=False
            )

    def on_resize(self, event) -> None:
        self._layout_for(event.size.width)

    def _layout_for(self, width: int) -> None:
        self.query_one("#panes").set_class(width < 120, "-narrow")

    # -- data flow: sources → poller → state → panes --------------------------------

    async def _make_poller(self) -> Poller:
        if self.poller is None:
            # building sources imports httpx, pymysql, redis and grpc: keep it off the loop
            sources = await asyncio.to_thread(self.sources_factory)
            self.poller = Poller(
                sources,
                interval=self.config.refresh_seconds,
                timeout=self.config.timeout_seconds,
                clock=self.clock,
                on_result=self.on_result,
            )
        return self.poller

    async def start_polling(self) -> None:
        """Start polling every source on its interval."""
        poller = await self._make_poller()
        poller.start()

    async def poll_once(self) -> None:
        """Poll every source once (tests and snapshots use this instead of the timer)."""
        poller = await self._make_poller()
        await poller.run_once()

    def on_result(self, result: ProbeResult) -> None:
        changed = self.state.apply(result)
        now = self.clock.time()
        alerts = self.state.alerts
        if "alerts" in changed and alerts is not None and self.incidents.update(alerts.alerts, now):
            changed.add("sla")
        for pane_id in changed:
            pane = self.query_one(f"#{pane_id}")
            if isinstance(pane, SlaPane):
                pane.show(self.state, self.recovery_value(now))
            else:
                pane.show(self.state)
        self.tick()

    def recovery_value(self, now: float):
        """Recovery time: the open incident's running time, else the last one's."""
        limit = self.config.sla.recovery_minutes * 60
        seconds = self.incidents.open_for(now)
        if seconds is None:
            seconds = self.incidents.last_recovery_seconds
        if seconds is None:
            return SlaValue("recovery", None, limit, "none", "no incident yet")
        return upper_bound("recovery", seconds, limit)

    def tick(self) -> None:
        """Once a second: ages, staleness and the header clock (only what changed is drawn)."""
        now = self.clock.time()
        stale_after = STALE_INTERVALS * self.config.refresh_seconds
        for pane in (
            self.query_one(AlertsPane),
            self.query_one(SlaPane),
            self.query_one(ServicesPane),
            self.query_one(HostPane),
        ):
            pane.tick(self.state, now, stale_after)
        header = self.query_one(StatusHeader)
        header.last_refresh = self.state.last_refresh
        open_for = self.incidents.open_for(now)
        if open_for is not None:
            from console.clock import format_age

            header.incident = f"incident open {format_age(open_for)}"
        else:
            header.incident = ""
        header.redraw()

    # -- actions ---------------------------------------------------------------------

    def action_refresh(self) -> None:
        if self.poller is not None:
            self.poller.refresh()
            self.notify("Refreshing every source now")

    def help_rows(self) -> list[tuple[str, str, str]]:
        """Key, description and binding id of every active binding (what the keys do now)."""
        grouped: dict[tuple[str, str], list[str]] = {}
        for key, active in self.active_bindings.items():
            binding = active.binding
            grouped.setdefault(
                (binding.id or binding.action, binding.description or binding.action), []
            ).append(key)
        rows = [
            (", ".join(key_label(self, k) for k in keys), description, binding_id)
            for (binding_id, description), keys in grouped.items()
        ]
        return sorted(rows, key=lambda row: row[1].lower())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_rows()))

    async def action_quit(self) -> None:
        if self.poller is not None:
            await self.poller.stop()
        self.exit(0)
