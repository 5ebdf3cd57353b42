"""The action path: key → plan → confirm → execute → audit → refresh.

Every action goes through `propose` (the one confirmation screen) and `execute` (the
one runner), so a new action is a new plan, not a new path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from console.actions.plan import Outcome, Plan
from console.actions.runner import ActionBusy, ActionRunner
from console.audit import ACTING
from console.clock import Clock, format_age
from console.config import Config
from console.model import Alert, Silence
from console.poller import Poller
from console.state import State
from console.ui.controllers.base import Ask, Notify, Spawn
from console.ui.controllers.incident import IncidentController, current_alerts
from console.ui.controllers.seats import SeatsController

if TYPE_CHECKING:
    # the plans and their screens are imported when a key asks for them, not on the
    # path to the first frame (issue 13: first paint)
    from console.actions.escalate import StandIn
    from console.matchers import WireMatcher
    from console.ui.screens.silence import SilenceRequest
    from console.ui.screens.silences import SilencesScreen


class ActionProgress(Protocol):
    """Where a running action shows that it runs, and how it ended (the action bar)."""

    def running(self, text: str) -> None: ...

    def finished(self, ok: bool, text: str) -> None: ...


def ignore_outcome(plan: Plan, outcome: Outcome) -> None:
    """The default `on_outcome`: nothing more to do after an action."""


def count_matching(matchers: list[WireMatcher], alerts: tuple[Alert, ...]) -> int:
    """How many of these alerts a silence with these matchers would catch."""
    from console.matchers import matchers_match  # off the path to the first paint

    return sum(1 for a in alerts if matchers_match(matchers, a.label_map))


class ActionController:
    """restart, cache clear, silence, maintenance, silences, escalate, and their path."""

    def __init__(
        self,
        *,
        config: Config,
        clock: Clock,
        state: State,
        runner: ActionRunner,
        read_only: bool,
        incident: IncidentController,
        seating: SeatsController,
        progress: ActionProgress,
        poller: Callable[[], Poller | None],
        notify: Notify,
        ask: Ask,
        spawn: Spawn,
        escalation_stand_in: StandIn | None = None,
        on_outcome: Callable[[Plan, Outcome], None] = ignore_outcome,
    ) -> None:
        self.config = config
        self.clock = clock
        self.state = state
        self.runner = runner
        self.read_only = read_only
        self.incident = incident
        self.seating = seating
        self.progress = progress
        #: the poller of the moment (None before polling starts)
        self.poller = poller
        self.notify = notify
        self.ask = ask
        self.spawn = spawn
        #: takes escalations instead of PagerDuty and Slack (the demo's receiver), or None
        self.escalation_stand_in = escalation_stand_in
        #: told of every outcome once it is shown (the acks put theirs on the timeline)
        self.on_outcome = on_outcome
        #: failed restarts in the current incident (the runbook escalates after three)
        self.restart_failures = 0

    def warn_about_audit_log(self, text: str | None = None) -> None:
        """Say when the audit log cannot be trusted (by default: check it as it stands)."""
        text = text if text is not None else self.runner.audit.warning()
        if text:
            self.notify(text, title="Audit log", severity="warning", timeout=20, markup=False)

    def allowed(self, kind: str) -> bool:
        """True when this kind of action may start now; else say why not."""
        if self.read_only:
            self.notify(f"read-only: {kind.replace('_', ' ')} is off", severity="warning")
            return False
        running = self.runner.busy(kind)
        if running:
            self.notify(
                f"{running} is already running; wait for it to finish",
                severity="warning",
                markup=False,
            )
            return False
        return True

    def propose(
        self, plan: Plan, note: str = "", noted: Callable[[str], Plan] | None = None
    ) -> None:
        """Show the plan in the confirmation screen; run it only if confirmed.

        In a shared tmux session the prompt belongs to the seat that opened it: only
        that seat confirms, and the action is recorded as theirs (audit.ACTING holds
        them for the action's task, so the audit log, the war-room lock and the
        timeline name them). `noted` makes the plan again with the engineer's note (the
        prompt then has a note field, and what runs is the plan as noted)."""
        from console.ui.screens.confirm import ConfirmScreen

        presser = self.seating.presser()
        if self.seating.refuse_tie(presser):
            return
        acting = self.seating.actor(presser)
        screen = ConfirmScreen(
            plan,
            note=note,
            acting=self.seating.acting_note(presser),
            seat_refusal=self.seating.refusal_for(presser.seat),
            noted=noted,
        )

        def decided(confirmed: bool | None) -> None:
            token = ACTING.set(acting)  # the worker's task copies this context
            try:
                if confirmed:
                    self.spawn(self.execute(screen.plan), group="actions")
                else:
                    self.notify(f"Cancelled: {plan.title} did not run", markup=False)
                    self.spawn(self.record_cancel(screen.plan), group="audit")
            finally:
                ACTING.reset(token)

        self.ask(screen, decided)

    async def record_cancel(self, plan: Plan) -> None:
        """Put a declined plan in the audit log (and say if that failed)."""
        problem = await self.runner.record_cancel(plan)
        if problem:
            self.notify(f"Audit log: {problem}", severity="error", timeout=15, markup=False)

    async def execute(self, plan: Plan) -> Outcome:
        """Run a confirmed plan with a spinner, report it, and refresh what it changed."""
        bar = self.progress
        bar.running(plan.title + "…")
        try:
            outcome = await self.runner.run(plan, lambda text: bar.running(f"{plan.title}: {text}"))
        except ActionBusy as exc:
            outcome = Outcome(False, str(exc), ran=False)
        bar.finished(outcome.ok, f"{plan.title}: {outcome.message}")
        self.notify(
            outcome.message,
            title=plan.title,
            severity="information" if outcome.ok else ("error" if outcome.ran else "warning"),
            timeout=8,
            markup=False,  # command output and server replies: shown as they are
        )
        poller = self.poller()
        if poller is not None and plan.refresh:
            poller.refresh(plan.refresh)
        if plan.kind == "restart":
            self.after_restart(outcome)
        self.on_outcome(plan, outcome)
        return outcome

    def after_restart(self, outcome: Outcome) -> None:
        """Count failed restarts; after the third the runbook says escalate."""
        from console.actions.restart import ATTEMPTS_BEFORE_ESCALATION

        if not outcome.ran:
            return  # waiting on another console's restart is not a failed restart
        if outcome.ok:
            self.restart_failures = 0
            return
        self.restart_failures += 1
        if self.restart_failures >= ATTEMPTS_BEFORE_ESCALATION:
            self.offer_escalation(
                f"The restart failed {self.restart_failures} times: the runbook says escalate now."
            )

    def restart(self) -> None:
        """r: restart the orchestrator, then watch /health/ready."""
        from console.actions.restart import plan_restart

        if self.allowed("restart"):
            self.propose(plan_restart(self.config, attempt=self.restart_failures + 1))

    def cache_clear(self) -> None:
        """c: clear the orchestrator's cache, with the Redis hit rate before and after."""
        from console.actions.cache import plan_cache_clear

        if not self.allowed("cache_clear"):
            return
        poller = self.poller()
        redis = next((s for s in (poller.sources if poller else []) if s.name == "redis"), None)
        self.propose(plan_cache_clear(self.config, redis.probe if redis else None))

    def silence(self, alert: Alert | None) -> None:
        """s: the silence form for this alert, then its plan."""
        from console.actions.silence import plan_silence
        from console.ui.screens.silence import SilenceScreen

        if not self.allowed("silence"):
            return
        if alert is None:
            self.notify("Select an alert in the Alerts pane first", severity="warning")
            return
        chosen = alert

        def filled(request: SilenceRequest | None) -> None:
            if request is None:
                return
            self.propose(
                plan_silence(
                    self.config,
                    request.matchers,
                    starts_at=self.clock.time(),
                    duration=request.duration,
                    author=request.author,
                    comment=request.comment,
                    would_silence=count_matching(request.matchers, current_alerts(self.state)),
                    title=f"Silence {chosen.name}",
                )
            )

        author = self.seating.actor()["user"] or ""
        self.ask(SilenceScreen(chosen, current_alerts(self.state), author), filled)

    def maintenance(self) -> None:
        """m: the weekly maintenance silence."""
        from console.actions.silence import maintenance_matchers, plan_maintenance

        if not self.allowed("silence"):
            return
        count = count_matching(maintenance_matchers(self.config), current_alerts(self.state))
        self.propose(
            plan_maintenance(
                self.config,
                starts_at=self.clock.time(),
                author=self.seating.actor()["user"] or "maintenance",
                would_silence=count,
            )
        )

    def silences_view(self) -> SilencesScreen:
        """S: the active and recently expired silences."""
        from console.ui.screens.silences import SilencesScreen

        data = self.state.alerts
        return SilencesScreen(
            data.silences if data else (),
            self.clock.time(),
            alerts=data.alerts if data else None,
            read_only=self.read_only,
        )

    def expire(self, silence: Silence) -> None:
        """x in the silences view."""
        from console.actions.silence import plan_expire

        if self.allowed("expire_silence"):
            self.propose(plan_expire(self.config, silence))

    def extend(self, silence: Silence) -> None:
        """+ in the silences view: an hour more."""
        from console.actions.silence import plan_extend

        if self.allowed("extend_silence"):
            self.propose(plan_extend(self.config, silence, by=3600, now=self.clock.time()))

    def escalation_plan(self) -> Plan | str:
        """The escalation the matrix says is due, or why there is none to send."""
        from console.actions.escalate import plan_escalate

        due = self.incident.escalation(self.clock.time())
        return plan_escalate(
            self.config,
            level=due.level,
            incident_id=due.incident_id,
            incident_class=due.incident_class,
            open_for=format_age(due.open_for or 0),
            alerts=list(current_alerts(self.state)),
            stand_in=self.escalation_stand_in,
        )

    def offer_escalation(self, note: str) -> None:
        """Propose the escalation that is due, saying why (`note`)."""
        plan = self.escalation_plan()
        if isinstance(plan, str):
            self.notify(f"{note} {plan}", severity="error", timeout=15, markup=False)
        else:
            self.propose(plan, note=note)

    def escalate(self) -> None:
        """e: page the level the escalation matrix says is due."""
        if not self.allowed("escalate"):
            return
        plan = self.escalation_plan()
        if isinstance(plan, str):
            self.notify(plan, severity="error", timeout=10, markup=False)
            return
        self.propose(plan)
