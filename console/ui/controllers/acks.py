"""Acks: `a` acknowledges the selected alert (or group), with an optional note, and again
releases it; every Alertmanager answer keeps live acks going and lets resolved ones go
(in a war room, on the one console that holds the ack-keeping lease)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from console.actions.plan import Outcome, Plan
from console.audit import who
from console.clock import Clock
from console.config import Config
from console.model import Alert, Silence
from console.poller import Poller
from console.state import State
from console.text import clean
from console.timeline import Timeline
from console.ui.controllers.actions import ActionController
from console.ui.controllers.base import Notify, Spawn
from console.ui.panes.alerts import AlertsPane
from console.warroom import Lease, WarRoomLock

if TYPE_CHECKING:
    # acks are kept from the first Alertmanager answer on, made on a key: not on the
    # path to the first frame (issue 13: first paint)
    from console.actions.ack import AckKeeper

#: the war-room lease of the console that keeps the acks alive
ACK_LEASE = "ack-keeper"

#: the alerts an ack is for, and the name to call them by
Selection = tuple[list[Alert], str]


def selection_of(pane: AlertsPane) -> Selection:
    """The alerts under the cursor: a whole group on a group row, else the one alert."""
    group = pane.selected_group
    if group is not None:
        alerts, name = group
        return list(alerts), name
    alert = pane.selected
    return ([alert], alert.name) if alert is not None else ([], "")


class AckController:
    """Acknowledge / unacknowledge, and keep acks alive while their alerts fire."""

    def __init__(
        self,
        *,
        config: Config,
        clock: Clock,
        state: State,
        timeline: Timeline,
        actions: ActionController,
        lock: WarRoomLock | None,
        read_only: bool,
        selection: Callable[[], Selection],
        poller: Callable[[], Poller | None],
        notify: Notify,
        spawn: Spawn,
    ) -> None:
        self.config = config
        self.clock = clock
        self.state = state
        self.timeline = timeline
        self.actions = actions
        #: the war-room lock the ack-keeping lease is taken on (None: no war room)
        self.lock = lock
        self.read_only = read_only
        #: what the engineer selected (the Alerts pane)
        self.selection = selection
        #: the poller of the moment (None before polling starts)
        self.poller = poller
        self.notify = notify
        self.spawn = spawn
        #: extends live acks and expires resolved ones (made at the first answer)
        self.keeper: AckKeeper | None = None
        #: True while a pass talks to Alertmanager (a slow one is never overlapped)
        self.keeping = False

    def _keeper(self) -> AckKeeper:
        from console.actions.ack import AckKeeper

        if self.keeper is None:
            self.keeper = AckKeeper(
                self.config,
                self.clock.time,
                on_released=self._released,
                on_warning=lambda text: self.notify(text, severity="warning", markup=False),
                lease=self._lease(),
                on_takeover=self._takeover,
            )
        return self.keeper

    def _lease(self) -> Lease | None:
        """With a war room, one console keeps the acks: the lease lapses after a few
        refreshes without its holder (it renews at each Alertmanager answer)."""
        if self.lock is None:
            return None
        ttl = 3 * self.config.refresh_seconds + self.config.timeout_seconds
        return Lease(self.lock, ACK_LEASE, "keeping the acks alive", ttl)

    def _takeover(self, before: str) -> None:
        person = who()
        lease = self.keeper.lease if self.keeper is not None else None
        minute = int(self.clock.time() // 60)
        token = lease.token[:12] if lease is not None else "unknown"
        self.timeline.add(
            "ack",
            f"{clean(person.get('user') or 'unknown', 60)}'s console keeps the acks alive now "
            f"(taken over from {clean(before, 200)})",
            {"keeper": True},
            entry_id=f"ack_keeper-{minute}-{token}",
        )

    def _released(self, silence: Silence, why: str) -> None:
        from console.actions.ack import describe_release

        self.timeline.add(
            "ack_released",
            describe_release(silence, why),
            {"silence": silence.id, "reason": why},
            entry_id=f"ack_released-{silence.id}",
        )

    def keeping_status(self) -> str:
        """Who keeps the acks alive (for the war-room status), "" without a war room."""
        if self.read_only or self.keeper is None:
            return ""
        return self.keeper.status

    async def release(self) -> None:
        """On a clean exit: let another console of the war room keep the acks at once."""
        keeper, self.keeper = self.keeper, None
        if keeper is not None and keeper.lease is not None:
            await keeper.lease.release()

    def keep(self) -> None:
        """After each Alertmanager answer: extend live acks, expire resolved ones."""
        if self.read_only or self.state.alerts is None or self.keeping:
            return  # (keeping: the last pass is still talking to Alertmanager)
        keeper = self._keeper()

        async def go() -> None:
            self.keeping = True
            try:
                done = await keeper.keep(self.state.alerts)
            finally:
                self.keeping = False
            poller = self.poller()
            if (done["extended"] or done["expired"]) and poller is not None:
                poller.refresh(("alertmanager",))

        self.spawn(go(), group="acks", exit_on_error=False)

    def ack(self) -> None:
        """a: acknowledge the selection (with an optional note), or release its ack."""
        from console.acks import acks_for
        from console.actions.ack import plan_ack, plan_unack

        if self.read_only:
            self.notify("read-only: ack is off", severity="warning")
            return
        alerts, name = self.selection()
        if not alerts:
            self.notify("Select an alert in the Alerts pane first", severity="warning")
            return
        data = self.state.alerts
        silences = data.silences if data is not None else ()
        acked = {s.id: s for a in alerts for s in acks_for(a, silences)}
        if acked:
            if self.actions.allowed("unack"):
                self.actions.propose(
                    plan_unack(self.config, list(acked.values()), title=f"Unack {name}")
                )
            return
        if not self.actions.allowed("ack"):
            return
        firing = [a for a in alerts if a.display_state != "unprocessed"]
        author = who()["user"] or "unknown"

        def noted(note: str = "") -> Plan:
            return plan_ack(
                self.config,
                firing or alerts,
                author=author,
                now=self.clock.time(),
                note=note,
                title=f"Acknowledge {clean(name, 80)}",
            )

        self.actions.propose(noted(), noted=noted)

    def after(self, plan: Plan, outcome: Outcome) -> None:
        """The timeline tells the ack and its release, besides the action record."""
        if plan.kind not in ("ack", "unack"):
            return
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
        elif outcome.ok:
            for silence_id in plan.target.split(", "):
                self.timeline.add(
                    "ack_released",
                    f"ack released by {who()['user'] or 'unknown'} (silence {silence_id})",
                    {"silence": silence_id, "reason": "released"},
                    entry_id=f"ack_released-{silence_id}",
                )
