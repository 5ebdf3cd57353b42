"""The action keys of the app: key → plan → confirm → execute → audit → refresh.

A mixin of GenesisApp: every action goes through `propose` (the one confirmation
screen) and `execute` (the one runner), so a new action is a new plan, not a new path.
"""

from __future__ import annotations

from collections.abc import Callable

from console.actions.cache import plan_cache_clear
from console.actions.escalate import plan_escalate
from console.actions.plan import Outcome, Plan
from console.actions.restart import ATTEMPTS_BEFORE_ESCALATION, plan_restart
from console.actions.runner import ActionBusy
from console.actions.silence import (
    maintenance_matchers,
    plan_expire,
    plan_extend,
    plan_maintenance,
    plan_silence,
)
from console.audit import ACTING
from console.clock import format_age
from console.incident import escalation_level
from console.ui.action_bar import ActionBar
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.confirm import ConfirmScreen
from console.ui.screens.silence import SilenceRequest, SilenceScreen
from console.ui.screens.silences import SilencesScreen


class ActionKeys:
    """restart, cache clear, silence, maintenance, silences, escalate."""

    def _warn(self, text: str) -> None:
        self.notify(text, severity="warning", markup=False)

    def warn_about_audit_log(self, text: str | None = None) -> None:
        """Say when the audit log cannot be trusted (by default: check it as it stands)."""
        text = text if text is not None else self.runner.audit.warning()
        if text:
            self.notify(text, title="Audit log", severity="warning", timeout=20, markup=False)

    def _allowed(self, kind: str) -> bool:
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
        presser = self.presser()
        if self.refuse_tie(presser):
            return
        acting = self.actor(presser)

        def decided(confirmed: bool | None) -> None:
            token = ACTING.set(acting)  # the worker's task copies this context
            try:
                if confirmed:
                    self.run_worker(self.execute(screen.plan), group="actions")
                else:
                    self.notify(f"Cancelled: {plan.title} did not run", markup=False)
                    self.run_worker(self._record_cancel(screen.plan), group="audit")
            finally:
                ACTING.reset(token)

        screen = ConfirmScreen(
            plan,
            note=note,
            acting=self.acting_note(presser),
            seat_refusal=self.seat_refusal_for(presser.seat),
            noted=noted,
        )
        self.push_screen(screen, decided)

    async def _record_cancel(self, plan: Plan) -> None:
        problem = await self.runner.record_cancel(plan)
        if problem:
            self.notify(f"Audit log: {problem}", severity="error", timeout=15, markup=False)

    async def execute(self, plan: Plan) -> Outcome:
        """Run a confirmed plan with a spinner, report it, and refresh what it changed."""
        bar = self.query_one(ActionBar)
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
        if self.poller is not None and plan.refresh:
            self.poller.refresh(plan.refresh)
        if plan.kind == "restart":
            self.after_restart(outcome)
        if plan.kind in ("ack", "unack") and hasattr(self, "after_ack"):
            self.after_ack(plan, outcome)
        return outcome

    def after_restart(self, outcome: Outcome) -> None:
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

    def action_restart(self) -> None:
        if self._allowed("restart"):
            self.propose(plan_restart(self.config, attempt=self.restart_failures + 1))

    def action_cache_clear(self) -> None:
        if not self._allowed("cache_clear"):
            return
        redis = next(
            (s for s in (self.poller.sources if self.poller else []) if s.name == "redis"), None
        )
        self.propose(plan_cache_clear(self.config, redis.probe if redis else None))

    def _current_alerts(self) -> tuple:
        data = self.state.alerts
        return data.alerts if data is not None else ()

    def action_silence(self) -> None:
        if not self._allowed("silence"):
            return
        alert = self.query_one(AlertsPane).selected
        if alert is None:
            self.notify("Select an alert in the Alerts pane first", severity="warning")
            return

        def filled(request: SilenceRequest | None) -> None:
            if request is None:
                return
            from console.sources.alertmanager import matchers_match

            count = sum(
                1 for a in self._current_alerts() if matchers_match(request.matchers, a.label_map)
            )
            self.propose(
                plan_silence(
                    self.config,
                    request.matchers,
                    starts_at=self.clock.time(),
                    duration=request.duration,
                    author=request.author,
                    comment=request.comment,
                    would_silence=count,
                    title=f"Silence {alert.name}",
                )
            )

        self.push_screen(
            SilenceScreen(alert, self._current_alerts(), self.actor()["user"] or ""), filled
        )

    def action_maintenance(self) -> None:
        if not self._allowed("silence"):
            return
        from console.sources.alertmanager import matchers_match

        matchers = maintenance_matchers(self.config)
        count = sum(1 for a in self._current_alerts() if matchers_match(matchers, a.label_map))
        self.propose(
            plan_maintenance(
                self.config,
                starts_at=self.clock.time(),
                author=self.actor()["user"] or "maintenance",
                would_silence=count,
            )
        )

    def action_silences(self) -> None:
        data = self.state.alerts
        self.push_screen(
            SilencesScreen(
                data.silences if data else (),
                self.clock.time(),
                alerts=data.alerts if data else None,
                read_only=self.read_only,
            )
        )

    def silences_changed(self, silences) -> None:
        """Keep an open silences view in step with Alertmanager (e.g. after an extend)."""
        data = self.state.alerts
        for screen in self.screen_stack:
            if isinstance(screen, SilencesScreen):
                screen.show(silences, self.clock.time(), data.alerts if data else None)

    def on_silences_screen_expire(self, message: SilencesScreen.Expire) -> None:
        if self._allowed("expire_silence"):
            self.propose(plan_expire(self.config, message.silence))

    def on_silences_screen_extend(self, message: SilencesScreen.Extend) -> None:
        if self._allowed("extend_silence"):
            self.propose(plan_extend(self.config, message.silence, by=3600, now=self.clock.time()))

    def incident_id(self, now: float) -> str:
        """Stable for one incident, so PagerDuty folds repeated escalations into one page."""
        began = self.incident_classes.open_since or self.incidents.open_since
        if began is not None:
            return str(int(began))
        return f"no-incident-{int(now // 3600)}"  # escalating with nothing open: per hour

    def escalation_plan(self) -> Plan | str:
        now = self.clock.time()
        open_for = self.incident_classes.open_for(now)
        if open_for is None:
            open_for = self.incidents.open_for(now)
        # the level the matrix says is due; a P3 runs no clock: the on-call engineer
        if self.incident_classes.current is not None:
            _, level = escalation_level(self.incident_classes.escalating_for(now))
        else:
            _, level = escalation_level(open_for)
        return plan_escalate(
            self.config,
            level=level,
            incident_id=self.incident_id(now),
            incident_class=self.incident_classes.current,
            open_for=format_age(open_for or 0),
            alerts=list(self._current_alerts()),
            stand_in=self.escalation_stand_in,
        )

    def offer_escalation(self, note: str) -> None:
        plan = self.escalation_plan()
        if isinstance(plan, str):
            self.notify(f"{note} {plan}", severity="error", timeout=15, markup=False)
        else:
            self.propose(plan, note=note)

    def action_escalate(self) -> None:
        if not self._allowed("escalate"):
            return
        plan = self.escalation_plan()
        if isinstance(plan, str):
            self.notify(plan, severity="error", timeout=10, markup=False)
            return
        self.propose(plan)
