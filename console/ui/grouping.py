"""Grouping, sorting and label columns of the Alerts pane.

`g` cycles flat → Alertmanager's own groups (`/api/v2/alerts/groups`, the route's
`group_by`) → grouped by a label the engineer picks. Groups fold and unfold and show
their counts per severity and oldest start. `<`/`>` (or a click on a header) sort by
any column; ties fall back to the fingerprint, so the order holds still while rows
update, and the cursor stays on its row by key. Label columns are remembered in
$XDG_STATE_HOME/genesis-console/alerts-view.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input

from console import paths
from console.clock import format_age
from console.model import Alert, AlertGroup, alert_sort_key
from console.text import clean, literal
from console.ui.inputs import SteadyInput
from console.ui.screens.overlay import Overlay

MODES = ("flat", "alertmanager", "label")
GROUP_PREFIX = "group:"
#: what a column sorts by: within one column every alert gives the same shape
SortValue = str | tuple[float | str, ...]
#: an alert's firings in the last day (None: unknown)
FiredCount = Callable[[Alert], int | None]
_LABEL_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def valid_label(name: str) -> bool:
    return bool(name) and set(name) <= _LABEL_NAME_CHARS and not name[0].isdigit()


@dataclass
class AlertsView:
    """How the Alerts pane lays out its alerts."""

    mode: str = "flat"
    label: str = ""  # the label grouped by in "label" mode
    sort_column: str | None = None  # None: critical first, newest first (the default)
    reverse: bool = False
    label_columns: tuple[str, ...] = ()
    folded: set[str] = field(default_factory=set)

    @property
    def plain(self) -> bool:
        """The default view: the pane's incremental flat table is enough."""
        return self.mode == "flat" and self.sort_column is None and not self.label_columns


def view_file() -> Path:
    return paths.state_home() / "alerts-view.json"


def load_label_columns() -> tuple[str, ...]:
    """The remembered label columns ((), when none or unreadable)."""
    try:
        data = json.loads(view_file().read_text())
    except (OSError, ValueError):
        return ()
    columns = data.get("label_columns") if isinstance(data, dict) else None
    if not isinstance(columns, list):
        return ()
    return tuple(c for c in columns if isinstance(c, str) and valid_label(c))[:6]


def save_label_columns(columns: tuple[str, ...]) -> str | None:
    """Remember the label columns; why not, when the file cannot be written."""
    path = view_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"label_columns": list(columns)}))
    except OSError as exc:
        return f"cannot remember the label columns in {path}: {exc.strerror or exc}"
    return None


def parse_labels(text: str) -> tuple[list[str], list[str]]:
    """Comma- or space-separated label names: (valid, refused)."""
    words = [w for w in text.replace(",", " ").split() if w]
    good = [w for w in words if valid_label(w)]
    return list(dict.fromkeys(good)), [w for w in words if not valid_label(w)]


def column_value(
    alert: Alert, column: str, now: float, fired: FiredCount | None = None
) -> SortValue:
    """What a column sorts by, for one alert (`fired`: its firings in the last day)."""
    if column == "severity":
        return alert_sort_key(alert)[:3]
    if column == "alertname":
        return alert.name.lower()
    if column == "summary":
        return alert.summary.lower()
    if column == "state":
        return alert.display_state
    if column == "age":
        # oldest first ascending; unknown start times last
        return (0, alert.starts_at) if alert.starts_at is not None else (1, 0.0)
    if column == "fired":
        # fewest first ascending; unknown histories last
        count = fired(alert) if fired is not None else None
        return (0, count) if count is not None else (1, 0)
    if column.startswith("label:"):
        value = alert.label_map.get(column[6:])
        return (0, value) if value is not None else (1, "")
    return ""


