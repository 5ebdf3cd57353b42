"""The SLA pane: availability, P95 latency, error rate and recovery against their targets."""

from __future__ import annotations

import time

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from console.model import SlaValue
from console.sla import AT_RISK_SHARE, availability_text, budget_minutes, budget_text
from console.state import State
from console.text import clean
from console.ui.panes.base import Pane
from console.ui.panes.render import sparkline, status_text

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
    DEFAULT_CSS = """
    SlaPane #sla-body { height: auto; }
    SlaPane #sla-budget { height: auto; color: $text-muted; }
    SlaPane #sla-budget.-low { color: $status-at-risk; }
    SlaPane #sla-budget.-spent { color: $status-breached; }
    SlaPane #sla-problem { color: $status-breached; height: auto; }
    """

    _rows = -1
    _problem: str | None = None

    def __init__(self, *, availability_target: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.availability_target = availability_target

    def compose(self) -> ComposeResult:
        yield Static(id="sla-body")
        yield Static(id="sla-budget")
        yield Static(id="sla-problem")

    def natural_height(self) -> int:
        budget = 1 if self.query_one("#sla-budget").display else 0
        problems = len(self._problem.splitlines()) if self._problem else 0
        return 2 + max(1, self._rows) + budget + problems

    def show(self, state: State, recovery: SlaValue | None = None) -> None:
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
        snapshot = result.data
        values = list(snapshot.values) if snapshot is not None else []
        if recovery is not None:
            values.append(recovery)
        for value in values:
            table.add_row(
                LABELS.get(value.key, value.key),
                Text(value_text(value), style="bold"),
                target_text(value),
                Text(sparkline(state.history.get(value.key, ()), 12), style=self.colour("primary")),
                status_text(value.status, colours),
            )
        # same rows as last time: redraw the text, skip laying out the screen again
        self.query_one("#sla-body", Static).update(table, layout=len(values) != self._rows)
        self._rows = len(values)
        budget = self.query_one("#sla-budget", Static)
        left = snapshot.budget_left_minutes if snapshot is not None else None
        budget.display = left is not None
        if left is not None:
            total = budget_minutes(self.availability_target)
            budget.update(f"error budget: {budget_text(left, total)}", layout=False)
            budget.set_class(left <= 0, "-spent")
            budget.set_class(0 < left < total * (1 - AT_RISK_SHARE), "-low")
        measured = [v for v in values if v.key != "recovery"]
        # Prometheus itself failing: one sentence, not the same reason three times
        failing = result.status.value in ("critical", "unknown") and all(
            v.value is None for v in measured
        )
        if failing:
            since = state.since.get("sla")
            when = (
                "" if since is None else time.strftime(" (since %H:%M:%S UTC)", time.gmtime(since))
            )
            problems = [clean(result.detail, 200) + when]
        else:
            problems = [
                clean(f"{LABELS.get(v.key, v.key)}: {v.detail}", 200)
                for v in measured
                if v.status == "unknown" and v.detail and v.detail != "no data"
            ]
        text = "\n".join(problems)
        if text != self._problem:
            self.query_one("#sla-problem", Static).update(text)
            self._problem = text
        self.set_class(failing, "-failing")
