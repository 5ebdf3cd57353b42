"""The main screen: the header, the four panes and the footer, and how data reaches them.

sources → poller → `on_result` (the state takes the result) → each pane that declared the
changed source in its SOURCES shows the state → the layout follows the panes' content. A
second ticker (`tick`) ages the panes and keeps the header's clock, incident and seats.
While another screen covers this one nothing here is drawn; `catch_up` draws what changed
when it is on top again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import DataTable

from console.model import AlertmanagerData, ProbeResult
from console.text import clean
from console.ui.alert_history import AlertHistoryView
from console.ui.footer import KeyFooter
from console.ui.header import StatusHeader, insecure_backends
from console.ui.keymaps import DEFAULT_KEYS
from console.ui.layout import NARROW_BELOW, Panes
from console.ui.panes.alerts import AlertsPane
from console.ui.panes.base import Pane
from console.ui.panes.host import HostPane
from console.ui.panes.services import ServicesPane
from console.ui.panes.sla import SlaPane

if TYPE_CHECKING:
    from console.ui.app import GenesisApp

#: a pane is stale when its data is older than this many refresh intervals
STALE_INTERVALS = 3

#: the sources whose answers the header shows at once (the incident, the alerts' note):
#: the screen ticks after their answers too, not only on its 1 s timer
TICKS_AFTER = frozenset({"alertmanager", "orchestrator"})

#: j/k/g/G style movement: the first of these the focused widget has
NAV_ACTIONS = {
    "down": ("action_cursor_down", "action_scroll_down"),
    "up": ("action_cursor_up", "action_scroll_up"),
    "top": ("action_scroll_top", "action_scroll_home"),
    "bottom": ("action_scroll_bottom", "action_scroll_end"),
}


class MainScreen(Screen[None]):
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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: panes whose data changed while another screen covered them (drawn when it closes)
        self.undrawn: set[str] = set()
        #: True while the panes are being replaced by another environment's
        self.switching = False
        #: the timeline's last local problem, once said (each new one is said once)
        self.told_timeline: str | None = None
        #: the header and the panes' container, held: looked up on every answer and every
        #: second, a DOM query each time cost a sixth of the event loop
        self._header: StatusHeader | None = None
        self._panes: Panes | None = None

    @property
    def genesis(self) -> GenesisApp:
        """The app, with its per-environment state and controllers."""
        return cast("GenesisApp", self.app)

    # -- composition ---------------------------------------------------------------

    def widgets(self) -> ComposeResult:
        """The screen's widgets. The app's compose yields them: Textual mounts the default
        screen's widgets through the app's compose (beside its own toasts and tooltip),
        before the app is mounted."""
        app = self.genesis
        self._header = StatusHeader(
            app.config.environment,
            app.read_only,
            insecure=insecure_backends(app.config),
            hint=app.config_hint,
            id="header",
        )
        yield self._header
        yield app.action_bar
        self._panes = Panes(id="panes", laid_out=self.arranged)
        with self._panes:
            yield from self.make_panes()
        yield KeyFooter()

    def make_panes(self) -> list[Pane]:
        """The four panes, fresh, for the current environment."""
        app = self.genesis
        return [
            AlertsPane(clock=app.clock, id="alerts"),
            SlaPane(availability_target=app.config.sla.availability_percent, id="sla"),
            ServicesPane(ports=app.config.ports, id="services"),
            HostPane(id="host"),
        ]

    @property
    def header(self) -> StatusHeader:
        return self._header if self._header is not None else self.query_one(StatusHeader)

    @property
    def panes(self) -> Panes:
        return self._panes if self._panes is not None else self.query_one(Panes)

    def each_pane(self) -> list[Pane]:
        """The four panes (their container's children: no DOM query)."""
        return [pane for pane in self.panes.children if isinstance(pane, Pane)]

    async def replace_panes(self) -> None:
        """Every pane afresh for the environment just switched to (the old one's picture
        goes with them); the focus on the alerts."""
        self.switching = True
        try:
            await self.panes.remove_children()
            await self.panes.mount_all(self.make_panes())
        finally:
            self.switching = False
        self.query_one(AlertsPane).query_one(DataTable).focus()

    def panes_gone(self) -> bool:
        """True while the panes are not there to draw on: the app is shutting down (they
        are already unmounted) or the environment is switching."""
        panes = self._panes
        return (
            self.switching
            or not self.app.is_running
            or not self.app.screen_stack
            or panes is None
            or not panes.is_attached
        )

    def alerts_pane(self) -> AlertsPane | None:
        """The Alerts pane, or None while it is gone (see panes_gone)."""
        if self.panes_gone():
            return None
        for pane in self.each_pane():
            if isinstance(pane, AlertsPane):
                return pane
        return None

    def lay_out(self) -> None:
        """Set the layout for the screen's size and the panes' content."""
        if not self.panes_gone():
            self.panes.fit()

    def arranged(self) -> None:
        """The layout changed: once drawn, the panes' notes of rows out of sight follow."""
        self.call_after_refresh(self.tick)

    # -- data flow: sources → poller → state → panes --------------------------------

    def on_result(self, result: ProbeResult) -> None:
        """A source answered: the state takes it, and what shows it is drawn."""
        if self.panes_gone():
            return  # a probe that answered while the console was closing
        app = self.genesis
        before = app.state.alerts
        changed = app.state.apply(result)
        now = app.clock.time()
        alerts = app.state.alerts
        if "alertmanager" in changed and alerts is not None:
            self.ring(app.terminal_alerts.check(alerts.alerts, now))
            if not same_alerts(before, alerts):
                # (the same alerts again put nothing new on the timeline: not walked again)
                app.warroom.record_alerts(alerts.alerts, now, alerts.silences, alerts.unreachable)
            # an open silences view follows Alertmanager (e.g. after an extend)
            from console.ui.screens.silences import SilencesScreen

            for screen in app.screen_stack:
                if isinstance(screen, SilencesScreen):
                    screen.show(alerts.silences, now, alerts.alerts)
        if result.name == "alertmanager":
            app.acks.keep()
            app.grouping.refresh_am_groups()
        if result.name in ("alertmanager", "orchestrator") and app.incident.update(now):
            changed.add("incident")
            if not app.incident.is_open:
                app.actions.restart_failures = 0  # a new incident starts a new count
        if result.name == "alert_history":
            for view in app.screen.query(AlertHistoryView):
                view.show(app.state)
        if self.covered():
            # under a view or a confirmation: drawn when it closes, not composed again
            # under it every refresh (the state, incidents and timeline go on meanwhile)
            self.undrawn |= changed
        else:
            self.show_panes(changed, now)
        if result.name in TICKS_AFTER:
            # what the header shows of these follows at once; the rest (the "refreshed"
            # time, the panes' ages) follows on the 1 s timer, not after every answer
            self.tick()

    def covered(self) -> bool:
        """True while another screen (a view, a prompt, a confirmation) is on top."""
        return len(self.app.screen_stack) > 1

    def show_panes(self, changed: set[str], now: float) -> None:
        """Draw the panes that show these changed sources (and lay out the screen if any
        was drawn)."""
        app = self.genesis
        app.state.recovery = app.incident.recovery_value(now)
        for pane in self.each_pane():
            if pane.shows(changed):
                pane.show(app.state)
        if changed:
            self.lay_out()

    def catch_up(self) -> None:
        """The main screen is on top again: draw what changed while it was covered."""
        undrawn, self.undrawn = self.undrawn, set()
        if self.panes_gone():
            return
        self.show_panes(undrawn, self.genesis.clock.time())
        self.tick()

    def on_screen_resume(self) -> None:
        """Back on top: draw what changed while another screen covered this one."""
        self.catch_up()

    def redraw_panes(self) -> None:
        """Draw every pane again from the state (e.g. in new colours)."""
        if self.panes_gone():
            return
        app = self.genesis
        app.state.recovery = app.incident.recovery_value(app.clock.time())
        for pane in self.each_pane():
            pane.forget()
            pane.show(app.state)
        self.header.redraw(force=True)

    def tick(self) -> None:
        """Once a second: ages, staleness and the header clock (only what changed is drawn)."""
        if self.panes_gone():
            return
        app = self.genesis
        now = app.clock.time()
        covered = self.covered()
        stale_after = STALE_INTERVALS * app.config.refresh_seconds
        if not covered:
            for pane in self.each_pane():
                pane.tick(app.state, now, stale_after)
        problem = app.timeline.local_error
        if problem and problem != self.told_timeline:
            self.told_timeline = problem
            app.notify(f"Timeline: {problem}", severity="error", timeout=15, markup=False)
        header = self.header
        header.last_refresh = app.state.last_refresh
        poller = app.poller
        whole = poller is not None and all(
            source.name in app.state.results for source in poller.sources
        )
        app.incident.observe(now, whole=whole)
        header.incident = app.incident.incident_line(now)
        header.alerts_note = alerts_note(app.state.alerts)
        header.refresh_note = app.refreshing.note()
        header.checklist, header.checklist_overdue = app.checklist.header(now)
        app.seating.look()
        header.watching = app.seating.watching()
        if not covered:
            header.redraw()

    def ring(self, sequences: list[str]) -> None:
        """Send bell / desktop-notification sequences to the terminal sink."""
        if sequences:
            self.genesis.terminal_sink(sequences)

    # -- what the panes open ---------------------------------------------------------

    def on_alerts_pane_opened(self, message: AlertsPane.Opened) -> None:
        from console.muting import why_muted
        from console.runbooks import load_procedure
        from console.ui.screens.alert_detail import AlertDetailScreen

        app = self.genesis
        alert, data = message.alert, app.state.alerts
        reasons = why_muted(
            alert, data.silences if data else (), data.alerts if data else (), app.clock.time()
        )
        app.push_screen(AlertDetailScreen(alert, load_procedure(alert.name), reasons))
        self.refresh_alert_history()

    def refresh_alert_history(self) -> None:
        """Ask Prometheus for the alerts' history now, unless the last answer is recent."""
        from console.sources.alert_history import REFRESH_ON_OPEN_SECONDS

        app = self.genesis
        last = app.state.results.get("alert_history")
        recent = last is not None and app.clock.time() - last.obtained_at < REFRESH_ON_OPEN_SECONDS
        if app.poller is not None and not recent:
            app.poller.refresh(["alert_history"])

    def on_services_pane_opened(self, message: ServicesPane.Opened) -> None:
        from console.ui.screens.detail import DetailScreen

        self.app.push_screen(DetailScreen(message.title, message.rows))

    def on_host_pane_opened(self, message: HostPane.Opened) -> None:
        from console.ui.screens.detail import DetailScreen

        self.app.push_screen(DetailScreen(message.title, message.rows))

    # -- the screen's own keys (bound on the app, so a keymap reaches them) ------------

    def zoom(self) -> None:
        """The focused pane alone on the whole screen (k9s, glances); again goes back."""
        panes = self.panes
        if panes.has_class("-zoomed"):
            panes.remove_class("-zoomed")
            for pane in panes.children:
                pane.remove_class("-zoom")
            self.call_after_refresh(self.lay_out)
            return
        node: DOMNode | None = self.focused
        while node is not None and node.parent is not panes:
            node = node.parent
        if node is None:
            self.app.notify("Move to a pane first (tab), then zoom it", timeout=4)
            return
        node.add_class("-zoom")
        panes.add_class("-zoomed")

    def nav(self, where: str) -> None:
        """j/k/g/G style movement in whatever has the focus (on whichever screen is on
        top: the keys are the app's)."""
        focused = self.app.screen.focused
        if focused is None:
            return
        for name in NAV_ACTIONS[where]:
            method = getattr(focused, name, None)
            if method is not None:
                method()
                return

    def open_filter(self) -> None:
        """Open the alerts' filter line (Enter keeps the filter, Escape clears it)."""
        self.query_one(AlertsPane).open_filter()

    def copy(self) -> None:
        """Put the selected command, URL, alert (Markdown) or entry of the screen on top on
        the clipboard with OSC 52: through SSH, and tmux with `set-clipboard on`."""
        from console.ui.screens.detail import copy_value

        app = self.app
        value = copy_value(app.screen)
        if not value:
            app.notify("Nothing selected to copy", severity="warning", timeout=4)
            return
        app.copy_to_clipboard(value)
        first = value.splitlines()[0] if value else ""
        app.notify(
            f"Copied {len(value):,} characters: {clean(first, 60)}",
            title="Clipboard (OSC 52)",
            timeout=4,
        )

    def copy_text(self) -> str | None:
        """What the copy key copies here: the selected row of the focused pane."""
        node: DOMNode | None = self.focused
        while node is not None and not hasattr(node, "copy_text"):
            node = node.parent
        if node is None or node is self:
            return None
        return cast(Callable[[], "str | None"], node.copy_text)()


def same_alerts(before: AlertmanagerData | None, after: AlertmanagerData) -> bool:
    """True when Alertmanager answered the very alerts and silences it answered before
    (the source hands back the same objects for the same replies)."""
    return (
        before is not None
        and before.alerts is after.alerts
        and before.silences is after.silences
        and before.unreachable == after.unreachable
    )


def alerts_note(data: AlertmanagerData | None) -> str:
    """The header's warning that the alert counts are only part of the picture."""
    if data is None:
        return ""
    if data.cut:
        return "ALERT LIST CUT"
    if data.unreadable:
        return f"{data.unreadable:,} ALERT{'S' * (data.unreadable != 1)} UNREADABLE"
    return ""
