"""The Services pane: the orchestrator, its dependencies, the monitoring stack and ports."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from console.clock import format_utc, utc_datetime
from console.model import ProbeResult
from console.state import SERVICE_NAMES, State
from console.text import literal
from console.ui.fit_table import FitTable
from console.ui.panes.base import Pane
from console.ui.panes.render import status_text


def latency_text(milliseconds: float | None) -> str:
    if milliseconds is None:
        return ""
    if milliseconds >= 1000:
        return f"{milliseconds / 1000:.1f}s"
    return f"{milliseconds:.0f}ms"


class ServicesPane(Pane):
    """One row per service and port: status, latency, a one-line detail."""

    TITLE = "Services"
    DEFAULT_CSS = """
    ServicesPane { padding: 0; }
    """

    class Opened(Message):
        """Enter on a service: show its whole row."""

        def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
            super().__init__()
            self.title = title
            self.rows = rows

    def __init__(self, *, ports: list[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.names = list(SERVICE_NAMES) + [f"port:{p}" for p in ports]
        self.SOURCES = tuple(self.names)
        self._cells: dict[str, tuple[str, ...]] = {}
        self._last: State | None = None
        self._latency: dict[str, float] = {}

    def compose(self) -> ComposeResult:
        table = FitTable(id="services-table", flex_column="detail", cursor_type="row")
        table.add_column("Status", key="status", width=6)
        table.add_column("Service", key="service", width=12)
        table.add_column("Latency", key="latency", width=7)
        table.add_column("Detail", key="detail", width=20)
        for name in self.names:
            table.add_row(
                Text("…", style="dim"), Text(name), Text(""), Text("waiting", style="dim"), key=name
            )
        yield table

    #: below this width the status shows as its symbol alone, leaving room for the detail
    COMPACT_BELOW = 60
    compact = False

    def on_resize(self) -> None:
        compact = self.size.width < self.COMPACT_BELOW
        if compact == self.compact:
            return
        self.compact = compact
        table = self.query_one("#services-table", FitTable)
        column = table.columns[ColumnKey("status")]
        column.width = 1 if compact else 6
        column.label = Text("" if compact else "Status")
        self._cells.clear()
        if self._last is not None:
            self.show(self._last)
        table.fit()

    def natural_height(self) -> int:
        return 2 + 1 + len(self.names)

    def _steady_latency(self, name: str, result: ProbeResult) -> str:
        """The latency to show: jitter of a few ms does not redraw the row every refresh."""
        shown = self._latency.get(name)
        value = result.latency_ms
        if value is None:
            return ""
        if shown is None or abs(value - shown) > max(5.0, 0.25 * shown):
            self._latency[name] = shown = value
        return latency_text(shown)

    def detail_rows(self, name: str) -> list[tuple[str, str]]:
        """The whole of one service's row, for its detail view and the copy key."""
        state = self._last
        result = state.results.get(name) if state is not None else None
        if state is None or result is None:
            return [("Service", name), ("Status", "unknown: not probed yet")]
        rows = [
            ("Service", name),
            ("Status", result.status.value),
            ("Latency", latency_text(result.latency_ms) or "unknown"),
            ("Detail", result.detail),
        ]
        since = state.since.get(name)
        if since is not None:
            rows.append(("Since", utc_datetime(since)))
        return rows

    @property
    def selected(self) -> str | None:
        """The service under the cursor."""
        table = self.query_one("#services-table", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def copy_text(self) -> str | None:
        """The selected service's whole row, as lines of `label: value`."""
        name = self.selected
        if name is None:
            return None
        return "\n".join(f"{label}: {value}" for label, value in self.detail_rows(name))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        name = event.row_key.value
        if name:
            event.stop()
            self.post_message(self.Opened(f"Service {name}", self.detail_rows(name)))

    def forget(self) -> None:
        """Drop what was drawn, so the next show() redraws every row (after a theme change)."""
        self._cells.clear()

    def show(self, state: State) -> None:
        self._last = state
        table = self.query_one("#services-table", FitTable)
        colours = self.app.theme_variables
        bad = 0
        for name in self.names:
            result = state.results.get(name)
            if result is None:
                continue
            if result.status.value != "ok":
                bad += 1
            detail = result.detail
            since = state.since.get(name)
            if result.status.value != "ok" and since is not None:
                detail += f" · since {format_utc(since, '%H:%M:%S')}"
            key = (result.status.value, self._steady_latency(name, result), detail)
            drawn = self._cells.get(name)
            if drawn == key:
                continue
            self._cells[name] = key
            # only the cells whose text changed are drawn again
            if drawn is None or drawn[0] != key[0]:
                status = status_text(result.status.value, colours, word=not self.compact)
                table.set_cell(name, "status", status)
            if drawn is None or drawn[1] != key[1]:
                table.set_cell(name, "latency", Text(key[1], justify="right"))
            if drawn is None or drawn[2] != key[2]:
                table.set_cell(name, "detail", literal(detail, 220))
        seen = sum(1 for n in self.names if n in state.results)
        title = f"Services · {seen - bad}/{len(self.names)} ok" if seen else "Services"
        if self.border_title != title:
            self.border_title = title
