"""The Textual app: header, four panes, footer. It renders state; it opens no sockets."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from console.actions.escalate import StandIn
from console.actions.runner import ActionRunner
from console.audit import AuditLog
from console.clock import Clock, format_age
from console.config import Config, secret
from console.incident import (
    ClassTracker,
    IncidentTracker,
)
from console.model import ProbeResult, SlaValue, Status
from console.poller import Poller
from console.sla import open_recovery, upper_bound
from console.state import State
from console.text import clean, clean_lines
from console.timeline import Timeline, key_from_env
from console.ui.ack_keys import AckKeys
from console.ui.action_bar import ActionBar
from console.ui.actions import ActionKeys
from console.ui.alert_history import AlertHistoryView
from console.ui.checklist import ChecklistKeys
from console.ui.footer import KeyFooter
from console.ui.group_keys import GroupKeys
from console.ui.header import StatusHeader, insecure_backends
from console.ui.keymaps import DEFAULT_KEYS, split_keys
from console.ui.keys import ConsoleKeys
from console.ui.layout import NARROW_BELOW, Panes, arrange
from console.ui.panes.alerts import AlertsPane
from console.ui.panes.base import Pane
from console.ui.panes.host import HostPane
from console.ui.panes.services import ServicesPane
from console.ui.panes.sla import SlaPane
from console.ui.screens.alert_detail import AlertDetailScreen
from console.ui.screens.detail import DetailScreen, copy_value
from console.ui.screens.help import HelpScreen, key_label, sections
from console.ui.screens.silences import help_bindings as silences_help
from console.ui.scrollbar import use_whole_cell_scrollbars
from console.ui.seats import QuitScreen, SeatKeys
from console.ui.terminal_alerts import TerminalAlerts
from console.ui.themes import VARIABLE_DEFAULTS
from console.ui.warroom import WarRoom
from console.warroom import WarRoomLock

#: what the command palette offers: binding id, title, help, action
PALETTE = (
    (
        "restart",
        "Restart the orchestrator",
        "Run the restart command, then watch /health/ready",
        "restart",
    ),
    ("cache_clear", "Clear the cache", "POST /api/cache/clear on the orchestrator", "cache_clear"),
    (
        "silence",
        "Silence the selected alert",
        "Open the silence form for the alert under the cursor",
        "silence",
    ),
    (
        "maintenance",
        "Maintenance silence",
        'Silence job="genesis-orchestrator" for 2 h',
        "maintenance",
    ),
    ("escalate", "Escalate", "Page the level the escalation matrix says is due", "escalate"),
    ("silences", "Silences", "List active silences; expire or extend them", "silences"),
    ("filter", "Filter the alerts", 'e.g. severity="critical" @state=active @age>15m', "filter"),
    ("ack", "Acknowledge", "I'm on it: a short silence kept alive while it fires", "ack"),
    ("note", "Note", "Add a note to the war-room timeline", "note"),
    ("timeline", "Timeline", "The war-room timeline and who is here", "timeline"),
    ("checklist", "P0 checklist", "Tick the runbook's P0 response items", "checklist"),
    ("zoom", "Zoom pane", "The focused pane alone on the screen; again to go back", "zoom"),
    ("help", "Help", "Every active key", "help"),
    ("refresh", "Refresh now", "Poll every source now", "refresh"),
    ("pause", "Pause refresh", "Stop (or restart) polling; what you see stays", "pause"),
    (
        "refresh_faster",
        "Refresh more often",
        "Shorten the refresh interval",
        "refresh_interval(-1)",
    ),
    (
        "refresh_slower",
        "Refresh less often",
        "Lengthen the refresh interval",
        "refresh_interval(1)",
    ),
    ("quit", "Quit", "Stop polling and leave the console", "quit"),
)

use_whole_cell_scrollbars()

#: a pane is stale when its data is older than this many refresh intervals
STALE_INTERVALS = 3


class MainScreen(Screen):
    """The main screen, whose focus keys have ids so a keymap can move them too."""

    _inherit_bindings = False
    #: the screen has the class -narrow or -wide by its width (app.tcss, layout.py)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_BELOW, "-wide")]
    BINDINGS = [
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
        Binding("ctrl+c,super+c", "screen.copy_text", "Copy selected text", show=False),
    ]

    def on_screen_resume(self) -> None:
        """Back on top: draw what changed while another screen covered this one."""
        catch_up = getattr(self.app, "catch_up", None)
        if catch_up is not None:
            catch_up()

    def copy_text(self) -> str | None:
        """What the copy key copies here: the selected row of the focused pane."""
        node = self.focused
        while node is not None and not hasattr(node, "copy_text"):
            node = node.parent
        return node.copy_text() if node is not None and node is not self else None


class GenesisApp(
    ConsoleKeys, AckKeys, GroupKeys, ActionKeys, WarRoom, SeatKeys, ChecklistKeys, App[int]
):
    """The war-room console."""

    CSS_PATH = "app.tcss"
    TITLE = "genesis-console"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding(DEFAULT_KEYS["restart"], "restart", "Restart", id="restart"),
        Binding(DEFAULT_KEYS["cache_clear"], "cache_clear", "Clear cache", id="cache_clear"),
        Binding(DEFAULT_KEYS["silence"], "silence", "Silence", id="silence"),
        Binding(DEFAULT_KEYS["maintenance"], "maintenance", "Maintenance", id="maintenance"),
        Binding(DEFAULT_KEYS["escalate"], "escalate", "Escalate", id="escalate"),
        Binding(DEFAULT_KEYS["silences"], "silences", "Silences", id="silences"),
        Binding(DEFAULT_KEYS["filter"], "filter", "Filter", id="filter", key_display="/"),
        Binding(DEFAULT_KEYS["fold"], "fold", "Fold/unfold group", id="fold", show=False),
        Binding(
            DEFAULT_KEYS["sort_previous"],
            "sort(-1)",
            "Sort by previous column",
            id="sort_previous",
            show=False,
        ),
        Binding(
            DEFAULT_KEYS["sort_next"], "sort(1)", "Sort by next column", id="sort_next", show=False
        ),
        Binding(
            DEFAULT_KEYS["label_columns"],
            "label_columns",
            "Label columns",
            id="label_columns",
            show=False,
        ),
        Binding(DEFAULT_KEYS["note"], "note", "Note", id="note"),
        Binding(DEFAULT_KEYS["timeline"], "timeline", "Timeline", id="timeline"),
        Binding(DEFAULT_KEYS["ack"], "ack", "Ack", id="ack"),
        Binding(DEFAULT_KEYS["group"], "group", "Group", id="group"),
        Binding(DEFAULT_KEYS["checklist"], "checklist", "P0 checklist", id="checklist", show=False),
        Binding(DEFAULT_KEYS["quit"], "quit_key", "Quit", id="quit"),
        Binding(DEFAULT_KEYS["help"], "help", "Help", id="help", key_display="?"),
        Binding(DEFAULT_KEYS["zoom"], "zoom", "Zoom pane", id="zoom"),
        Binding(DEFAULT_KEYS["copy"], "copy", "Copy to the clipboard", id="copy", show=False),
        Binding(DEFAULT_KEYS["refresh"], "refresh", "Refresh now", id="refresh", show=False),
        Binding(DEFAULT_KEYS["pause"], "pause", "Pause refresh", id="pause", show=False),
        Binding(
            DEFAULT_KEYS["refresh_faster"],
            "refresh_interval(-1)",
            "Refresh more often",
            id="refresh_faster",
            show=False,
        ),
        Binding(
            DEFAULT_KEYS["refresh_slower"],
            "refresh_interval(1)",
            "Refresh less often",
            id="refresh_slower",
            show=False,
        ),
        Binding(DEFAULT_KEYS["nav_down"], "nav('down')", "Down", id="nav_down", show=False),
        Binding(DEFAULT_KEYS["nav_up"], "nav('up')", "Up", id="nav_up", show=False),
        Binding(DEFAULT_KEYS["nav_top"], "nav('top')", "Top", id="nav_top", show=False),
        Binding(DEFAULT_KEYS["nav_bottom"], "nav('bottom')", "Bottom", id="nav_bottom", show=False),
        Binding(
            DEFAULT_KEYS["command_palette"],
            "command_palette",
            "Commands",
            id="command_palette",
            show=False,
            priority=True,
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
        timeline_path=None,
        audit_log: AuditLog | None = None,
        timeline: Timeline | None = None,
        escalation_stand_in: StandIn | None = None,
        environments: dict[str, Config] | None = None,
        make_sources: Callable[[Config], Callable[[], list]] | None = None,
        config_hint: str | None = None,
        seats=None,
    ) -> None:
        super().__init__()
        from console.seats import Seats

        #: the tmux seats (who pressed the key); injectable for tests
        self.seats = seats if seats is not None else Seats()
        self.config = config
        self.sources_factory = sources_factory
        self.clock = clock or Clock()
        #: --read-only (True) holds in every environment; None: each config says
        self._read_only_option = read_only
        self.read_only = config.read_only if read_only is None else read_only
        self.poller: Poller | None = None
        self.autostart = autostart
        self._themes = themes or {}
        self._theme_name = theme or config.theme
        self.keymap_spec = keymap or {}
        #: takes escalations instead of PagerDuty and Slack (the demo's receiver), or None
        self.escalation_stand_in = escalation_stand_in
        #: every environment of the config by key (None: a single-environment config),
        #: and how to build one's sources: the command palette switches between them
        self.environments = environments
        self.make_sources = make_sources
        #: one line for the header when there is no config file
        self.config_hint = config_hint
        self._warroom_timer = None
        #: True while the panes are being replaced by another environment's
        self._switching = False
        self._bind(config, audit_log=audit_log, timeline=timeline, timeline_path=timeline_path)
        #: what was written to the terminal for alerts (kept for tests and the curious)
        self.terminal_writes: list[str] = []

    def _bind(self, config: Config, *, audit_log=None, timeline=None, timeline_path=None) -> None:
        """Point the audit log, war room, timeline and alert state at one environment."""
        self.config = config
        self.state = State()
        self.incidents = IncidentTracker()
        self.incident_classes = ClassTracker()
        warroom = config.warroom
        warroom_password = secret(warroom.password_env) if warroom.password_env else None
        self.runner = ActionRunner(
            audit_log or AuditLog(config.audit_path),
            read_only=self.read_only,
            lock=WarRoomLock(
                warroom.redis_url,
                on_warning=self._warn,
                clock=self.clock.time,
                password=warroom_password,
                tls=warroom.tls_config,
                env=config.env_key,
            )
            if warroom.redis_url
            else None,
            clock=self.clock.time,
            on_record=self._record_action,
            on_warning=self.warn_about_audit_log,
        )
        self.timeline = timeline or Timeline(
            timeline_path or config.timeline_path,
            config.warroom.redis_url,
            clock=self.clock.time,
            key=key_from_env(config.warroom.key_env),
            password=warroom_password,
            tls=warroom.tls_config,
            env=config.env_key,
        )
        self.presence = "just you"
        self._warroom_joined = False
        self._firing: dict[str, object] = {}
        self.terminal_alerts = TerminalAlerts(
            bell=config.notifications.bell,
            desktop=config.notifications.desktop,
            environment=config.environment,
        )
        #: failed restarts in the current incident (the runbook escalates after three)
        self.restart_failures = 0
        #: panes whose data changed while another screen covered them (drawn when it closes)
        self._undrawn: set[str] = set()

    # -- composition ---------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity="information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is literal text, whoever raises it: messages and titles carry
        alert names, peers' notes and command output, so markup is never parsed and
        escape sequences never reach the terminal (`markup` is accepted and ignored)."""
        super().notify(
            clean_lines(message),
            title=clean(title, 120),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def get_default_screen(self) -> Screen:
        return MainScreen(id="_default")

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield StatusHeader(
            self.config.environment,
            self.read_only,
            insecure=insecure_backends(self.config),
            hint=self.config_hint,
            id="header",
        )
        yield ActionBar(id="action-bar")
        with Panes(id="panes"):
            yield from self._panes()
        yield KeyFooter()

    def _panes(self) -> list:
        """The four panes, fresh, for the current environment."""
        return [
            AlertsPane(clock=self.clock, id="alerts"),
            SlaPane(availability_target=self.config.sla.availability_percent, id="sla"),
            ServicesPane(ports=self.config.ports, id="services"),
            HostPane(id="host"),
        ]

    def on_mount(self) -> None:
        for theme in self._themes.values():
            self.register_theme(theme)
        if self._theme_name in self.available_themes:
            self.theme = self._theme_name
        if self.keymap_spec:
            self.set_keymap(self.keymap_spec)
        self.show_what_can_run()
        self.call_after_refresh(arrange, self)
        self.set_interval(1.0, self.tick)
        self.warn_about_audit_log()
        self._start_warroom()
        if self.autostart:
            self.run_worker(
                self.start_polling(), name="poller", group="poller", exit_on_error=False
            )

    def _start_warroom(self) -> None:
        """Share the timeline and presence on the current environment's war room, if any."""
        if self._warroom_timer is not None:
            self._warroom_timer.stop()
            self._warroom_timer = None
        if self.config.warroom.redis_url:
            self._warroom_timer = self.set_interval(
                max(1.0, self.config.refresh_seconds), self._warroom_tick
            )
            self.call_after_refresh(self._warroom_tick)

    def action_zoom(self) -> None:
        """The focused pane alone on the whole screen (k9s, glances); again goes back."""
        panes = self.query_one("#panes")
        if panes.has_class("-zoomed"):
            panes.remove_class("-zoomed")
            for pane in panes.children:
                pane.remove_class("-zoom")
            self.call_after_refresh(arrange, self)
            return
        node = self.screen.focused
        while node is not None and node.parent is not panes:
            node = node.parent
        if node is None:
            self.notify("Move to a pane first (tab), then zoom it", timeout=4)
            return
        node.add_class("-zoom")
        panes.add_class("-zoomed")

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

    def _panes_gone(self) -> bool:
        """True while the app is shutting down and its panes are already unmounted."""
        return (
            self._switching
            or not self.is_running
            or not self.screen_stack
            or not self.query("#panes")
        )

    def on_result(self, result: ProbeResult) -> None:
        if self._panes_gone():
            return  # a probe that answered while the console was closing
        changed = self.state.apply(result)
        now = self.clock.time()
        alerts = self.state.alerts
        if "alertmanager" in changed and alerts is not None:
            self.ring(self.terminal_alerts.check(alerts.alerts, now))
            self.record_alerts(alerts.alerts, now, alerts.silences, alerts.unreachable)
            self.silences_changed(alerts.silences)
        if result.name == "alertmanager":
            self.keep_acks()
            self.refresh_am_groups()
        if result.name in ("alertmanager", "orchestrator") and self.update_incident(now):
            changed.add("incident")
            if self.incidents.open_since is None:
                self.restart_failures = 0  # a new incident starts a new count
                recovery = self.incidents.last_recovery_seconds or 0.0
                self.timeline.add(
                    "incident",
                    f"all clear: recovered in {format_age(recovery)} (first critical to all clear)",
                    {"recovery_seconds": recovery},
                )
        if result.name == "alert_history":
            for view in self.screen.query(AlertHistoryView):
                view.show(self.state)
        if self.covered():
            # under a view or a confirmation: drawn when it closes, not composed again
            # under it every refresh (the state, incidents and timeline go on meanwhile)
            self._undrawn |= changed
        else:
            self.show_panes(changed, now)
        self.tick()

    def covered(self) -> bool:
        """True while another screen (a view, a prompt, a confirmation) is on top."""
        return len(self.screen_stack) > 1

    def show_panes(self, changed: set[str], now: float) -> None:
        """Draw the panes that show these changed sources (and lay out the screen if any
        was drawn)."""
        self.state.recovery = self.recovery_value(now)
        for pane in self.query(Pane):
            if pane.shows(changed):
                pane.show(self.state)
        if changed:
            arrange(self)

    def catch_up(self) -> None:
        """The main screen is on top again: draw what changed while it was covered."""
        undrawn, self._undrawn = self._undrawn, set()
        if self._panes_gone():
            return
        self.show_panes(undrawn, self.clock.time())
        self.tick()

    def on_alerts_pane_opened(self, message: AlertsPane.Opened) -> None:
        from console.muting import why_muted
        from console.runbooks import load_procedure

        alert, data = message.alert, self.state.alerts
        reasons = why_muted(
            alert, data.silences if data else (), data.alerts if data else (), self.clock.time()
        )
        self.push_screen(AlertDetailScreen(alert, load_procedure(alert.name), reasons))
        self.refresh_alert_history()

    def refresh_alert_history(self) -> None:
        """Ask Prometheus for the alerts' history now, unless the last answer is recent."""
        from console.sources.alert_history import REFRESH_ON_OPEN_SECONDS

        last = self.state.results.get("alert_history")
        recent = last is not None and self.clock.time() - last.obtained_at < REFRESH_ON_OPEN_SECONDS
        if self.poller is not None and not recent:
            self.poller.refresh(["alert_history"])

    def on_services_pane_opened(self, message: ServicesPane.Opened) -> None:
        self.push_screen(DetailScreen(message.title, message.rows))

    def on_host_pane_opened(self, message: HostPane.Opened) -> None:
        self.push_screen(DetailScreen(message.title, message.rows))

    def action_copy(self) -> None:
        """Put the selected command, URL, alert (Markdown) or entry on the clipboard with
        OSC 52: through SSH, and tmux with `set-clipboard on`."""
        value = copy_value(self.screen)
        if not value:
            self.notify("Nothing selected to copy", severity="warning", timeout=4)
            return
        self.copy_to_clipboard(value)
        first = value.splitlines()[0] if value else ""
        self.notify(
            f"Copied {len(value):,} characters: {clean(first, 60)}",
            title="Clipboard (OSC 52)",
            timeout=4,
        )

    def on_alert_detail_screen_run_action(self, message: AlertDetailScreen.RunAction) -> None:
        self.call_after_refresh(self.run_action, message.action)

    def ring(self, sequences: list[str]) -> None:
        """Write bell / desktop-notification sequences straight to the terminal."""
        if not sequences:
            return
        self.terminal_writes.extend(sequences)
        if not self.is_headless and self._driver is not None:
            self._driver.write("".join(sequences))

    def watch_theme(self, name: str) -> None:
        """Panes draw Rich text in theme colours: redraw them all in the new theme."""
        if self.is_mounted:
            # after the refresh: the theme's CSS variables are computed by then
            self.call_after_refresh(self.redraw_panes)

    def redraw_panes(self) -> None:
        """Draw every pane again from the state (e.g. in new colours)."""
        self.state.recovery = self.recovery_value(self.clock.time())
        for pane in self.query(Pane):
            pane.forget()
            pane.show(self.state)
        self.query_one(StatusHeader).redraw(force=True)

    def get_system_commands(self, screen):
        """The command palette offers every action and view, and every theme."""
        # Textual's own, but for those this palette offers better: "Keys" (our Help
        # lists every key as the keymap has it), "Theme" (one "Theme: x" per theme) and
        # "Quit" (ours names its keys)
        for command in super().get_system_commands(screen):
            if command.title not in ("Keys", "Theme", "Quit"):
                yield command
        for binding_id, title, help_text, action in PALETTE:
            keys = self.keymap_spec.get(binding_id, DEFAULT_KEYS.get(binding_id, ""))
            shown = ", ".join(key_label(self, k) for k in keys.split(",") if k)
            yield SystemCommand(
                f"{title} ({shown})" if shown else title,
                help_text,
                lambda action=action: self.run_action(action),
            )
        for name in sorted(self._themes):
            yield SystemCommand(
                f"Theme: {name}",
                f"Switch to the {name} theme",
                lambda name=name: setattr(self, "theme", name),
            )
        for key, config in (self.environments or {}).items():
            if config is self.config:
                continue
            yield SystemCommand(
                f"Switch environment: {clean(key, 64)}",
                f"Watch {clean(config.environment, 64)}: its alerts, SLA, services, "
                "war room and audit log",
                lambda key=key: self.run_worker(
                    self.switch_environment(key), group="switch", exclusive=True
                ),
            )

    async def switch_environment(self, key: str) -> bool:
        """Move the whole console to another environment of the config (like k9s contexts).

        The poller, every pane, the war room, the timeline, the audit log and the header
        follow; nothing of the old environment's picture stays on screen. Refused while an
        action runs (its record belongs to the environment it runs in)."""
        config = (self.environments or {}).get(key)
        if config is None or self.make_sources is None:
            self.notify(f"No environment {key!r} in this config", severity="error")
            return False
        if config is self.config:
            return True
        running = ", ".join(self.runner.running.values())
        if running:
            self.notify(
                f"{running} is running: wait for it to finish before switching",
                severity="warning",
            )
            return False
        # what other screens show (an alert, the timeline, a confirmation) is the old one's
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        self.workers.cancel_group(self, "poller")
        poller, self.poller = self.poller, None
        if poller is not None:
            await poller.stop()
        if self.config.warroom.redis_url:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release_ack_keeping(), 2.0)
            try:
                await asyncio.wait_for(self.timeline.leave(), 2.0)
            except TimeoutError:
                pass
        self.sources_factory = self.make_sources(config)
        self.read_only = config.read_only if self._read_only_option is None else True
        self._bind(config)
        panes = self.query_one("#panes")
        self._switching = True
        try:
            await panes.remove_children()
            await panes.mount_all(self._panes())
        finally:
            self._switching = False
        self.query_one(AlertsPane).query_one(DataTable).focus()
        self.query_one(StatusHeader).switch(
            config.environment, self.read_only, insecure=insecure_backends(config)
        )
        self.show_what_can_run()
        self._start_warroom()
        self.warn_about_audit_log()
        self.tick()
        self.notify(f"Switched to {config.environment}", title="Environment", timeout=5)
        if self.autostart:
            self.run_worker(
                self.start_polling(), name="poller", group="poller", exit_on_error=False
            )
        return True

    def action_nav(self, where: str) -> None:
        """j/k/g/G style movement in whatever has the focus."""
        focused = self.screen.focused
        if focused is None:
            return
        names = {
            "down": ("action_cursor_down", "action_scroll_down"),
            "up": ("action_cursor_up", "action_scroll_up"),
            "top": ("action_scroll_top", "action_scroll_home"),
            "bottom": ("action_scroll_bottom", "action_scroll_end"),
        }[where]
        for name in names:
            method = getattr(focused, name, None)
            if method is not None:
                method()
                return

    def update_incident(self, now: float) -> bool:
        """Open or close the incident from the alerts and the orchestrator probe."""
        alerts = self.state.alerts
        orchestrator = self.state.results.get("orchestrator")
        down_since = None
        if orchestrator is not None and orchestrator.status is Status.CRITICAL:
            down_since = self.state.since.get("orchestrator", now)
        return self.incidents.update(
            alerts.alerts if alerts is not None else (),
            now,
            down_since=down_since,
            complete=alerts is not None and not alerts.unreachable,
        )

    def recovery_value(self, now: float):
        """Recovery time: the open incident's running time against the target (open, or
        overdue once past it: never OK while it is open), else the last one's."""
        limit = self.config.sla.recovery_minutes * 60
        seconds = self.incidents.open_for(now)
        if seconds is not None:
            return open_recovery(seconds, limit)
        seconds = self.incidents.last_recovery_seconds
        if seconds is None:
            return SlaValue("recovery", None, limit, "none", "no incident yet")
        return upper_bound("recovery", seconds, limit)

    def tick(self) -> None:
        """Once a second: ages, staleness and the header clock (only what changed is drawn)."""
        if self._panes_gone():
            return
        now = self.clock.time()
        covered = self.covered()
        stale_after = STALE_INTERVALS * self.config.refresh_seconds
        for pane in (
            self.query_one(AlertsPane),
            self.query_one(SlaPane),
            self.query_one(ServicesPane),
            self.query_one(HostPane),
        ):
            if not covered:
                pane.tick(self.state, now, stale_after)
        problem = self.timeline.local_error
        if problem and problem != getattr(self, "_told_timeline", None):
            self._told_timeline = problem
            self.notify(f"Timeline: {problem}", severity="error", timeout=15, markup=False)
        header = self.query_one(StatusHeader)
        header.last_refresh = self.state.last_refresh
        header.incident = self.incident_line(now)
        header.alerts_note = alerts_note(self.state.alerts)
        header.refresh_note = self.refresh_note()
        header.checklist, header.checklist_overdue = self.checklist_header(now)
        self.watch_seats()
        header.watching = self.watching()
        if not covered:
            header.redraw()

    def action_filter(self) -> None:
        """Open the alerts' filter line (Enter keeps the filter, Escape clears it)."""
        self.query_one(AlertsPane).open_filter()

    def action_refresh(self) -> None:
        if self.poller is not None:
            self.poller.refresh()
            self.notify("Refreshing every source now")

    def help_rows(self) -> list[tuple[str, str, str]]:
        """Key, description and binding id of every active binding (what the keys do now)."""
        grouped: dict[tuple[str, str], list[str]] = {}
        for key, active in self.active_bindings.items():
            binding = active.binding
            description = binding.description or binding.action
            # one style: Textual's own mix "Page Left" and "Page down"
            description = description[:1].upper() + description[1:].lower()
            grouped.setdefault((binding.id or binding.action, description), []).append(key)
        rows = [
            (", ".join(key_label(self, k) for k in keys), description, binding_id)
            for (binding_id, description), keys in grouped.items()
        ]
        # the silences view's own keys (a modal's bindings are not active here)
        for binding, description in silences_help(self.read_only):
            keys = split_keys(self.keymap_spec.get(binding.id, binding.key))
            rows.append((", ".join(key_label(self, k) for k in keys), description, binding.id))
        return [row for _, section in sections(rows) for row in section]

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_rows()))

    async def action_quit(self) -> None:
        others = self.others_watching()
        if others and not getattr(self, "_quit_for_everyone", False):

            def answered(yes: bool | None) -> None:
                if yes:
                    self._quit_for_everyone = True
                    self.run_worker(self.action_quit(), group="quit")

            self.push_screen(
                QuitScreen(
                    f"{others} other{'s are' if others != 1 else ' is'} watching: "
                    "quit for everyone?"
                ),
                answered,
            )
            return
        if self.poller is not None:
            await self.poller.stop()
        if self.config.warroom.redis_url:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release_ack_keeping(), 2.0)
            await asyncio.wait_for(self.timeline.leave(), 2.0)
        self.exit(0)


def alerts_note(data) -> str:
    """The header's warning that the alert counts are only part of the picture."""
    if data is None:
        return ""
    if data.cut:
        return "ALERT LIST CUT"
    if data.unreadable:
        return f"{data.unreadable:,} ALERT{'S' * (data.unreadable != 1)} UNREADABLE"
    return ""
