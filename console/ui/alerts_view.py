"""The Alerts pane beyond its default flat list: groups, sorting and label columns.

A mixin of AlertsPane. The default view keeps the pane's incremental rows; any other
view redraws the table when what it shows changes, keeping the cursor on its row key.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from console.model import Alert, AlertGroup
from console.text import literal
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

BASE_COLUMNS = ("severity", "alertname", "summary", "state", "age", "fired")


class AlertsViewMixin:
    """Grouping, sorting, folding and label columns for the Alerts pane."""

    _view: AlertsView | None = None
    #: Alertmanager's own groups (None: not read yet), set by the app in that mode
    am_groups: tuple[AlertGroup, ...] | None = None
    _view_signature: tuple | None = None
    _groups: dict[str, Group] | None = None

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
        return list(BASE_COLUMNS) + [f"label:{name}" for name in self.view.label_columns]

    def redraw_view(self) -> None:
        """Lay the table out again for the current view (after g, z, <, > or L)."""
        self._view_signature = None
        data = getattr(self, "_last_data", None)
        if data is None:
            return
        if self.view.plain:
            self._reset_table()
            self.update_rows(data.alerts[: self.max_rows])
        else:
            self.show_view(data.alerts[: self.max_rows])

    def _reset_table(self) -> None:
        """Back to the flat table: the incremental rows start from nothing."""
        from console.ui.panes.alerts import COLUMNS

        table = self.table
        table.clear(columns=True)
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        self._cells.clear()
        self._seen.clear()
        self._groups = None
        self._view_signature = None
        if hasattr(table, "fit"):
            table.fit()

    def _label_cells(self, alert: Alert) -> tuple:
        labels = alert.label_map
        return tuple(literal(labels.get(name, ""), 120) for name in self.view.label_columns)

    def show_view(self, alerts) -> None:
        """Draw the alerts grouped and/or sorted; only when something shown changed."""
        from console.ui.panes.alerts import COLUMNS

        view = self.view
        now = self.clock.time()
        width = len(COLUMNS) + len(view.label_columns)
        rows: list[tuple[str, tuple]] = []
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
        signature = (
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
        table: DataTable = self.table
        cursor_key = self._cursor_key()
        cursor_row = table.cursor_row
        table.clear(columns=True)
        for column in columns:
            table.add_column(self._header(column), key=column, width=self._width(column))
        for key, cells in rows:
            table.add_row(*cells, key=key)
        self._cells.clear()
        self._seen.clear()
        if hasattr(table, "fit"):
            table.fit()
        if not rows:
            return
        keys = [key for key, _ in rows]
        index = keys.index(cursor_key) if cursor_key in keys else min(cursor_row, len(rows) - 1)
        table.move_cursor(row=index, animate=False)

    def _fired_count(self, alert: Alert) -> int | None:
        return self.firings(alert).count

    def _header(self, column: str) -> Text:
        from console.ui.panes.alerts import COLUMNS

        labels = {key: label for key, label, _ in COLUMNS}
        label = labels.get(column) or column.removeprefix("label:")
        if self.view.sort_column == column:
            label += " ▼" if self.view.reverse else " ▲"
        return literal(label, 40)

    def _width(self, column: str) -> int:
        from console.ui.panes.alerts import COLUMNS

        widths = {key: width for key, _, width in COLUMNS}
        return widths.get(column, 12)

    # -- the keys --------------------------------------------------------------------

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
                candidate = table.coordinate_to_cell_key((row, 0)).row_key.value or ""
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
