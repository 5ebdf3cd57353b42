"""The Textual app: header, four panes, footer. It renders state; it opens no sockets."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Input

from console.actions.runner import ActionRunner
from console.audit import AuditLog
from console.clock import Clock
from console.config import Config, secret
from console.model import ProbeResult
from console.poller import Poller
from console.seats import Seats
from console.sources.base import Source
from console.state import State
from console.text import clean, clean_lines
from console.timeline import Timeline, key_from_env
from console.ui.action_bar import ActionBar
from console.ui.controllers.acks import AckController, selection_of
from console.ui.controllers.actions import ActionController
from console.ui.controllers.checklist import ChecklistController
from console.ui.controllers.grouping import GroupingController
from console.ui.controllers.incident import IncidentController
from console.ui.controllers.refresh import RefreshController
from console.ui.controllers.seats import SeatsController
from console.ui.controllers.warroom import WarRoomController
from console.ui.header import insecure_backends
from console.ui.keymaps import DEFAULT_KEYS, split_keys
from console.ui.main_screen import MainScreen
from console.ui.panes.alerts import AlertsPane
from console.ui.scrollbar import use_whole_cell_scrollbars
from console.ui.terminal_alerts import TerminalAlerts
from console.ui.themes import VARIABLE_DEFAULTS
from console.warroom import WarRoomLock

if TYPE_CHECKING:
    # screens open on a key, actions run on one: imported there, not before the first
    # frame (issue 13: first paint)
    from console.actions.escalate import StandIn
    from console.ui.screens.alert_detail import AlertDetailScreen
    from console.ui.screens.silences import SilencesScreen

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

ResultT = TypeVar("ResultT")

#: how many of the console's notifications `GenesisApp.told` keeps
TOLD_KEPT = 200


class Told(NamedTuple):
    """One thing the console told the user (a toast), as it was shown."""

    severity: SeverityLevel
    title: str
    message: str


#: builds the sources of one environment (off the event loop: it imports the clients)
SourcesFactory = Callable[[], list[Source]]

#: bindings that change the stack: hidden from the footer when actions are off
ACTION_IDS = ("restart", "cache_clear", "silence", "maintenance", "escalate")


class GenesisApp(App[int]):
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
        # priority: the app opens the filter line (and moves the focus into it) while it
        # handles the `/` itself, so the keys of the same burst land in the line
        Binding(
            DEFAULT_KEYS["filter"], "filter", "Filter", id="filter", key_display="/", priority=True
        ),
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
        # priority, as the filter: the note prompt opens while the app handles the key,
        # so the words typed in the same burst land in it
        Binding(DEFAULT_KEYS["note"], "note", "Note", id="note", priority=True),
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
        sources_factory: SourcesFactory,
        clock: Clock | None = None,
        themes: dict[str, Theme] | None = None,
        theme: str | None = None,
        keymap: dict[str, str] | None = None,
        read_only: bool | None = None,
        autostart: bool = True,
        timeline_path: Path | None = None,
        audit_log: AuditLog | None = None,
        timeline: Timeline | None = None,
        escalation_stand_in: StandIn | None = None,
        environments: dict[str, Config] | None = None,
        make_sources: Callable[[Config], SourcesFactory] | None = None,
        config_hint: str | None = None,
        seats: Seats | None = None,
        terminal_sink: Callable[[list[str]], None] | None = None,
    ) -> None:
        super().__init__()
        #: who pressed a key (the tmux seat), and who watches (outlives an environment
        #: switch); `seats` asks tmux (injectable for tests)
        self.seating = SeatsController(
            seats=seats if seats is not None else Seats(),
            timeline=lambda: self.timeline,
            notify=self.notify,
            spawn=self.spawn,
        )
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
        self._warroom_timer: Timer | None = None
        #: what an action is doing, under the header
        self.action_bar = ActionBar(id="action-bar")
        #: the main screen (made when the app starts: see get_default_screen)
        self._main: MainScreen | None = None
        #: what the console told the user, newest last (the toasts, as given to notify)
        self.told: deque[Told] = deque(maxlen=TOLD_KEPT)
        #: True once the engineer said yes to quitting while others watch
        self._quit_for_everyone = False
        self._bind(config, audit_log=audit_log, timeline=timeline, timeline_path=timeline_path)
        #: where the bell and desktop notifications for new critical alerts go (default:
        #: the terminal the console draws on)
        self.terminal_sink = terminal_sink or self._write_to_terminal
        # the theme is set before the app runs: its CSS is parsed once, in its colours,
        # not parsed in Textual's default theme and again in ours before the first frame
        for registered in self._themes.values():
            self.register_theme(registered)
        if self._theme_name in self.available_themes:
            self.theme = self._theme_name

    def _bind(
        self,
        config: Config,
        *,
        audit_log: AuditLog | None = None,
        timeline: Timeline | None = None,
        timeline_path: Path | None = None,
    ) -> None:
        """Point the audit log, war room, timeline and alert state at one environment."""
        self.config = config
        self.state = State()
        warroom = config.warroom
        warroom_password = secret(warroom.password_env) if warroom.password_env else None
        self.timeline = timeline or Timeline(
            timeline_path or config.timeline_path,
            config.warroom.redis_url,
            clock=self.clock.time,
            key=key_from_env(config.warroom.key_env),
            password=warroom_password,
            tls=warroom.tls_config,
            env=config.env_key,
        )
        self.warroom = WarRoomController(
            timeline=self.timeline,
            room=warroom,
            notify=self.notify,
            spawn=self.spawn,
            key_for=self.key_for,
        )
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
            on_record=self.warroom.record_action,
            on_warning=lambda text: self.actions.warn_about_audit_log(text),
        )
        self.incident = IncidentController(
            state=self.state,
            timeline=self.timeline,
            recovery_minutes=config.sla.recovery_minutes,
            notify=self.notify,
            key_for=self.key_for,
        )
        self.terminal_alerts = TerminalAlerts(
            bell=config.notifications.bell,
            desktop=config.notifications.desktop,
            environment=config.environment,
        )
        self.actions = ActionController(
            config=config,
            clock=self.clock,
            state=self.state,
            runner=self.runner,
            read_only=self.read_only,
            incident=self.incident,
            seating=self.seating,
            progress=self.action_bar,
            poller=lambda: self.poller,
            notify=self.notify,
            ask=self.ask,
            spawn=self.spawn,
            escalation_stand_in=self.escalation_stand_in,
            on_outcome=lambda plan, outcome: self.acks.after(plan, outcome),
        )
        self.refreshing = RefreshController(
            configured_seconds=config.refresh_seconds,
            poller=lambda: self.poller,
            pause_key=lambda: self.keymap_spec.get("pause", DEFAULT_KEYS["pause"]).split(",")[0],
            notify=self.notify,
            redraw=lambda: self.main.tick(),
        )
        self.checklist = ChecklistController(
            clock=self.clock,
            incident=self.incident,
            timeline=self.timeline,
            warroom=self.warroom,
            seating=self.seating,
            colours=lambda: self.theme_variables,
            redraw=lambda: self.main.tick(),
            notify=self.notify,
            ask=self.ask,
        )
        self.grouping = GroupingController(
            config=config,
            pane=lambda: self.main.alerts_pane(),
            notify=self.notify,
            ask=self.ask,
            spawn=self.spawn,
        )
        self.acks = AckController(
            config=config,
            clock=self.clock,
            state=self.state,
            timeline=self.timeline,
            actions=self.actions,
            lock=self.runner.lock if isinstance(self.runner.lock, WarRoomLock) else None,
            read_only=self.read_only,
            selection=lambda: selection_of(self.main.query_one(AlertsPane)),
            poller=lambda: self.poller,
            notify=self.notify,
            spawn=self.spawn,
        )

    # -- composition ---------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is literal text, whoever raises it: messages and titles carry
        alert names, peers' notes and command output, so markup is never parsed and
        escape sequences never reach the terminal (`markup` is accepted and ignored)."""
        message, title = clean_lines(message), clean(title, 120)
        self.told.append(Told(severity, title, message))
        super().notify(
            message,
            title=title,
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def get_default_screen(self) -> Screen[None]:
        self._main = MainScreen(id="_default")
        return self._main

    @property
    def main(self) -> MainScreen:
        """The main screen: the panes and how data reaches them."""
        if self._main is None:
            raise RuntimeError("the console is not running")
        return self._main

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield from self.main.widgets()

    def on_mount(self) -> None:
        if self.keymap_spec:
            self.set_keymap(self.keymap_spec)
        self.show_what_can_run()
        self.call_after_refresh(self.main.lay_out)
        self.set_interval(1.0, self.main.tick)
        self.actions.warn_about_audit_log()
        self._start_warroom()

    def on_ready(self) -> None:
        """The first frame is on the screen: start polling now, not on mount. Building the
        sources imports the clients (httpx, redis, pymysql, grpc) on a thread, which would
        hold the interpreter while the first frame is drawn (issue 13: first paint)."""
        from console import startup

        if self.autostart:
            self.run_worker(
                self.start_polling(), name="poller", group="poller", exit_on_error=False
            )
        startup.resume(freeze=True)  # the cycle collector, paused by the command line

    def _start_warroom(self) -> None:
        """Share the timeline and presence on the current environment's war room, if any."""
        if self._warroom_timer is not None:
            self._warroom_timer.stop()
            self._warroom_timer = None
        if self.config.warroom.redis_url:
            self._warroom_timer = self.set_interval(
                max(1.0, self.config.refresh_seconds), self.warroom.sync
            )
            self.call_after_refresh(self.warroom.sync)

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
                on_result=self.main.on_result,
            )
        return self.poller

    async def start_polling(self) -> None:
        """Start polling every source on its interval."""
        poller = await self._make_poller()
        poller.start()

    async def poll_once(self) -> list[ProbeResult]:
        """Poll every source once now, show what each answered, and return the answers.

        With `autostart=False` the owner drives polling this way (the benchmark, the
        snapshots, a script stepping a frozen clock); with autostart the poller's own
        loops do it, and the refresh key asks them for the same without waiting."""
        poller = await self._make_poller()
        results = await poller.run_once()
        self.main.tick()  # the "refreshed" time and the ages at once, not on the next second
        return results

    def on_alert_detail_screen_run_action(self, message: AlertDetailScreen.RunAction) -> None:
        self.call_after_refresh(self.run_action, message.action)

    def _write_to_terminal(self, sequences: list[str]) -> None:
        if not self.is_headless and self._driver is not None:
            self._driver.write("".join(sequences))

    def watch_theme(self, name: str) -> None:
        """Panes draw Rich text in theme colours: redraw them all in the new theme."""
        # after the refresh: the theme's CSS variables are computed by then
        if self._main is not None:  # (set in __init__: no screen yet, nothing drawn)
            self.call_after_refresh(self._main.redraw_panes)

    def get_system_commands(self, screen: Screen[Any]) -> Iterator[SystemCommand]:
        """The command palette offers every action and view, and every theme."""
        # Textual's own, but for those this palette offers better: "Keys" (our Help
        # lists every key as the keymap has it), "Theme" (one "Theme: x" per theme) and
        # "Quit" (ours names its keys)
        from console.ui.screens.help import key_label

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
                await asyncio.wait_for(self.acks.release(), 2.0)
            try:
                await asyncio.wait_for(self.warroom.leave(), 2.0)
            except TimeoutError:
                pass
        self.sources_factory = self.make_sources(config)
        self.read_only = config.read_only if self._read_only_option is None else True
        self._bind(config)
        await self.main.replace_panes()
        self.main.header.switch(
            config.environment, self.read_only, insecure=insecure_backends(config)
        )
        self.show_what_can_run()
        self._start_warroom()
        self.actions.warn_about_audit_log()
        self.main.tick()
        self.notify(f"Switched to {config.environment}", title="Environment", timeout=5)
        if self.autostart:
            self.run_worker(
                self.start_polling(), name="poller", group="poller", exit_on_error=False
            )
        return True

    def action_refresh(self) -> None:
        if self.poller is not None:
            self.poller.refresh()
            self.notify("Refreshing every source now")

    def spawn(
        self, work: Coroutine[Any, Any, object], *, group: str, exit_on_error: bool = True
    ) -> None:
        """Run a coroutine as a worker of the app (controllers start their work so)."""
        self.run_worker(work, group=group, exit_on_error=exit_on_error)

    # -- keys of the console itself: quit, and a footer of what can run ---------------

    def quit_keys(self) -> list[str]:
        """The keys that quit, as the keymap has them."""
        return split_keys(self.keymap_spec.get("quit", DEFAULT_KEYS["quit"]))

    async def action_quit_key(self) -> None:
        """q / ctrl+c: cancel the prompt or close the view on top first (as Escape; every
        screen opened on top binds them: screens/overlay.py); on the main screen, quit. A text selection is copied before this is reached."""
        if len(self.screen_stack) <= 1:
            await self.action_quit()
            return
        screen = self.screen
        escape = screen.active_bindings.get("escape")
        if escape is not None and await self.run_action(escape.binding.action, escape.node):
            return
        screen.dismiss(None)

    async def action_help_quit(self) -> None:  # type: ignore[override]
        """Textual's ctrl+c hint ("press ctrl+q to quit"), unless the keymap gives ctrl+c
        to quit: then it quits, as on any console."""
        if "ctrl+c" in self.quit_keys():
            await self.action_quit_key()
        else:
            super().action_help_quit()

    def show_what_can_run(self) -> None:
        """In read-only, the footer leaves out the actions that cannot run; quit keeps its
        place after the actions (Textual's own ctrl+c binding sits first)."""
        bindings_map = self._bindings.key_to_bindings
        if "ctrl+c" in bindings_map:
            bindings_map["ctrl+c"] = bindings_map.pop("ctrl+c")
        for key, bindings in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [
                dataclasses.replace(b, show=not self.read_only)
                if b.id in ACTION_IDS and b.show != (not self.read_only)
                else b
                for b in bindings
            ]
        self.refresh_bindings()

    def ask(
        self, screen: Screen[ResultT], answered: Callable[[ResultT | None], None] | None = None
    ) -> None:
        """Push a screen; `answered` gets what it is dismissed with (controllers ask so)."""
        self.push_screen(screen, answered)

    def _warn(self, text: str) -> None:
        self.notify(text, severity="warning", markup=False)

    # -- the keys: thin delegates to the main screen and the controllers ---------------

    def action_zoom(self) -> None:
        self.main.zoom()

    def action_nav(self, where: str) -> None:
        self.main.nav(where)

    def action_filter(self) -> None:
        self.main.open_filter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("filter", "note"):
            # priority bindings: they must not take their key from a text field (a note,
            # a silence comment, the filter line itself) or from a view on top
            return self.screen is self.main and not isinstance(self.focused, Input)
        return True

    def action_copy(self) -> None:
        self.main.copy()

    def action_restart(self) -> None:
        self.actions.restart()

    def action_cache_clear(self) -> None:
        self.actions.cache_clear()

    def action_silence(self) -> None:
        self.actions.silence(self.main.query_one(AlertsPane).selected)

    def action_maintenance(self) -> None:
        self.actions.maintenance()

    def action_silences(self) -> None:
        self.push_screen(self.actions.silences_view())

    def action_escalate(self) -> None:
        self.actions.escalate()

    def action_group(self) -> None:
        self.grouping.group()

    def action_fold(self) -> None:
        self.grouping.fold()

    def action_sort(self, step: int) -> None:
        self.grouping.sort(step)

    def action_label_columns(self) -> None:
        self.grouping.label_columns()

    def action_pause(self) -> None:
        self.refreshing.pause()

    def action_refresh_interval(self, step: int) -> None:
        self.refreshing.step_interval(step)

    def action_checklist(self) -> None:
        self.checklist.open()

    def action_ack(self) -> None:
        self.acks.ack()

    def on_silences_screen_expire(self, message: SilencesScreen.Expire) -> None:
        self.actions.expire(message.silence)

    def on_silences_screen_extend(self, message: SilencesScreen.Extend) -> None:
        self.actions.extend(message.silence)

    def action_note(self) -> None:
        """Write a note on the war-room timeline, as the seat that pressed Enter."""

        def written(text: str | None) -> None:
            if text:
                # the seat that pressed Enter wrote it (a tie or no tmux: $SUDO_USER/$USER)
                self.warroom.add_note(text, self.seating.actor(self.seating.presser(fresh=True)))

        from console.ui.screens.timeline import NoteScreen

        self.push_screen(NoteScreen(), written)

    def action_timeline(self) -> None:
        """The war-room timeline, who is here, and whether its entries can be trusted."""
        self.push_screen(self.warroom.timeline_view(self.acks.keeping_status()))

    def key_for(self, binding_id: str) -> str:
        """The key(s) of a binding as the keymap has them, as the footer shows them."""
        from console.ui.screens.help import key_label

        return key_label(self, self.keymap_spec.get(binding_id, DEFAULT_KEYS[binding_id]))

    def help_rows(self) -> list[tuple[str, str, str]]:
        """Key, description and binding id of every active binding (what the keys do now)."""
        from console.ui.screens.help import key_label, sections
        from console.ui.screens.silences import help_bindings as silences_help

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
            binding_id = binding.id or binding.action
            keys = split_keys(self.keymap_spec.get(binding_id, binding.key))
            rows.append((", ".join(key_label(self, k) for k in keys), description, binding_id))
        return [row for _, section in sections(rows) for row in section]

    def action_help(self) -> None:
        from console.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_rows()))

    async def action_quit(self) -> None:
        others = self.seating.others_watching()
        if others and not self._quit_for_everyone:
            from console.ui.seats import QuitScreen

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
                await asyncio.wait_for(self.acks.release(), 2.0)
            await asyncio.wait_for(self.warroom.leave(), 2.0)
        self.exit(0)
