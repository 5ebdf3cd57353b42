"""The Alerts pane's layout keys: group (g), fold (z), sort (< >), label columns (L), and
Alertmanager's own groups read again after each alert refresh in that mode."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from console.config import Config
from console.model import AlertGroup
from console.ui.controllers.base import Ask, Notify, Spawn
from console.ui.grouping import LabelPrompt, parse_labels, save_label_columns
from console.ui.panes.alerts import AlertsPane


async def read_am_groups(config: Config) -> tuple[AlertGroup, ...] | None:
    """Alertmanager's own groups from every configured Alertmanager, merged by labels and
    receiver; None when none answered."""
    from console.sources.alertmanager import list_alert_groups

    endpoints = config.alertmanager.endpoints()
    answers = await asyncio.gather(
        *(list_alert_groups(e, timeout=config.timeout_seconds) for e in endpoints),
        return_exceptions=True,
    )
    merged: dict[tuple[tuple[tuple[str, str], ...], str], list[str]] = {}
    answered = False
    for answer in answers:
        if isinstance(answer, BaseException):
            continue
        answered = True
        for group in answer:
            members = merged.setdefault((group.labels, group.receiver), [])
            members += [f for f in group.fingerprints if f not in members]
    if not answered:
        return None
    return tuple(AlertGroup(labels, receiver, tuple(f)) for (labels, receiver), f in merged.items())


def mode_text(pane: AlertsPane) -> str:
    """How the Alerts pane groups its rows now, in words."""
    view = pane.view
    return {
        "flat": "flat list",
        "alertmanager": "grouped as Alertmanager groups them",
        "label": f"grouped by {view.label}",
    }[view.mode]


class GroupingController:
    """Group, fold, sort and label columns of the Alerts pane."""

    def __init__(
        self,
        *,
        config: Config,
        pane: Callable[[], AlertsPane | None],
        notify: Notify,
        ask: Ask,
        spawn: Spawn,
    ) -> None:
        self.config = config
        #: the Alerts pane on screen (None while the panes are being replaced or gone)
        self.pane = pane
        self.notify = notify
        self.ask = ask
        self.spawn = spawn
        #: True while Alertmanager's groups are being read (never two reads at once)
        self.reading = False

    def group(self) -> None:
        """g: flat → Alertmanager's groups → by a label → flat."""
        pane = self.pane()
        if pane is None:
            return
        if pane.view.mode == "alertmanager":
            current = pane

            def picked(text: str | None) -> None:
                labels, _ = parse_labels(text or "")
                mode = current.cycle_group(labels[0] if labels else None)
                self.notify(f"Alerts: {mode_text(current)}", timeout=3)
                if mode == "flat":
                    current.am_groups = None

            self.ask(
                LabelPrompt("Group the alerts by label (empty: back to flat)", pane.view.label),
                picked,
            )
            return
        pane.cycle_group()
        self.notify(f"Alerts: {mode_text(pane)}", timeout=3)
        self.refresh_am_groups()

    def refresh_am_groups(self) -> None:
        """In Alertmanager-groups mode, read its groups again (after each alert refresh)."""
        pane = self.pane()
        if pane is None or pane.view.mode != "alertmanager" or self.reading:
            return

        async def go() -> None:
            self.reading = True
            try:
                groups = await read_am_groups(self.config)
            finally:
                self.reading = False
            pane = self.pane()
            if pane is None:
                return  # the console closed or switched meanwhile
            if groups is not None and groups != pane.am_groups:
                pane.am_groups = groups
                pane.redraw_view()

        self.spawn(go(), group="am_groups", exit_on_error=False)

    def fold(self) -> None:
        """z: fold or unfold the group under the cursor."""
        pane = self.pane()
        if pane is not None:
            pane.toggle_fold()

    def sort(self, step: int) -> None:
        """< and >: sort by the previous / next column."""
        pane = self.pane()
        if pane is None:
            return
        column = pane.sort_step(step)
        shown = (column or "severity, newest first (default)").removeprefix("label:")
        self.notify(f"Alerts sorted by {shown}", timeout=3)

    def label_columns(self) -> None:
        """L: which labels get a column of their own."""
        pane = self.pane()
        if pane is None:
            return
        current = pane

        def picked(text: str | None) -> None:
            if text is None:
                return
            labels, refused = parse_labels(text)
            current.view.label_columns = tuple(labels[:6])
            current.redraw_view()
            problem = save_label_columns(current.view.label_columns)
            if refused:
                self.notify(f"not label names: {', '.join(refused)}", severity="warning", timeout=5)
            if problem:
                self.notify(problem, severity="warning", timeout=8)

        self.ask(
            LabelPrompt(
                "Label columns (e.g. instance job; empty: none)",
                " ".join(pane.view.label_columns),
                "instance job",
            ),
            picked,
        )
