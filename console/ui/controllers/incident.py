"""The incident: open and closed from the alerts and the orchestrator, its runbook class,
the escalation clock, and the recovery time beside the SLA gauges.

`update` and `observe` do the side effects (timeline entries, the escalation toast);
`incident_line`, `recovery_value`, `incident_id` and `escalation` only read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from console.clock import format_age
from console.incident import (
    ClassTracker,
    IncidentTracker,
    classify,
    escalation_level,
    firing_critical,
    next_escalation,
)
from console.model import Alert, SlaValue, Status
from console.sla import open_recovery, upper_bound
from console.state import State
from console.timeline import Timeline
from console.ui.controllers.base import Notify


@dataclass(frozen=True)
class Escalation:
    """Who the escalation matrix says is due now, and for which incident."""

    #: who is due: "on-call engineer", "senior engineer", ...
    level: str
    incident_id: str
    incident_class: str | None
    open_for: float | None


def current_alerts(state: State) -> tuple[Alert, ...]:
    """The alerts of the last Alertmanager answer (none before the first)."""
    data = state.alerts
    return data.alerts if data is not None else ()


class IncidentController:
    """First critical to all clear, the class over time, and when escalation is due."""

    def __init__(
        self,
        *,
        state: State,
        timeline: Timeline,
        recovery_minutes: float,
        notify: Notify,
        key_for: Callable[[str], str],
    ) -> None:
        self.state = state
        self.timeline = timeline
        #: the SLA's recovery target, in minutes
        self.recovery_minutes = recovery_minutes
        self.notify = notify
        #: how the keymap shows a binding's key (for "press e")
        self.key_for = key_for
        #: first critical → all clear (the recovery time)
        self.tracker = IncidentTracker()
        #: the runbook's class and the escalation clock
        self.classes = ClassTracker()

    @property
    def is_open(self) -> bool:
        """True while the first-critical-to-all-clear incident is open."""
        return self.tracker.open_since is not None

    def update(self, now: float) -> bool:
        """Open or close the incident from the alerts and the orchestrator probe; True
        when it opened or closed. Closing puts the recovery time on the timeline."""
        alerts = self.state.alerts
        orchestrator = self.state.results.get("orchestrator")
        down_since = None
        if orchestrator is not None and orchestrator.status is Status.CRITICAL:
            down_since = self.state.since.get("orchestrator", now)
        changed = self.tracker.update(
            alerts.alerts if alerts is not None else (),
            now,
            down_since=down_since,
            complete=alerts is not None and not alerts.unreachable,
        )
        if changed and not self.is_open:
            recovery = self.tracker.last_recovery_seconds or 0.0
            self.timeline.add(
                "incident",
                f"all clear: recovered in {format_age(recovery)} (first critical to all clear)",
                {"recovery_seconds": recovery},
            )
        return changed

    def observe(self, now: float, *, whole: bool) -> None:
        """Classify what the state shows (only on a `whole` picture: every source has
        answered once), put a class change on the timeline, and say once per level when
        escalation is due."""
        began = self._began()
        if whole and self.classes.observe(classify(self.state, now), now, began):
            self._class_changed(self.classes.current, now)
        if self.classes.current is None:
            return
        escalating_for = self.classes.escalating_for(now)
        if escalating_for is None:
            return
        level, name = escalation_level(escalating_for)
        if level > self.classes.offered_level:
            self.classes.offered_level = level
            open_for = self.classes.open_for(now) or 0.0
            self.notify(
                f"Escalation to the {name} is due (incident open {format_age(open_for)}): press "
                f"{self.key_for('escalate')}",
                title="Escalation due",
                severity="warning",
                timeout=30,
            )

    def _began(self) -> float | None:
        """When the oldest firing critical alert started (an unknown start is no evidence)."""
        known = [
            a.starts_at
            for a in firing_critical(current_alerts(self.state))
            if a.starts_at is not None
        ]
        return min(known) if known else None

    def _class_changed(self, klass: str | None, now: float) -> None:
        """Put an incident class change on the timeline (one entry per class per minute)."""
        text = f"incident class {klass}" if klass else "incident class cleared: all well"
        self.timeline.add(
            "incident",
            text,
            {"class": klass},
            entry_id=f"incident-{klass or 'none'}-{int(now // 60)}",
        )

    def incident_line(self, now: float) -> str:
        """P1 · open 12m · senior engineer in 18m, for the header ("" with no incident).

        P3 (monitoring anomalies) shows no escalation: the matrix runs for P0 to P2.
        """
        klass = self.classes.current
        if klass is None:
            return ""
        open_for = self.classes.open_for(now) or 0.0
        line = f"{klass} open {format_age(open_for)}"
        critical = firing_critical(current_alerts(self.state))
        if critical and all(a.starts_at is None for a in critical):
            line += " (start unknown: timed from first sight)"
        escalating_for = self.classes.escalating_for(now)
        if escalating_for is None:
            return line
        following = next_escalation(escalating_for)
        if following is not None:
            short = {"senior engineer": "senior", "engineering manager": "manager"}
            line += f" · {short.get(following[0], following[0])} due in {format_age(following[1])}"
        return line

    def recovery_value(self, now: float) -> SlaValue:
        """Recovery time: the open incident's running time against the target (open, or
        overdue once past it: never OK while it is open), else the last one's."""
        limit = self.recovery_minutes * 60
        seconds = self.tracker.open_for(now)
        if seconds is not None:
            return open_recovery(seconds, limit)
        seconds = self.tracker.last_recovery_seconds
        if seconds is None:
            return SlaValue("recovery", None, limit, "none", "no incident yet")
        return upper_bound("recovery", seconds, limit)

    def incident_id(self, now: float) -> str:
        """Stable for one incident, so PagerDuty folds repeated escalations into one page."""
        began = self.classes.open_since or self.tracker.open_since
        if began is not None:
            return str(int(began))
        return f"no-incident-{int(now // 3600)}"  # escalating with nothing open: per hour

    def escalation(self, now: float) -> Escalation:
        """The level the matrix says is due; a P3 runs no clock: the on-call engineer."""
        open_for = self.classes.open_for(now)
        if open_for is None:
            open_for = self.tracker.open_for(now)
        if self.classes.current is not None:
            _, level = escalation_level(self.classes.escalating_for(now))
        else:
            _, level = escalation_level(open_for)
        return Escalation(level, self.incident_id(now), self.classes.current, open_for)
