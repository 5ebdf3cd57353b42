"""Where the four panes go, and how much of the height each gets: by what they have to show.

Narrow terminals (under NARROW_BELOW columns) stack Alerts and SLA over a row of Services
and Host. Wide ones use two columns whose heights are set apart: Alerts over Services on
the left, SLA over Host on the right (as wide as the SLA gauges need). The SLA pane takes
its natural height, never rows of blank, and Host takes the rest of its column (more
processes); the Alerts pane as many rows as there are alerts, up to what leaves Services a
useful share. What still does not fit scrolls, and the zoom key (`z`) shows the focused
pane on the whole screen.

The wide layout is a grid of one-row cells in which each pane spans its rows: a grid's
rows are shared by both columns, so a span per pane is what lets the columns differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.containers import Container

from console.ui.panes.base import Pane

#: below this width the Alerts and SLA panes span the whole width
NARROW_BELOW = 140
#: the right column (SLA, Host) in the wide layout
RIGHT_COLUMN = 52
#: the fewest rows Services and Host keep below the Alerts and SLA panes
BOTTOM_AT_LEAST = 8
#: the fewest rows a pane gets (border, title, one line)
AT_LEAST = 3


@dataclass(frozen=True)
class Layout:
    """One arrangement: narrow (three grid rows) or wide (a row span per pane)."""

    narrow: bool
    rows: str  # the grid-rows value
    height: int = 0  # wide: the grid's rows
    alerts: int = 0  # wide: rows of each pane
    sla: int = 0

    @property
    def services(self) -> int:
        return self.height - self.alerts

    @property
    def host(self) -> int:
        return self.height - self.sla


def natural_heights(panes: Container) -> dict[str, int]:
    """Rows each pane needs to show everything it has now (borders included)."""
    return {
        pane.id: pane.natural_height()
        for pane in panes.children
        if isinstance(pane, Pane) and pane.id is not None
    }


def _split(height: int, top: int, bottom: int) -> int:
    """Rows for the top pane of a column: what it needs, leaving the bottom one its share;
    spare rows go to the top pane when the bottom one has all it needs."""
    keep = min(bottom, max(BOTTOM_AT_LEAST, height // 3))
    rows = max(min(top, height - keep), height - bottom)
    return max(AT_LEAST, min(rows, height - AT_LEAST))


def plan(height: int, width: int, need: dict[str, int]) -> Layout:
    """The layout for `height` rows of panes at `width` columns."""
    alerts, sla = need.get("alerts", 6), need.get("sla", 7)
    services, host = need.get("services", 8), need.get("host", 8)
    if width < NARROW_BELOW:
        bottom = max(services, host)
        sla = min(sla, max(AT_LEAST, height - BOTTOM_AT_LEAST - 4))
        room = height - sla - min(bottom, BOTTOM_AT_LEAST)
        alerts = max(4, min(alerts, room))
        return Layout(narrow=True, rows=f"{alerts} {sla} 1fr")
    height = max(2 * AT_LEAST, height)
    left = _split(height, alerts, services)
    # the right column: SLA as tall as its gauges, never taller; Host the rest
    right = max(AT_LEAST, min(sla, height - min(host, BOTTOM_AT_LEAST)))
    return Layout(narrow=False, rows="1", height=height, alerts=left, sla=right)


def rows_for(height: int, width: int, need: dict[str, int]) -> str:
    """The grid-rows value (narrow) or the rows of each pane (wide), as text."""
    layout = plan(height, width, need)
    if layout.narrow:
        return layout.rows
    return f"alerts {layout.alerts} services {layout.services} sla {layout.sla} host {layout.host}"


class Panes(Container):
    """The four panes; when its own height changes (the action bar comes and goes) the
    layout follows. `laid_out` is called when a new layout is set."""

    _layout: Layout | None = None

    def __init__(self, *children: Any, laid_out: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(*children, **kwargs)
        self.laid_out = laid_out

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Set the layout for the screen's size and the panes' content (not while one
        pane is zoomed)."""
        if self.has_class("-zoomed"):
            return
        height = self.size.height or max(4, self.app.size.height - 2)
        if self.apply(plan(height, self.app.size.width, natural_heights(self))):
            self.laid_out()

    def apply(self, layout: Layout) -> bool:
        """Set `layout`; False when it is the one already set."""
        if layout == self._layout:
            return False
        self._layout = layout
        panes = {pane.id: pane for pane in self.children}
        if layout.narrow:
            self.styles.grid_size_rows = 3
            self.styles.grid_rows = layout.rows
            self.styles.grid_columns = "3fr 2fr"
            for pane in panes.values():
                pane.styles.row_span = 1
            self._order("alerts", "sla", "services", "host")
            return True
        self.styles.grid_size_rows = layout.height
        self.styles.grid_rows = "1"
        self.styles.grid_columns = f"1fr {RIGHT_COLUMN}"
        for name, rows in (
            ("alerts", layout.alerts),
            ("sla", layout.sla),
            ("services", layout.services),
            ("host", layout.host),
        ):
            if name in panes:
                panes[name].styles.row_span = rows
        # the grid fills its cells in the order of the children: the pane that starts
        # higher up comes first, so each lands in its own column
        if layout.sla < layout.alerts:
            self._order("alerts", "sla", "host", "services")
        else:
            self._order("alerts", "sla", "services", "host")
        return True

    def _order(self, *names: str) -> None:
        children = [c for c in self.children if c.id in names]
        if [c.id for c in children] == [n for n in names if any(c.id == n for c in children)]:
            return
        by_id = {c.id: c for c in children}
        previous = None
        for name in names:
            child = by_id.get(name)
            if child is None:
                continue
            if previous is not None:
                self.move_child(child, after=previous)
            previous = child