def sort_alerts(
    alerts: Iterable[Alert], view: AlertsView, now: float, fired: FiredCount | None = None
) -> list[Alert]:
    if view.sort_column is None:
        return sorted(alerts, key=alert_sort_key)
    column = view.sort_column
    ordered = sorted(alerts, key=lambda a: a.fingerprint)  # ties hold still
    return sorted(ordered, key=lambda a: column_value(a, column, now, fired), reverse=view.reverse)


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    alerts: tuple[Alert, ...]


def make_groups(
    alerts: Sequence[Alert], view: AlertsView, am_groups: tuple[AlertGroup, ...] | None
) -> list[Group]:
    """The groups of this view's mode ([] in flat mode)."""
    if view.mode == "alertmanager":
        by_fingerprint = {a.fingerprint: a for a in alerts}
        groups: dict[str, Group] = {}
        placed: set[str] = set()
        for group in am_groups or ():
            members = tuple(by_fingerprint[f] for f in group.fingerprints if f in by_fingerprint)
            if not members:
                continue
            labels = ", ".join(f"{k}={v}" for k, v in group.labels) or "(no group_by)"
            name = f"{labels} → {group.receiver}" if group.receiver else labels
            key = GROUP_PREFIX + name
            if key in groups:
                members = groups[key].alerts + members
            groups[key] = Group(key, name, members)
            placed.update(a.fingerprint for a in members)
        rest = tuple(a for a in alerts if a.fingerprint not in placed)
        if rest:
            name = (
                "(not grouped by Alertmanager yet)" if am_groups is not None else "(groups loading)"
            )
            groups[GROUP_PREFIX + name] = Group(GROUP_PREFIX + name, name, rest)
        return list(groups.values())
    if view.mode == "label":
        found: dict[str, list[Alert]] = {}
        for alert in alerts:
            value = alert.label_map.get(view.label)
            found.setdefault(
                f"{view.label}={value}" if value is not None else f"no {view.label}", []
            ).append(alert)
        return [Group(GROUP_PREFIX + name, name, tuple(members)) for name, members in found.items()]
    return []


def group_sort_key(group: Group) -> tuple[int, str]:
    worst = min((alert_sort_key(a)[0] for a in group.alerts), default=9)
    return (worst, group.name)


def severity_counts(alerts: Iterable[Alert]) -> str:
    counts: dict[str, int] = {}
    for alert in alerts:
        counts[alert.severity] = counts.get(alert.severity, 0) + 1
    order = sorted(counts, key=lambda s: ({"critical": 0, "warning": 1}.get(s, 2), s))
    return " · ".join(f"{counts[s]} {clean(s, 20)}" for s in order)


def oldest_start(alerts: Iterable[Alert]) -> float | None:
    starts = [a.starts_at for a in alerts if a.starts_at is not None]
    return min(starts) if starts else None


def group_cells(group: Group, folded: bool, now: float, width: int) -> tuple[Text, ...]:
    """A group's header row: fold marker and count, name, counts per severity, oldest age."""
    oldest = oldest_start(group.alerts)
    cells = [
        Text(f"{'▸' if folded else '▾'} {len(group.alerts)}", style="bold", no_wrap=True),
        literal(group.name, 200, style="bold"),
        literal(severity_counts(group.alerts), 200, style="bold"),
        Text("group", style="dim"),
        Text("?" if oldest is None else format_age(now - oldest), style="bold"),
    ]
    cells += [Text("") for _ in range(width - len(cells))]
    return tuple(cells)


class LabelPrompt(Overlay[str | None]):
    """One line: label names (to group by, or to show as columns)."""

    DEFAULT_CSS = """
    LabelPrompt { align: center middle; }
    LabelPrompt > Vertical { width: 70; max-width: 96%; height: auto; border: thick $accent;
        background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="label_prompt_cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "instance") -> None:
        super().__init__()
        self.prompt_title = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.prompt_title
            box.border_subtitle = "enter applies · escape cancels"
            yield SteadyInput(value=self.value, placeholder=self.placeholder, id="labels")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
