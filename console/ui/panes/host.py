"""The Host pane: CPU, memory, disk, load and the top processes."""

from __future__ import annotations

import time

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from console.model import HostSnapshot
from console.state import State
from console.text import literal
from console.ui.panes.base import Pane
from console.ui.panes.render import bar


def _level(percent: float, warn: float = 80, crit: float = 90) -> str:
    if percent >= crit:
        return "status-breached"
    if percent >= warn:
        return "status-at-risk"
    return "status-ok"


class HostPane(Pane):
    """Host resources as psutil sees them."""

    TITLE = "Host"
    SOURCES = ("host",)
    _last: State | None = None
    _shape: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="host-body")

    def bar_width(self) -> int:
        """Bars take what the labels and numbers leave."""
        return max(5, min(40, self.size.width - 14))

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(self._last)

    def show(self, state: State) -> None:
        self._last = state
        result = state.results.get("host")
        if result is None:
            return
        snapshot = result.data
        body = self.query_one("#host-body", Static)
        if not isinstance(snapshot, HostSnapshot):
            since = state.since.get("host")
            when = time.strftime(" (since %H:%M:%S UTC)", time.gmtime(since)) if since else ""
            body.update(literal(result.detail + when, 200, style=self.colour("status-breached")))
            return
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
        compact = self.size.width < 34
        load = " ".join(f"{x:.2f}" for x in (snapshot.load[:1] if compact else snapshot.load))
        per_cpu = snapshot.load[0] / max(1, snapshot.cpu_count)
        gauges.add_row(
            "Load",
            Text(f"{load}  ({snapshot.cpu_count} CPUs)", overflow="ellipsis"),
            Text(f"{per_cpu:.2f}/cpu", style=self.colour(_level(per_cpu * 100, 100, 200))),
        )
        procs = Table(
            box=None, padding=(0, 1), expand=True, show_edge=False, header_style="bold dim"
        )
        procs.add_column("PID", justify="right", no_wrap=True)
        procs.add_column("Process", ratio=1, no_wrap=True, overflow="ellipsis")
        procs.add_column("CPU%", justify="right", no_wrap=True)
        if not compact:
            procs.add_column("MEM%", justify="right", no_wrap=True)
        for proc in snapshot.top:
            cells = [str(proc.pid), literal(proc.name, 60), f"{proc.cpu_percent:.1f}"]
            if not compact:
                cells.append(f"{proc.memory_percent:.1f}")
            procs.add_row(*cells)
        outer = Table.grid(expand=True)
        outer.add_column()
        outer.add_row(gauges)
        outer.add_row(procs)
        # the same rows as last time: redraw the text, skip laying out the screen again
        shape = (len(snapshot.top), compact)
        body.update(outer, layout=shape != self._shape)
        self._shape = shape
