"""An alert's firing over the last day: the Alerts pane's `24h` cell and the detail's sparkline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from console.alert_history import NOT_READ, SPARK_CELLS, Firings
from console.clock import format_span
from console.model import Alert
from console.state import State
from console.text import clean


def fired_cell(firings: Firings, style: str = "") -> Text:
    """`6×`, or a dim `?` when the history is unknown (never 0)."""
    return Text(firings.cell(), style=style or ("" if firings.known else "dim"), no_wrap=True)


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M UTC")


def history_text(firings: Firings) -> Text:
    """The sentence, the sparkline (oldest left) and its time axis; or why it is unknown."""
    if not firings.known:
        return Text(clean(firings.sentence(), 300), style="italic")
    parts = [firings.sentence()]
    if firings.spans:
        parts.append(f"firing {format_span(firings.firing_seconds())} of it")
        starts = [first for first, _ in firings.spans if first > firings.start + firings.step / 2]
        if starts:
            parts.append(f"last began {_clock(starts[-1] - firings.step)}")
    parts.append(f"as of {_clock(firings.end)}")
    text = Text(" · ".join(parts) + "\n")
    text.append(firings.sparkline(SPARK_CELLS), style="bold")
    hours = round((firings.end - firings.start) / 3600)
    half = SPARK_CELLS // 2
    axis = f"{hours}h ago".ljust(half - 2) + f"{hours // 2}h".center(4) + "now".rjust(half - 2)
    text.append("\n" + axis, style="dim")
    return text


class AlertHistoryView(Static):
    """The detail screen's history of one alert; the app calls `show` when a new one comes."""

    DEFAULT_CSS = """
    AlertHistoryView { height: auto; }
    """

    def __init__(self, alert: Alert, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alert = alert

    def on_mount(self) -> None:
        self.show(getattr(self.app, "state", None))

    def show(self, state: State | None) -> None:
        """Draw the alert's history from the console's state (None: not read yet)."""
        firings = NOT_READ if state is None else state.alert_history(self.alert.labels)
        self.update(history_text(firings))


def history_section(alert: Alert) -> ComposeResult:
    """The heading and the history, for the alert's detail screen."""
    yield Static("Fired in the last 24 h", classes="heading")
    yield AlertHistoryView(alert, id="alert-history")
