"""The ack key and the keeper: `a` acknowledges the selected alert (or group), with an
optional note, again releases it; every refresh keeps live acks going and lets resolved
ones go (in a war room, on the one console that holds the ack-keeping lease)."""

from __future__ import annotations

from console.acks import acks_for
from console.actions.ack import AckKeeper, describe_release, plan_ack, plan_unack
from console.audit import who
from console.model import Alert
from console.text import clean
from console.ui.panes.alerts import AlertsPane
from console.warroom import Lease, WarRoomLock

#: the war-room lease of the console that keeps the acks alive
ACK_LEASE = "ack-keeper"


class AckKeys:
    """A mixin of GenesisApp: acknowledge / unacknowledge, and keep acks alive."""

    _ack_keeper: AckKeeper | None = None

    def ack_keeper(self) -> AckKeeper:
        keeper = self._ack_keeper
        if keeper is None or keeper.config is not self.config:
            if keeper is not None and keeper.lease is not None:
                self.run_worker(keeper.lease.release(), group="acks", exit_on_error=False)
            keeper = self._ack_keeper = AckKeeper(
                self.config,
                self.clock.time,
                on_released=self._ack_released,
                on_warning=self._warn,
                lease=self._ack_lease(),
                on_takeover=self._ack_takeover,
            )
        return keeper

    def _ack_lease(self) -> Lease | None:
        """With a war room, one console keeps the acks: the lease lapses after a few
        refreshes without its holder (it renews at each Alertmanager answer)."""
        lock = self.runner.lock
        if not isinstance(lock, WarRoomLock):
            return None
        config = self.config
        ttl = 3 * config.refresh_seconds + config.timeout_seconds
        return Lease(lock, ACK_LEASE, "keeping the acks alive", ttl)

    def _ack_takeover(self, before: str) -> None:
        person = who()
        lease = self._ack_keeper.lease if self._ack_keeper is not None else None
        minute = int(self.clock.time() // 60)
        token = lease.token[:12] if lease is not None else "unknown"
        self.timeline.add(
            "ack",
            f"{clean(person.get('user') or 'unknown', 60)}'s console keeps the acks alive now "
            f"(taken over from {clean(before, 200)})",
            {"keeper": True},
            entry_id=f"ack_keeper-{minute}-{token}",
        )

    def ack_keeping_status(self) -> str:
        """Who keeps the acks alive (for the war-room status), "" without a war room."""
        if self.read_only or self._ack_keeper is None:
            return ""
        return self._ack_keeper.status

    async def release_ack_keeping(self) -> None:
        """On a clean exit: let another console of the war room keep the acks at once."""
        keeper, self._ack_keeper = self._ack_keeper, None
        if keeper is not None and keeper.lease is not None:
            await keeper.lease.release()

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
        author = who()["user"] or "unknown"

        def noted(note: str = ""):
            return plan_ack(
                self.config,
                firing or alerts,
                author=author,
                now=self.clock.time(),
                note=note,
                title=f"Acknowledge {clean(name, 80)}",
            )

        self.propose(noted(), noted=noted)

    def after_ack(self, plan, outcome) -> None:
        """The timeline tells the ack and its release, besides the action record."""
        if not outcome.ok and not outcome.data.get("silence_ids"):
            return
        if plan.kind == "ack":
            note = outcome.data.get("note") or ""
            self.timeline.add(
                "ack",
                f"ACK by {who()['user'] or 'unknown'}: {plan.target}"
                + (f" (note: {note})" if note else ""),
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
