"""The ack key and the keeper: `a` acknowledges the selected alert (or group), again
releases it; every refresh keeps live acks going and lets resolved ones go."""

from __future__ import annotations

from console.acks import acks_for
from console.actions.ack import AckKeeper, describe_release, plan_ack, plan_unack
from console.audit import who
from console.model import Alert
from console.text import clean
from console.ui.panes.alerts import AlertsPane


class AckKeys:
    """A mixin of GenesisApp: acknowledge / unacknowledge, and keep acks alive."""

    _ack_keeper: AckKeeper | None = None

    def ack_keeper(self) -> AckKeeper:
        keeper = self._ack_keeper
        if keeper is None or keeper.config is not self.config:
            keeper = self._ack_keeper = AckKeeper(
                self.config,
                self.clock.time,
                on_released=self._ack_released,
                on_warning=self._warn,
            )
        return keeper

    def _ack_released(self, silence, why: str) -> None:
        self.timeline.add(
            "ack_released",
            describe_release(silence, why),
            {"silence": silence.id, "reason": why},
            entry_id=f"ack_released-{silence.id}",
        )

    def keep_acks(self) -> None:
        """After each Alertmanager answer: extend live acks, expire resolved ones."""
        if self.read_only or self.state.alerts is None:
            return
        if getattr(self, "_acks_busy", False):
            return  # the last pass is still talking to Alertmanager

        async def go() -> None:
            self._acks_busy = True
            try:
                done = await self.ack_keeper().keep(self.state.alerts)
            finally:
                self._acks_busy = False
            if (done["extended"] or done["expired"]) and self.poller is not None:
                self.poller.refresh(("alertmanager",))

        self.run_worker(go(), group="acks", exit_on_error=False)

    def _selected_alerts(self) -> tuple[list[Alert], str]:
        pane = self.query_one(AlertsPane)
        group = getattr(pane, "selected_group", None)
        if group is not None:
            alerts, name = group
            return list(alerts), name
        alert = pane.selected
        return ([alert], alert.name) if alert is not None else ([], "")

    def action_ack(self) -> None:
        if self.read_only:
            self.notify("read-only: ack is off", severity="warning")
            return
        alerts, name = self._selected_alerts()
        if not alerts:
            self.notify("Select an alert in the Alerts pane first", severity="warning")
            return
        data = self.state.alerts
        silences = data.silences if data is not None else ()
        acked = {s.id: s for a in alerts for s in acks_for(a, silences)}
        if acked:
            if self._allowed("unack"):
                self.propose(plan_unack(self.config, list(acked.values()), title=f"Unack {name}"))
            return
        if not self._allowed("ack"):
            return
        firing = [a for a in alerts if a.display_state != "unprocessed"]
        plan = plan_ack(
            self.config,
            firing or alerts,
            author=who()["user"] or "unknown",
            now=self.clock.time(),
            title=f"Acknowledge {clean(name, 80)}",
        )
        self.propose(plan)

    def after_ack(self, plan, outcome) -> None:
        """The timeline tells the ack and its release, besides the action record."""
        if not outcome.ok and not outcome.data.get("silence_ids"):
            return
        if plan.kind == "ack":
            self.timeline.add(
                "ack",
                f"ACK by {who()['user'] or 'unknown'}: {plan.target}",
                {"silences": outcome.data.get("silence_ids", {})},
            )
        elif plan.kind == "unack" and outcome.ok:
            for silence_id in plan.target.split(", "):
                self.timeline.add(
                    "ack_released",
                    f"ack released by {who()['user'] or 'unknown'} (silence {silence_id})",
                    {"silence": silence_id, "reason": "released"},
                    entry_id=f"ack_released-{silence_id}",
                )
