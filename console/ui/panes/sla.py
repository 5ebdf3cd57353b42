"""The SLA pane: availability, P95 latency, error rate and recovery against their targets."""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from console import sla as sla_math
from console.clock import utc_time
from console.model import SlaSnapshot, SlaValue
from console.sla import AT_RISK_SHARE, availability_text, budget_minutes, budget_text
from console.state import State
from console.text import clean
from console.ui.panes.base import Pane
from console.ui.panes.render import sparkline, status_text

#: the most values a trend shows
SPARK_CELLS = 12


def _cells(cell: object) -> int:
    """The columns a table cell takes on one line."""
    return cell.cell_len if isinstance(cell, Text) else Text(str(cell)).cell_len


LABELS = {
    "availability": "Availability",
    "p95_latency": "P95 latency",
    "error_rate": "Error rate",
    "recovery": "Recovery",
}


def value_text(value: SlaValue) -> str:
    if value.value is None:
        return "—"
    if value.key == "availability":
        return availability_text(value.value, value.target)
    if value.key == "p95_latency":
        return f"{value.value:.2f} s"
    if value.key == "error_rate":
        return f"{value.value:.2f}%"
    minutes, seconds = divmod(int(value.value), 60)
    return f"{minutes}m{seconds:02d}s"


#: the mark on values the console worked out from the orchestrator itself
DIRECT = "direct, not from Prometheus"
DIRECT_PROBLEM = "Prometheus not answering: availability, error budget and burn rates unknown"


class FirstThatFits:
    """The first of several texts that fits the width on one line, else the last (wrapped)."""

    def __init__(self, *texts: Text) -> None:
        self.texts = texts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for text in self.texts:
            if text.cell_len <= options.max_width:
                yield text
                return
        yield self.texts[-1]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, max(t.cell_len for t in self.texts))


def burn_text(
    snapshot: SlaSnapshot, target: float, colours: dict[str, str], short: int = 0
) -> Text:
    """ "burn 1h 16.2× ▲ PAGE · 6h 3.1× · 3d 0.8× · gone in 2h10m": the error budget's burn
    rate over the shown windows, the workbook alert they meet, and the time left at the
    1 h rate. Unknown rates read "unknown", never 0."""
    rates = dict(snapshot.burn)
    alert = sla_math.burn_alert(rates)
    windows = list(sla_math.SHOWN_BURN_WINDOWS)
    if alert is not None and alert[1] not in windows:
        windows.append(alert[1])  # a ticket over 1 d: show the window that meets it
        if short > 1:  # no room for four: the current rate and the alert's window
            windows = [sla_math.CURRENT_BURN_WINDOW, alert[1]]
    text = Text("burn ")
    for index, window in enumerate(windows):
        if index:
            text.append(" · ")
        rate = rates.get(window)
        text.append(f"{sla_math.window_text(window)} ")
        text.append(sla_math.rate_text(rate), style="bold")
        if alert is not None and alert[1] == window:
            variable = "status-breached" if alert[0] == "page" else "status-at-risk"
            text.append(f" ▲ {alert[0].upper()}", style=f"bold {colours.get(variable, '')}")
    current = rates.get(sla_math.CURRENT_BURN_WINDOW)
    gone = sla_math.budget_gone_text(snapshot.budget_left_minutes, current, target)
    if short:
        gone = gone.removeprefix("budget ")
    left = snapshot.budget_left_minutes
    # the budget part already says "over" or "unknown"; short of room, an unknown 1 h rate
    # already says the time left is unknown
    if left is not None and left >= 0 and (current is not None or not short):
        text.append(" · " + gone)
    return text


def budget_line(snapshot: SlaSnapshot, target: float, colours: dict[str, str]) -> FirstThatFits:
    """The error budget left and how fast it burns, on one line where it fits."""
    left = snapshot.budget_left_minutes
    total = budget_minutes(target)
    long_budget = Text(
        "error budget unknown" if left is None else f"error budget: {budget_text(left, total)}"
    )
    if left is None:
        short_budget = shortest_budget = Text("budget unknown")
    elif left < 0:
        short_budget = shortest_budget = Text(f"budget over by {-left:.1f} min")
    else:
        short_budget = Text(f"budget {left:.1f}/{total:.1f} min")
        shortest_budget = Text(f"budget {left:.1f} min")
    if not snapshot.burn:
        return FirstThatFits(long_budget, short_budget)
    forms = (
        (long_budget, 0),
        (short_budget, 0),
        (short_budget, 1),
        (shortest_budget, 1),
        (shortest_budget, 2),
    )
    return FirstThatFits(
        *(
            Text.assemble(budget, " · ", burn_text(snapshot, target, colours, short))
            for budget, short in forms
        )
    )


def target_text(value: SlaValue) -> str:
    if value.key == "availability":
        return f"≥ {value.target:g}%"
    if value.key == "p95_latency":
        return f"≤ {value.target:g} s"
    if value.key == "error_rate":
        return f"≤ {value.target:g}%"
    if value.status in ("open", "overdue"):
        return f"of {value.target / 60:g} min"  # still running: against the target
    return f"≤ {value.target / 60:g} min"


