"""The Alerts pane: one row per alert, updated in place by fingerprint.

Beyond the default flat list it groups, sorts and shows label columns (console/ui/grouping.py):
the default view keeps the incremental rows; any other view redraws the table when what it
shows changes, keeping the cursor on its row key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from console import filter_history
from console.alert_history import NOT_READ, Firings
from console.clock import Clock, format_age, utc_time
from console.matchers import Filter, FilterContext, FilterError, parse_filter
from console.model import Alert, AlertGroup, AlertmanagerData, Status, alert_sort_key
from console.state import State
from console.text import clean, literal
from console.ui.alert_history import fired_cell
from console.ui.fit_table import FitTable
from console.ui.grouping import (
    GROUP_PREFIX,
    AlertsView,
    Group,
    group_cells,
    group_sort_key,
    load_label_columns,
    make_groups,
    sort_alerts,
)
from console.ui.inputs import SteadyInput
from console.ui.panes.base import Pane

SYMBOLS = {"critical": "✖ CRIT", "warning": "▲ WARN"}
COLUMNS = (
    ("severity", "Sev", 7),
    ("alertname", "Alert", 28),
    ("summary", "Summary", 20),
    ("state", "State", 9),
    ("age", "Age", 4),
    ("fired", "24h", 3),  # how many times it fired in the last 24 h (? unknown)
)


#: the Sev column when names need its room: the symbol alone
SEVERITY_SYMBOL = 1
#: the narrowest the Alert column gets when summaries need the room (at 80 columns the
#: runbook's two latency alerts read "CriticalOr…" and "HighOrche…", and their summaries
#: still differ)
MIN_NAME = 10
#: summaries get at least this many cells (or their whole length) before names get more
SUMMARY_WANTS = 24


def distinct_width(texts: Iterable[str]) -> int:
    """The fewest cells at which every distinct text, cut with an ellipsis, still reads
    differently from the others (two latency alerts: "P95 orchestration latency is above 5…"
    and "…above t…", not both "P95 orchestrati…")."""
    unique = sorted(set(texts))
    need = 0
    for before, after in zip(unique, unique[1:], strict=False):
        shared = 0
        for a, b in zip(before, after, strict=False):
            if a != b:
                break
            shared += 1
        # the shared part, the first character that differs, then the ellipsis
        need = max(need, min(shared + 2, max(len(before), len(after))))
    return need


class AlertsTable(FitTable):
    """The alert list: Sev, State and Age fit their text; the Alert column fits the longest
    name shown until the summaries need the room to read differently, then shrinks (to
    MIN_NAME at least); the summary takes the rest."""

    names: tuple[str, ...] = ()
    summaries: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    ages: tuple[str, ...] = ()
    fired: tuple[str, ...] = ()

    def plan(self, width: int) -> dict[str, int]:
        widths = {
            "severity": 6,
            "state": max([5, *(len(s) for s in self.states)]),
            "age": max([3, *(len(a) for a in self.ages)]),
            "fired": max([3, *(len(f) for f in self.fired)]),
        }
        gaps = 2 * self.cell_padding * len(COLUMNS)
        room = width - gaps - sum(widths.values())
        longest_name = max([5, *(len(n) for n in self.names)])
        longest_summary = max([7, *(len(s) for s in self.summaries)])
        if longest_name + longest_summary <= room:
            name = longest_name
        else:
            wants = max(distinct_width(self.summaries), min(longest_summary, SUMMARY_WANTS))
            if longest_name > room - wants:
                # short of room: the severity is its symbol alone (✖ ▲ ●, told apart by
                # shape without colour), and the names get its cells
                room += widths["severity"] - SEVERITY_SYMBOL
                widths["severity"] = SEVERITY_SYMBOL
            name = min(longest_name, max(MIN_NAME, room - wants))
        widths["alertname"] = name
        return widths


#: the most rows drawn: in a storm the first of them (critical first) are the ones to read,
#: and ten thousand rows would freeze the screen each time they are drawn
MAX_ROWS = 1000


#: how much of the filter the pane title shows
TITLE_FILTER_CHARS = 24


class FilterInput(SteadyInput):
    """The filter line: Enter keeps the filter, Escape clears it, up/down recall the last ones."""

    BINDINGS = [
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("up", "recall(1)", "Older filter", show=False),
        Binding("down", "recall(-1)", "Newer filter", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = []
        self.position = -1

    def action_clear_filter(self) -> None:
        pane = next((a for a in self.ancestors if isinstance(a, AlertsPane)), None)
        if pane is not None:
            pane.clear_filter()

    def action_recall(self, step: int) -> None:
        if not self.history:
            return
        self.position = max(-1, min(len(self.history) - 1, self.position + step))
        self.value = "" if self.position < 0 else self.history[self.position]
        self.cursor_position = len(self.value)


class SortedText(Text):
    """A cell that carries the row's sort key, so DataTable.sort can order by it."""

    sort_key: tuple[int, int, float, str] | tuple[()] = ()


