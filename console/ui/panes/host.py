"""The Host pane: CPU, memory, disk, load and the top processes."""

from __future__ import annotations

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
        if snapshot is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((p for p in snapshot.top if str(p.pid) == key), None)

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
        """One row per top process, the cursor staying on its process."""
        table = self.processes
        selected = self.selected if self.compact is not None else None
        if compact != self.compact:
            self.compact = compact
            table.clear(columns=True)
            table.add_column(Text("PID", justify="right"), key="pid", width=5)
            table.add_column("Process", key="name", width=8)
            table.add_column(Text("CPU%", justify="right"), key="cpu", width=4)
            if not compact:
                table.add_column(Text("MEM%", justify="right"), key="mem", width=4)
        table.clear()
        rows = []
        for proc in snapshot.top:
            cells = [
                Text(str(proc.pid), justify="right"),
                literal(proc.name, 60),
                Text(f"{proc.cpu_percent:.1f}", justify="right"),
            ]
            if not compact:
                cells.append(Text(f"{proc.memory_percent:.1f}", justify="right"))
            rows.append(cells)
            table.add_row(*cells, key=str(proc.pid))
        widths = {"pid": 3, "cpu": 4, "mem": 4}
        for cells in rows:
            for key, cell in zip(("pid", "name", "cpu", "mem"), cells, strict=False):
                if key != "name":
                    widths[key] = max(widths[key], cell.cell_len)
        table.widths = {k: v for k, v in widths.items() if k in table.columns}
        table.fit()
        if selected is not None:
            keys = [str(p.pid) for p in snapshot.top]
            if str(selected.pid) in keys:
                table.move_cursor(row=keys.index(str(selected.pid)), animate=False)
