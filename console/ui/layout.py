"""Where the four panes go, and how much of the height each gets: by what they have to show.

Narrow terminals (under NARROW_BELOW columns) stack Alerts and SLA over a row of Services
and Host; wide ones use a 2x2 grid whose right column is as wide as the SLA gauges need.
Heights follow content: the SLA pane takes its natural height, never rows of blank;
the Alerts pane as many rows as there are alerts (up to what leaves Services and Host a
useful share); the rest goes to Services and Host. What still does not fit scrolls, and
the zoom key (`z`) shows the focused pane on the whole screen.
"""

from __future__ import annotations

#: below this width the Alerts and SLA panes span the whole width
NARROW_BELOW = 140
#: the right column (SLA, Host) in the 2x2 layout
RIGHT_COLUMN = 52
#: the fewest rows Services and Host keep below the Alerts and SLA panes
BOTTOM_AT_LEAST = 8


def natural_heights(app) -> dict[str, int]:
    """Rows each pane needs to show everything it has now (borders included)."""
    return {
        pane.id: pane.natural_height()
        for pane in app.query("#panes > *")
        if hasattr(pane, "natural_height")
    }


def rows_for(height: int, width: int, need: dict[str, int]) -> str:
    """The grid-rows value for `height` rows of panes at `width` columns."""
    alerts, sla = need.get("alerts", 6), need.get("sla", 7)
    bottom = max(need.get("services", 8), need.get("host", 8))
    if width < NARROW_BELOW:
        sla = min(sla, max(3, height - BOTTOM_AT_LEAST - 4))
        room = height - sla - min(bottom, BOTTOM_AT_LEAST)
        alerts = max(4, min(alerts, room))
        return f"{alerts} {sla} 1fr"
    top = max(alerts, sla)
    if top + bottom <= height:
        return f"1fr {bottom}"  # all fits: the spare rows go to the alerts, which grow
    top = max(sla, min(top, height - min(bottom, max(BOTTOM_AT_LEAST, height // 3))))
    return f"{top} 1fr"


def arrange(app) -> None:
    """Set the layout for the app's current size and the panes' content."""
    panes = app.query("#panes")
    if not panes:
        return
    panes = panes.first()
    width = app.size.width
    narrow = width < NARROW_BELOW
    panes.set_class(narrow, "-narrow")
    height = panes.size.height or max(4, app.size.height - 2)
    rows = rows_for(height, width, natural_heights(app))
    if getattr(panes, "_grid_rows", None) != rows:
        panes._grid_rows = rows
        panes.styles.grid_rows = rows
        panes.styles.grid_columns = "3fr 2fr" if narrow else f"1fr {RIGHT_COLUMN}"
        # once laid out: the panes' notes of rows out of sight follow the new heights
        app.call_after_refresh(app.tick)