#: one alert's cells, a column each (COLUMNS)
AlertCells = tuple[SortedText, Text, Text, Text, Text, Text]
#: what a grouped or sorted view drew: its columns, sort and rows (key, cell texts and styles)
ViewSignature = tuple[
    tuple[str, ...], str | None, bool, tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
]


class AlertsPane(Pane):
    """Live Alertmanager alerts: critical first, newest first within a severity."""

    TITLE = "Alerts"
    max_rows = MAX_ROWS
    SOURCES = ("alertmanager",)
    ALSO_SHOWS = ("alert_history",)
    DEFAULT_CSS = """
    AlertsPane { padding: 0; }
    AlertsPane > Static { padding: 0 1; }
    AlertsPane #alerts-problem { color: $status-breached; height: auto; display: none; }
    AlertsPane.-failing #alerts-problem { display: block; }
    AlertsPane #alerts-empty { color: $status-ok; height: auto; display: none; }
    AlertsPane.-empty #alerts-empty { display: block; }
    AlertsPane #filter-line { height: auto; display: none; }
    AlertsPane.-filtering #filter-line { display: block; }
    AlertsPane #filter-input, AlertsPane #filter-input:focus {
        border: none; height: 1; padding: 0 1; background: $boost;
    }
    AlertsPane #filter-error { color: $error; height: auto; display: none; }
    AlertsPane #filter-error.-shown { display: block; }
    """
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", show=False)]

    #: Alertmanager's own groups (None: not read yet), set by the app in that mode
    am_groups: tuple[AlertGroup, ...] | None = None
    _view: AlertsView | None = None
    _view_signature: ViewSignature | None = None
    #: the groups shown, by row key (None: no group rows)
    _groups: dict[str, Group] | None = None
    #: the last alerts read, for a redraw in another view
    _last_data: AlertmanagerData | None = None

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

    def __init__(self, *, clock: Clock, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self._cells: dict[str, AlertCells] = {}
        self._order: list[str] = []
        self._alerts: dict[str, Alert] = {}
        self._seen: dict[str, tuple[Alert, str, str]] = {}
        #: the filter in force (None: every alert), and the last state shown
        self.filter: Filter | None = None
        self._state: State | None = None
        self._title_text = ""
        self._empty_text: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="alerts-problem")
        yield Static(id="alerts-empty")
        with Vertical(id="filter-line"):
            yield FilterInput(
                id="filter-input",
                placeholder='/ filter: severity="critical" @state=active @age>15m words',
                disabled=True,  # never focused (nor typed into) while the line is closed
            )
            yield Static(id="filter-error")
        table = AlertsTable(id="alerts-table", flex_column="summary", cursor_type="row")
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table

    @property
    def table(self) -> AlertsTable:
        return self.query_one("#alerts-table", AlertsTable)

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
            self._cells[fingerprint] = (
                SortedText(""),
                Text(""),
                Text(""),
                Text(""),
                Text(""),
                Text(""),
            )

    def natural_height(self) -> int:
        notes = sum(1 for c in ("-failing", "-empty") if self.has_class(c))
        return 2 + notes + 1 + max(1, self.table.row_count)

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
        self._state = state
        self.redraw_rows()

    def redraw_rows(self) -> None:
        """The rows and title from the last state, through the filter in force."""
        state = self._state
        data = state.alerts if state is not None else None
        if data is None:
            # never read: the counts are unknown, not zero
            result = state.results.get("alertmanager") if state is not None else None
            failing = result is not None and result.status in (Status.CRITICAL, Status.UNKNOWN)
            title = "Alerts · unknown: no Alertmanager answered" if failing else "Alerts · …"
            if self.border_title != title:
                self.border_title = title
            return
        self._last_data = data
        shown = data.alerts
        if self.filter is not None:
            shown = tuple(self.filter.apply(data.alerts, self.filter_context()))
        if self.view.plain:
            self.update_rows(shown[:MAX_ROWS])
        else:
            self.show_view(shown[:MAX_ROWS])
        self.update_title(data.alerts, data, shown=len(shown))
        self.show_empty(data)

    def show_empty(self, data: AlertmanagerData) -> None:
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
        if text != self._empty_text:
            # one line either way: no layout pass for the screen
            self.query_one("#alerts-empty", Static).update(
                literal(text, 400), layout=self._empty_text is None
            )
            self._empty_text = text

    # -- the filter ------------------------------------------------------------------

    def filter_context(self) -> FilterContext:
        state = self._state
        data = state.alerts if state is not None else None
        return FilterContext.of(
            self.clock.time(),
            data.silences if data is not None else (),
            getattr(self.app, "config", None),
        )

    def _env_key(self) -> str | None:
        config = getattr(self.app, "config", None)
        return getattr(config, "env_key", None)

    def open_filter(self) -> None:
        """Show the filter line (with the filter in force) and give it the focus."""
        line = self.query_one("#filter-input", FilterInput)
        line.history = filter_history.load(self._env_key())
        line.position = -1
        self.add_class("-filtering")
        line.disabled = False
        # the focus moves now, not on a later turn of the event loop: keys that arrived
        # in the same burst as the `/` (one read over SSH or tmux) are already queued
        # behind it, and each must land in the line, never run a binding
        self.screen.set_focus(line)
        line.cursor_position = len(line.value)

    def set_filter(self, text: str) -> str | None:
        """Filter the rows by `text` ("" for none); the sentence saying why not, or None."""
        try:
            parsed = parse_filter(text)
        except FilterError as exc:
            return str(exc)
        self.filter = None if parsed.empty else parsed
        self.redraw_rows()
        return None

    def _show_error(self, sentence: str | None) -> None:
        error = self.query_one("#filter-error", Static)
        error.update(literal(sentence or "", 300))
        error.set_class(bool(sentence), "-shown")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "filter-input":
            return
        event.stop()
        # as the engineer types: rows follow every expression that reads, and one that
        # does not says why (the rows stay as the last good one left them)
        self._show_error(self.set_filter(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "filter-input":
            return
        event.stop()
        problem = self.set_filter(event.value)
        self._show_error(problem)
        if problem:
            return
        if self.filter is not None:
            filter_history.remember(self._env_key(), self.filter.text)
        self._close_line()

    def _close_line(self) -> None:
        self.remove_class("-filtering")
        self.table.focus()
        self.query_one("#filter-input", FilterInput).disabled = True

    def clear_filter(self) -> None:
        """Escape: every alert again, the line closed and empty, the focus on the rows."""
        line = self.query_one("#filter-input", FilterInput)
        with line.prevent(Input.Changed):
            line.value = ""
        self._show_error(None)
        if self.filter is not None:
            self.filter = None
            self.redraw_rows()
        self._close_line()

    def action_clear_filter(self) -> None:
        if self.filter is not None or self.has_class("-filtering"):
            self.clear_filter()

    def clock_text(self, stamp: float | None) -> str:
        if stamp is None:
            return "start"
        return utc_time(stamp)

    def update_title(
        self,
        alerts: Sequence[Alert],
        data: AlertmanagerData | None = None,
        shown: int | None = None,
    ) -> None:
        critical = sum(
            1 for a in alerts if a.severity == "critical" and a.display_state == "active"
        )
        warning = sum(1 for a in alerts if a.severity == "warning" and a.display_state == "active")
        quiet = sum(1 for a in alerts if a.display_state != "active")
        # a cut list or a skipped alert: the counts are at least these, never "all"
        partial = data is not None and any(not e.ok for e in data.endpoints)
        more = "+" if data is not None and (data.cut or data.unreadable or partial) else ""
        title = "Alerts"
        if self.filter is not None and shown is not None:
            # the counts after it stay those of every alert: a filter never hides a critical
            text = clean(self.filter.text, TITLE_FILTER_CHARS)
            title += f" · {shown:,} of {len(alerts):,}{more} · filter: {text}"
        title += f" · {critical:,}{more} critical · {warning:,}{more} warning"
        if quiet:
            title += f" · {quiet:,}{more} silenced/inhibited"
        if data is not None and data.cut:
            title += f" · LIST CUT: read {len(alerts):,} of more"
        if (len(alerts) if shown is None else shown) > MAX_ROWS:
            title += f" · rows: first {MAX_ROWS:,}"
        if data is not None and data.unreadable:
            title += f" · {data.unreadable:,} unreadable"
        if self._title_text != title:
            self._title_text = title
            self.border_title = Text(title)  # the filter is the engineer's text: never markup

    def firings(self, alert: Alert) -> Firings:
        """What the alert did in the last day, from the last history Prometheus gave."""
        state = self._state
        return NOT_READ if state is None else state.alert_history(alert.labels)

    def row_cells(self, alert: Alert, now: float) -> AlertCells:
        severity = alert.severity
        colour = {
            "critical": self.colour("severity-critical"),
            "warning": self.colour("severity-warning"),
        }.get(severity, self.colour("severity-info"))
        state = alert.display_state
        muted = state != "active"
        style = "dim" if muted else ""
        label = SYMBOLS.get(severity) or "● " + clean(severity, 20)[:4].upper()
        # cut to its symbol when the names need the room (AlertsTable.plan)
        sev = SortedText(label, style=f"bold {colour}", no_wrap=True, overflow="crop")
        sev.sort_key = alert_sort_key(alert)
        return (
            sev,
            literal(alert.name, 80, style=style or "bold"),
            literal(alert.summary, 300, style=style),
            literal(
                f"ACK {alert.acked_by}" if alert.acked_by else state, 20, style=style or colour
            ),
            Text(_age(alert, now), style=style),
            fired_cell(self.firings(alert), style),
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
            seen = (alert, age, self.firings(alert).cell())
            if self._seen.get(fingerprint) == seen:
                continue  # nothing this row shows has changed: build nothing, draw nothing
            self._seen[fingerprint] = seen
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
        self.fit_columns(alerts)
        if order_changed:
            table.sort("severity", key=lambda cell: cell.sort_key)
        if selected_key in wanted:
            index = table.get_row_index(selected_key)
            if index != table.cursor_row:
                table.move_cursor(row=index, animate=False)

    def fit_columns(self, alerts: Sequence[Alert]) -> None:
        """Size the columns to the text they now show."""
        table = self.query_one(AlertsTable)
        table.names = tuple(clean(a.name, 80) for a in alerts)
        table.summaries = tuple(clean(a.summary, 300) for a in alerts)
        table.states = tuple(clean(a.display_state, 20) for a in alerts)
        now = self.clock.time()
        table.ages = tuple(_age(a, now) for a in alerts)
        table.fired = tuple(self.firings(a).cell() for a in alerts)
        table.fit()

    # -- the view: groups, sorting, folding and label columns --------------------

    @property
    def view(self) -> AlertsView:
        if self._view is None:
            self._view = AlertsView(label_columns=load_label_columns())
        return self._view

    @property
    def selected_group(self) -> tuple[tuple[Alert, ...], str] | None:
        """The group under the cursor (its alerts and name), when the cursor is on one."""
        table = self.table
        if not table.row_count or not self._groups:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        group = self._groups.get(key)
        return (group.alerts, group.name) if group is not None else None

    def _cursor_key(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def column_ids(self) -> list[str]:
        base = [key for key, _, _ in COLUMNS]
        return base + [f"label:{name}" for name in self.view.label_columns]

    def redraw_view(self) -> None:
        """Lay the table out again for the current view (after g, z, <, > or L)."""
        self._view_signature = None
        data = self._last_data
        if data is None:
            return
        if self.view.plain:
            self._reset_table()
            self.update_rows(data.alerts[: self.max_rows])
        else:
            self.show_view(data.alerts[: self.max_rows])

    def _reset_table(self) -> None:
        """Back to the flat table: the incremental rows start from nothing."""
        table = self.table
        table.clear(columns=True)
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        self._cells.clear()
        self._seen.clear()
        self._groups = None
        self._view_signature = None
        table.fit()

    def _label_cells(self, alert: Alert) -> tuple[Text, ...]:
        labels = alert.label_map
        return tuple(literal(labels.get(name, ""), 120) for name in self.view.label_columns)

    def show_view(self, alerts: Sequence[Alert]) -> None:
        """Draw the alerts grouped and/or sorted; only when something shown changed."""
        view = self.view
        now = self.clock.time()
        width = len(COLUMNS) + len(view.label_columns)
        rows: list[tuple[str, tuple[Text, ...]]] = []
        by_key: dict[str, Alert] = {}

        def add_alert(alert: Alert, group: str = "") -> None:
            key = (
                alert.fingerprint
                if alert.fingerprint not in by_key
                else f"{alert.fingerprint}@{group}"
            )
            by_key[key] = alert
            rows.append((key, self.row_cells(alert, now) + self._label_cells(alert)))

        groups = sorted(make_groups(alerts, view, self.am_groups), key=group_sort_key)
        if view.mode == "flat":
            for alert in sort_alerts(alerts, view, now, self._fired_count):
                add_alert(alert)
        else:
            for group in groups:
                folded = group.key in view.folded
                rows.append((group.key, group_cells(group, folded, now, width)))
                if not folded:
                    for alert in sort_alerts(group.alerts, view, now, self._fired_count):
                        add_alert(alert, group.key)
        columns = self.column_ids()
        signature: ViewSignature = (
            tuple(columns),
            view.sort_column,
            view.reverse,
            tuple((key, tuple((c.plain, str(c.style)) for c in cells)) for key, cells in rows),
        )
        self._alerts = by_key
        self._groups = {g.key: g for g in groups}
        if signature == self._view_signature:
            return
        self._view_signature = signature
        table = self.table
        cursor_key = self._cursor_key()
        cursor_row = table.cursor_row
        table.clear(columns=True)
        for column in columns:
            table.add_column(self._header(column), key=column, width=self._width(column))
        for key, cells in rows:
            table.add_row(*cells, key=key)
        self._cells.clear()
        self._seen.clear()
        table.fit()
        if not rows:
            return
        keys = [key for key, _ in rows]
        index = keys.index(cursor_key) if cursor_key in keys else min(cursor_row, len(rows) - 1)
        table.move_cursor(row=index, animate=False)

    def _fired_count(self, alert: Alert) -> int | None:
        return self.firings(alert).count

    def _header(self, column: str) -> Text:
        labels = {key: label for key, label, _ in COLUMNS}
        label = labels.get(column) or column.removeprefix("label:")
        if self.view.sort_column == column:
            label += " ▼" if self.view.reverse else " ▲"
        return literal(label, 40)

    def _width(self, column: str) -> int:
        widths = {key: width for key, _, width in COLUMNS}
        return widths.get(column, 12)

    # -- the view's keys --------------------------------------------------------------------

    def cycle_group(self, label: str | None = None) -> str:
        """flat → Alertmanager's groups → by `label` → flat; the new mode."""
        view = self.view
        if view.mode == "flat":
            view.mode = "alertmanager"
        elif view.mode == "alertmanager" and label:
            view.mode, view.label = "label", label
        else:
            view.mode = "flat"
        view.folded.clear()
        self.redraw_view()
        return view.mode

    def toggle_fold(self) -> None:
        """Fold or unfold the group under the cursor (or the one the selected alert is in)."""
        if self.view.mode == "flat" or not self._groups:
            return
        key = self._cursor_key() or ""
        if key not in self._groups:
            # an alert row: its group is the nearest group row above it
            table = self.table
            for row in range(table.cursor_row, -1, -1):
                candidate = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value or ""
                if candidate.startswith(GROUP_PREFIX):
                    key = candidate
                    break
        if key not in self._groups:
            return
        self.view.folded ^= {key}
        self.redraw_view()
        table = self.table
        try:
            table.move_cursor(row=table.get_row_index(key), animate=False)
        except Exception:  # noqa: BLE001 - the group left meanwhile
            pass

    def sort_step(self, step: int) -> str | None:
        """`>` sorts by the next column, `<` by the previous one; the column now."""
        columns = [None, *self.column_ids()]
        index = columns.index(self.view.sort_column) if self.view.sort_column in columns else 0
        self.view.sort_column = columns[(index + step) % len(columns)]
        self.view.reverse = False
        self.redraw_view()
        return self.view.sort_column

    def sort_by(self, column: str) -> None:
        """A click on a header: sort by it; a second click reverses."""
        if self.view.sort_column == column:
            self.view.reverse = not self.view.reverse
        else:
            self.view.sort_column, self.view.reverse = column, False
        self.redraw_view()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))


def endpoint_name(url: str) -> str:
    """An Alertmanager as people name it: host:port (or its name), never credentials."""
    from urllib.parse import urlsplit

    parts = urlsplit(url if "//" in url else f"//{url}")
    return clean(parts.netloc.rpartition("@")[2] or url, 80)


def _age(alert: Alert, now: float) -> str:
    """How long it has fired; "?" when Alertmanager sent no valid start time."""
    return "?" if alert.starts_at is None else format_age(now - alert.starts_at)
