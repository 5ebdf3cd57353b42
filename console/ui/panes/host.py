"""The Host pane: CPU, memory, disk, load and the top processes."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static

from console.clock import utc_time
from console.model import HostSnapshot, ProcessInfo
from console.state import State
from console.text import clean, literal
from console.ui.fit_table import FitTable
from console.ui.panes.base import Pane
from console.ui.panes.render import bar


def _level(percent: float, warn: float = 80, crit: float = 90) -> str:
    if percent >= crit:
        return "status-breached"
    if percent >= warn:
        return "status-at-risk"
    return "status-ok"


class ProcessTable(FitTable):
    """The top processes: PID and the percentages fit their numbers, the name takes the rest."""

    widths: dict[str, int] = {}

    def plan(self, width: int) -> dict[str, int]:
        return self.widths


class HostPane(Pane):
    """Host resources as psutil sees them; Enter on a process shows its whole row."""

    TITLE = "Host"
    SOURCES = ("host",)
    DEFAULT_CSS = """
    HostPane #host-body { height: auto; }
    HostPane ProcessTable { padding: 0; }
    """
    _last: State | None = None
    _shape: tuple[()] | None = None
    #: below this width the MEM% column is left out (the detail view has it)
    COMPACT_BELOW = 34
    compact: bool | None = None

    class Opened(Message):
        """Enter on a process: show its whole row."""

        def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
            super().__init__()
            self.title = title
            self.rows = rows

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: the pid shown on each row, top to bottom
        self._pids: list[int] = []
        #: the text drawn in each row's cells (rows are keyed by position, updated in place)
        self._drawn: list[tuple[str, ...]] = []

    def compose(self) -> ComposeResult:
        yield Static(id="host-body")
        yield ProcessTable(id="host-processes", flex_column="name", cursor_type="row")

    @property
    def processes(self) -> ProcessTable:
        return self.query_one("#host-processes", ProcessTable)

    def natural_height(self) -> int:
        snapshot = self._snapshot()
        if snapshot is None:
            return 8
        return 2 + 4 + 1 + max(1, len(snapshot.top))

    def _snapshot(self) -> HostSnapshot | None:
        result = self._last.results.get("host") if self._last is not None else None
        data = result.data if result is not None else None
        return data if isinstance(data, HostSnapshot) else None

    def bar_width(self) -> int:
        """Bars take what the labels and numbers leave."""
        return max(5, min(40, self.size.width - 14))

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(self._last)

    @property
    def selected(self) -> ProcessInfo | None:
        """The process under the cursor."""
        table = self.processes
        snapshot = self._snapshot()
        if snapshot is None or not table.row_count or table.cursor_row >= len(self._pids):
            return None
        pid = self._pids[table.cursor_row]
        return next((p for p in snapshot.top if p.pid == pid), None)

    def detail_rows(self, proc: ProcessInfo) -> list[tuple[str, str]]:
        """The whole of one process's row, for its detail view and the copy key."""
        return [
            ("Process", proc.name),
            ("PID", str(proc.pid)),
            ("CPU", f"{proc.cpu_percent:.1f}% (100% is one core)"),
            ("Memory", f"{proc.memory_percent:.1f}%"),
        ]

    def copy_text(self) -> str | None:
        """The selected process as lines of `label: value`."""
        proc = self.selected
        if proc is None:
            return None
        return "\n".join(f"{label}: {value}" for label, value in self.detail_rows(proc))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        proc = self.selected
        if proc is not None:
            event.stop()
            title = f"Process {clean(proc.name, 60)} (pid {proc.pid})"
            self.post_message(self.Opened(title, self.detail_rows(proc)))

    def show(self, state: State) -> None:
        self._last = state
        result = state.results.get("host")
        if result is None:
            return
        snapshot = result.data
        body = self.query_one("#host-body", Static)
        if not isinstance(snapshot, HostSnapshot):
            since = state.since.get("host")
            when = f" (since {utc_time(since)})" if since else ""
            body.update(literal(result.detail + when, 200, style=self.colour("status-breached")))
            self.processes.display = False
            return
        self.processes.display = True
        gauges = Table.grid(padding=(0, 1), expand=True)
        gauges.add_column(no_wrap=True)
        gauges.add_column(ratio=1, no_wrap=True)
        gauges.add_column(justify="right", no_wrap=True)
        for label, percent in (
            ("CPU", snapshot.cpu_percent),
            ("Mem", snapshot.memory_percent),
            ("Disk", snapshot.disk_percent),
        ):
            colour = self.colour(_level(percent))
            gauges.add_row(
                label,
                bar(percent, self.bar_width(), colour),
                Text(f"{percent:5.1f}%", style=colour),
            )
        compact = self.size.width < self.COMPACT_BELOW
        load = " ".join(f"{x:.2f}" for x in (snapshot.load[:1] if compact else snapshot.load))
        per_cpu = snapshot.load[0] / max(1, snapshot.cpu_count)
        gauges.add_row(
            "Load",
            Text(f"{load}  ({snapshot.cpu_count} CPUs)", overflow="ellipsis"),
            Text(f"{per_cpu:.2f}/cpu", style=self.colour(_level(per_cpu * 100, 100, 200))),
        )
        # the same shape as last time: redraw the text, skip laying out the screen again
        body.update(gauges, layout=self._shape is None)
        self._shape = ()
        self.show_processes(snapshot, compact)

    def show_processes(self, snapshot: HostSnapshot, compact: bool) -> None:
        """One row per top process, the cursor staying on its process. The rows stay and
        only the cells whose text changed are drawn again."""
        table = self.processes
        selected = self.selected if self.compact is not None else None
        columns = ("pid", "name", "cpu", "mem") if not compact else ("pid", "name", "cpu")
        if compact != self.compact:
            self.compact = compact
            table.clear(columns=True)
            table.add_column(Text("PID", justify="right"), key="pid", width=5)
            table.add_column("Process", key="name", width=8)
            table.add_column(Text("CPU%", justify="right"), key="cpu", width=4)
            if not compact:
                table.add_column(Text("MEM%", justify="right"), key="mem", width=4)
            self._drawn = []
        rows = [
            (
                str(proc.pid),
                proc.name,
                f"{proc.cpu_percent:.1f}",
                f"{proc.memory_percent:.1f}",
            )[: len(columns)]
            for proc in snapshot.top
        ]
        while len(self._drawn) > len(rows):
            self._drawn.pop()
            table.remove_row(str(len(self._drawn)))
        for index, row in enumerate(rows):
            if index < len(self._drawn):
                drawn = self._drawn[index]
                for column, old, new in zip(columns, drawn, row, strict=True):
                    if old != new:
                        table.set_cell(str(index), column, _cell(column, new))
                self._drawn[index] = row
            else:
                table.add_row(
                    *(_cell(c, v) for c, v in zip(columns, row, strict=True)), key=str(index)
                )
                self._drawn.append(row)
        self._pids = [proc.pid for proc in snapshot.top]
        widths = {"pid": 3, "cpu": 4, "mem": 4}
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                if column != "name":
                    widths[column] = max(widths[column], len(value))
        table.widths = {k: v for k, v in widths.items() if k in table.columns}
        table.fit()
        if selected is not None and selected.pid in self._pids:
            index = self._pids.index(selected.pid)
            if index != table.cursor_row:
                table.move_cursor(row=index, animate=False)


def _cell(column: str, value: str) -> Text:
    """A process table cell: the name as a cleaned literal, the numbers to the right."""
    if column == "name":
        return literal(value, 60)
    return Text(value, justify="right")