class SlaPane(Pane):
    """SLA gauges with sparklines of their recent values."""

    TITLE = "SLA"
    SOURCES = ("sla",)
    #: the recovery clock of the open incident, beside the gauges
    ALSO_SHOWS = ("incident",)
    DEFAULT_CSS = """
    SlaPane #sla-body { height: auto; }
    SlaPane #sla-budget { height: auto; color: $text-muted; }
    SlaPane #sla-budget.-low { color: $status-at-risk; }
    SlaPane #sla-budget.-spent { color: $status-breached; }
    SlaPane #sla-problem { color: $status-breached; height: auto; }
    """

    _rows = -1
    _budget: FirstThatFits | None = None
    _problem: str | None = None

    def __init__(self, *, availability_target: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.availability_target = availability_target

    def compose(self) -> ComposeResult:
        yield Static(id="sla-body")
        yield Static(id="sla-budget")
        yield Static(id="sla-problem")

    def natural_height(self) -> int:
        budget = self._budget_lines(self._budget) if self.query_one("#sla-budget").display else 0
        problems = sum(self._wrapped(len(line)) for line in (self._problem or "").splitlines())
        return 2 + max(1, self._rows) + budget + problems

    def _width(self) -> int:
        return max(10, self.content_region.width or self.size.width - 4)

    def _wrapped(self, cells: int) -> int:
        """Lines a text of `cells` columns takes at the pane's width (it wraps)."""
        return max(1, -(-cells // self._width()))

    def _budget_lines(self, line: FirstThatFits | None) -> int:
        """Lines the budget takes: its first form that fits, else its shortest, wrapped."""
        if line is None:
            return 1
        width = self._width()
        fits = [t for t in line.texts if t.cell_len <= width]
        return 1 if fits else self._wrapped(line.texts[-1].cell_len)

    def show(self, state: State) -> None:
        result = state.results.get("sla")
        if result is None:
            return
        colours = self.app.theme_variables
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column("name", no_wrap=True)
        table.add_column("value", justify="right", no_wrap=True)
        table.add_column("target", style="dim", no_wrap=True)
        table.add_column("trend", no_wrap=True, ratio=1)
        table.add_column("status", no_wrap=True)
        snapshot = result.data if isinstance(result.data, SlaSnapshot) else None
        values = list(snapshot.values) if snapshot is not None else []
        if state.recovery is not None:
            values.append(state.recovery)
        direct = snapshot is not None and snapshot.direct
        rows = [
            (
                value,
                LABELS.get(value.key, value.key),
                Text(value_text(value), style="bold"),
                target_text(value),
                status_text(value.status, colours),
            )
            for value in values
        ]
        # the sparkline takes what the other columns leave (up to SPARK_CELLS): cut, its
        # newest values would be the ones lost behind an ellipsis
        others = sum(max((_cells(row[i]) for row in rows), default=0) for i in (1, 2, 3, 4))
        spark = max(1, min(SPARK_CELLS, self._width() - others - 4))
        for value, label, shown, target, status in rows:
            if direct and value.value is not None and value.detail.startswith("direct"):
                # worked out from the orchestrator itself while Prometheus does not answer
                trend = Text(DIRECT, style=self.colour("status-at-risk"), overflow="ellipsis")
            else:
                trend = Text(
                    sparkline(state.history.get(value.key, ()), spark),
                    style=self.colour("primary"),
                )
            table.add_row(label, shown, target, trend, status)
        # same rows as last time: redraw the text, skip laying out the screen again
        self.query_one("#sla-body", Static).update(table, layout=len(values) != self._rows)
        self._rows = len(values)
        budget = self.query_one("#sla-budget", Static)
        left = snapshot.budget_left_minutes if snapshot is not None else None
        has_burn = snapshot is not None and bool(snapshot.burn) and not direct
        budget.display = left is not None or has_burn
        if snapshot is not None and budget.display:
            total = budget_minutes(self.availability_target)
            line = budget_line(snapshot, self.availability_target, colours)
            # same number of lines as last time: redraw the text without a layout pass
            lines = self._budget_lines(line)
            drawn = self._budget
            if drawn is None or _styled(line.texts) != _styled(drawn.texts):
                # same words and styles: nothing to draw (the burn rates seldom move)
                budget.update(line, layout=lines != self._budget_lines(drawn))
            self._budget = line
            budget.set_class(left is not None and left <= 0, "-spent")
            budget.set_class(left is not None and 0 < left < total * (1 - AT_RISK_SHARE), "-low")
        measured = [v for v in values if v.key != "recovery"]
        # Prometheus itself failing: one sentence, not the same reason three times
        failing = result.status.value in ("critical", "unknown") and all(
            v.value is None for v in measured
        )
        if failing:
            since = state.since.get("sla")
            when = "" if since is None else f" (since {utc_time(since)})"
            problems = [clean(result.detail, 200) + when]
        else:
            problems = [
                clean(f"{LABELS.get(v.key, v.key)}: {v.detail}", 200)
                for v in measured
                if v.status == "unknown" and v.detail and v.detail != "no data" and not direct
            ]
            if direct:
                problems.append(DIRECT_PROBLEM)
            if has_burn and snapshot is not None and snapshot.burn_detail:
                problems.append(clean(f"Burn rates: {snapshot.burn_detail}", 200))
        text = "\n".join(problems)
        if text != self._problem:
            self.query_one("#sla-problem", Static).update(text)
            self._problem = text
        self.set_class(failing, "-failing")


def _styled(texts: tuple[Text, ...]) -> list[tuple[str, str, list[tuple[int, int, str]]]]:
    """What a run of texts draws: their words, base styles and styled spans."""
    return [(t.plain, str(t.style), [(a, b, str(c)) for a, b, c in t.spans]) for t in texts]
