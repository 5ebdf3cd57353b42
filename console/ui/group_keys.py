"""The Alerts pane's layout keys: group (g), fold (z), sort (< >), label columns (L)."""

from __future__ import annotations

import asyncio

from console.model import AlertGroup
from console.ui.grouping import LabelPrompt, parse_labels, save_label_columns
from console.ui.panes.alerts import AlertsPane


async def read_am_groups(config) -> tuple[AlertGroup, ...] | None:
    """Alertmanager's own groups from every configured Alertmanager, merged by labels and
    receiver; None when none answered."""
    from console.sources.alertmanager import list_alert_groups

    endpoints = config.alertmanager.endpoints()
    answers = await asyncio.gather(
        *(list_alert_groups(e, timeout=config.timeout_seconds) for e in endpoints),
        return_exceptions=True,
    )
    merged: dict[tuple, list[str]] = {}
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


class GroupKeys:
    """A mixin of GenesisApp."""

    def _alerts_pane(self) -> AlertsPane:
        return self.query_one(AlertsPane)

    def action_group(self) -> None:
        pane = self._alerts_pane()
        if pane.view.mode == "alertmanager":

            def picked(text: str | None) -> None:
                labels, _ = parse_labels(text or "")
                mode = pane.cycle_group(labels[0] if labels else None)
                self.notify(f"Alerts: {self._mode_text(pane)}", timeout=3)
                if mode == "flat":
                    pane.am_groups = None

            self.push_screen(
                LabelPrompt("Group the alerts by label (empty: back to flat)", pane.view.label),
                picked,
            )
            return
        pane.cycle_group()
        self.notify(f"Alerts: {self._mode_text(pane)}", timeout=3)
        self.refresh_am_groups()

    def _mode_text(self, pane: AlertsPane) -> str:
        view = pane.view
        return {
            "flat": "flat list",
            "alertmanager": "grouped as Alertmanager groups them",
            "label": f"grouped by {view.label}",
        }[view.mode]

    def refresh_am_groups(self) -> None:
        """In Alertmanager-groups mode, read its groups again (after each alert refresh)."""
        pane = self._alerts_pane()
        if pane.view.mode != "alertmanager" or getattr(self, "_groups_busy", False):
            return

        async def go() -> None:
            self._groups_busy = True
            try:
                groups = await read_am_groups(self.config)
            finally:
                self._groups_busy = False
            if self._panes_gone():
                return
            pane = self._alerts_pane()
            if groups is not None and groups != pane.am_groups:
                pane.am_groups = groups
                pane.redraw_view()

        self.run_worker(go(), group="am_groups", exit_on_error=False)

    def action_fold(self) -> None:
        self._alerts_pane().toggle_fold()

    def action_sort(self, step: int) -> None:
        column = self._alerts_pane().sort_step(step)
        shown = (column or "severity, newest first (default)").removeprefix("label:")
        self.notify(f"Alerts sorted by {shown}", timeout=3)

    def action_label_columns(self) -> None:
        pane = self._alerts_pane()

        def picked(text: str | None) -> None:
            if text is None:
                return
            labels, refused = parse_labels(text)
            pane.view.label_columns = tuple(labels[:6])
            pane.redraw_view()
            problem = save_label_columns(pane.view.label_columns)
            if refused:
                self.notify(f"not label names: {', '.join(refused)}", severity="warning", timeout=5)
            if problem:
                self.notify(problem, severity="warning", timeout=8)

        self.push_screen(
            LabelPrompt(
                "Label columns (e.g. instance job; empty: none)",
                " ".join(pane.view.label_columns),
                "instance job",
            ),
            picked,
        )
