"""The Alerts pane: one row per alert, updated in place by fingerprint."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static

from console.clock import format_age
from console.model import Alert, Status, alert_sort_key
from console.state import State
from console.text import clean, literal
from console.ui.alerts_view import AlertsViewMixin
from console.ui.fit_table import FitTable
from console.ui.panes.base import Pane

SYMBOLS = {"critical": "✖ CRIT", "warning": "▲ WARN"}
COLUMNS = (
    ("severity", "Sev", 7),
    ("alertname", "Alert", 28),
    ("summary", "Summary", 20),
    ("state", "State", 9),
    ("age", "Age", 4),
)


#: the most rows drawn: in a storm the first of them (critical first) are the ones to read,
#: and ten thousand rows would freeze the screen each time they are drawn
MAX_ROWS = 1000


class SortedText(Text):
    """A cell that carries the row's sort key, so DataTable.sort can order by it."""

    sort_key: tuple = ()


class AlertsPane(AlertsViewMixin, Pane):
    """Live Alertmanager alerts: critical first, newest first within a severity."""

    TITLE = "Alerts"
    max_rows = MAX_ROWS
    SOURCES = ("alertmanager",)
    DEFAULT_CSS = """
    AlertsPane #alerts-problem { color: $status-breached; height: auto; display: none; }
    AlertsPane.-failing #alerts-problem { display: block; }
    AlertsPane #alerts-empty { color: $status-ok; height: auto; display: none; }
    AlertsPane.-empty #alerts-empty { display: block; }
    """

    class Opened(Message):
        """Enter on an alert: show its detail and procedure."""

        def __init__(self, alert: Alert) -> None:
            super().__init__()
            self.alert = alert

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self._groups and (event.row_key.value or "") in self._groups:
            event.stop()
            self.toggle_fold()
            return
        alert = self._alerts.get(event.row_key.value or "")
        if alert is not None:
            event.stop()
            self.post_message(self.Opened(alert))

    def __init__(self, *, clock, **kwargs) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self._cells: dict[str, tuple] = {}
        self._order: list[str] = []
        self._alerts: dict[str, Alert] = {}
        self._seen: dict[str, tuple[Alert, str]] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="alerts-problem")
        yield Static(id="alerts-empty")
        table = FitTable(id="alerts-table", flex_column="summary", cursor_type="row")
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table

    @property
    def table(self) -> DataTable:
        return self.query_one("#alerts-table", DataTable)

    @property
    def selected(self) -> Alert | None:
        """The alert under the cursor."""
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._alerts.get(key or "")

    def copy_text(self) -> str | None:
        """The selected alert as Markdown."""
        from console.ui.screens.detail import alert_markdown

        alert = self.selected
        return alert_markdown(alert) if alert is not None else None

    def forget(self) -> None:
        """Drop what was drawn, so the next show() redraws every cell (after a theme change)."""
        self._seen.clear()
        self._view_signature = None
        for fingerprint in list(self._cells):
            self._cells[fingerprint] = (SortedText(""),) + tuple(Text("") for _ in COLUMNS[1:])

    def show(self, state: State) -> None:
        result = state.results.get("alertmanager")
        if result is None:
            return
        problem = self.query_one("#alerts-problem", Static)
        failing = result.status in (Status.CRITICAL, Status.UNKNOWN)
        warned = result.status is Status.WARNING
        since = state.since.get("alertmanager")
        if failing or warned:
            when = self.clock_text(since)
            problem.update(literal(f"⚠ {result.detail} (since {when})", 300))
            problem.display = True
        else:
            problem.display = False
        self.set_class(failing, "-failing")
        data = state.alerts
        if data is None:
            self.update_title(())
            return
        self._last_data = data
        if self.view.plain:
            self.update_rows(data.alerts[:MAX_ROWS])
        else:
            self.show_view(data.alerts[:MAX_ROWS])
        self.update_title(data.alerts, data)
        self.show_empty(data)

    def show_empty(self, data) -> None:
        """An empty list says so, and which Alertmanagers it was read from: a blank pane
        could as well mean "not loaded"; and a missing Alertmanager is never "all quiet"."""
        empty = not data.alerts
        self.set_class(empty, "-empty")
        if not empty:
            return
        read = [endpoint_name(e.url) for e in data.endpoints if e.ok]
        missing = [endpoint_name(e.url) for e in data.endpoints if not e.ok]
        if read:
            text = f"✔ no alerts firing (from {', '.join(read)})"
        else:
            text = "? no Alertmanager could be read: alerts unknown"
        if read and missing:
            text += f"; not read: {', '.join(missing)}, its alerts are unknown"
        self.query_one("#alerts-empty", Static).update(literal(text, 400))

    def clock_text(self, stamp: float | None) -> str:
        if stamp is None:
            return "start"
        from datetime import UTC, datetime

        return datetime.fromtimestamp(stamp, UTC).strftime("%H:%M:%S UTC")

    def update_title(self, alerts, data=None) -> None:
        critical = sum(
            1 for a in alerts if a.severity == "critical" and a.display_state == "active"
        )
        warning = sum(1 for a in alerts if a.severity == "warning" and a.display_state == "active")
        quiet = sum(1 for a in alerts if a.display_state != "active")
        # a cut list or a skipped alert: the counts are at least these, never "all"
        more = "+" if data is not None and (data.cut or data.unreadable) else ""
        title = f"Alerts · {critical:,}{more} critical · {warning:,}{more} warning"
        if quiet:
            title += f" · {quiet:,}{more} silenced/inhibited"
        if data is not None and data.cut:
            title += f" · LIST CUT: read {len(alerts):,} of more"
        if len(alerts) > MAX_ROWS:
            title += f" · rows: first {MAX_ROWS:,}"
        if data is not None and data.unreadable:
            title += f" · {data.unreadable:,} unreadable"
        if self.border_title != title:
            self.border_title = title

    def row_cells(self, alert: Alert, now: float) -> tuple:
        severity = alert.severity
        colour = {
            "critical": self.colour("severity-critical"),
            "warning": self.colour("severity-warning"),
        }.get(severity, self.colour("severity-info"))
        state = alert.display_state
        muted = state != "active"
        style = "dim" if muted else ""
        label = SYMBOLS.get(severity) or "● " + clean(severity, 20)[:4].upper()
        sev = SortedText(label, style=f"bold {colour}", no_wrap=True, overflow="ellipsis")
        sev.sort_key = alert_sort_key(alert)
        return (
            sev,
            literal(alert.name, 80, style=style or "bold"),
            literal(alert.summary, 300, style=style),
            literal(
                f"ACK {alert.acked_by}" if alert.acked_by else state, 20, style=style or colour
            ),
            Text(_age(alert, now), style=style),
        )

    def update_rows(self, alerts: tuple[Alert, ...]) -> None:
        """Add, update and remove rows by fingerprint, keeping the cursor on its alert."""
        table = self.table
        now = self.clock.time()
        selected = self.selected
        selected_key = selected.fingerprint if selected else None
        wanted = {a.fingerprint: a for a in alerts}
        for key in [k for k in self._cells if k not in wanted]:
            table.remove_row(key)
            del self._cells[key]
            self._seen.pop(key, None)
        order_changed = False
        for fingerprint, alert in wanted.items():
            age = _age(alert, now)
            if self._seen.get(fingerprint) == (alert, age):
                continue  # nothing this row shows has changed: build nothing, draw nothing
            self._seen[fingerprint] = (alert, age)
            cells = self.row_cells(alert, now)
            old = self._cells.get(fingerprint)
            if old is None:
                table.add_row(*cells, key=fingerprint)
                order_changed = True
            else:
                for (column, _, _), new_cell, old_cell in zip(COLUMNS, cells, old, strict=True):
                    if (
                        new_cell.plain != old_cell.plain
                        or new_cell.style != old_cell.style
                        or getattr(new_cell, "sort_key", None)
                        != getattr(old_cell, "sort_key", None)
                    ):
                        table.update_cell(fingerprint, column, new_cell)
                if old[0].sort_key != cells[0].sort_key:
                    order_changed = True
            self._cells[fingerprint] = cells
        self._alerts = wanted
        if order_changed:
            table.sort("severity", key=lambda cell: cell.sort_key)
        if selected_key in wanted:
            index = table.get_row_index(selected_key)
            if index != table.cursor_row:
                table.move_cursor(row=index, animate=False)


def endpoint_name(url: str) -> str:
    """An Alertmanager as people name it: host:port (or its name), never credentials."""
    from urllib.parse import urlsplit

    parts = urlsplit(url if "//" in url else f"//{url}")
    return clean(parts.netloc.rpartition("@")[2] or url, 80)


def _age(alert: Alert, now: float) -> str:
    """How long it has fired; "?" when Alertmanager sent no valid start time."""
    return "?" if alert.starts_at is None else format_age(now - alert.starts_at)
