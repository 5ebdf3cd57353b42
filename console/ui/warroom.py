"""The war room in the app: incident class and escalation clock, and the shared timeline.

A mixin of GenesisApp: it turns what the state shows into timeline entries (alerts
firing and resolving, class changes, recovery, actions from the audit log, notes) and
keeps the timeline and presence in step with the other consoles through Redis.
"""

from __future__ import annotations

import math

from console.clock import format_age, format_span, format_utc
from console.incident import classify, escalation_level, firing_critical, next_escalation
from console.text import clean
from console.timeline import describe_presence, entry_from_audit
from console.ui.keymaps import DEFAULT_KEYS
from console.ui.screens.help import key_label
from console.ui.screens.timeline import NoteScreen, TimelineScreen

#: peers' entries toasted one by one per sync; the rest are counted in one more toast
TOAST_LIMIT = 3


def _stamp(alert) -> str:
    """The start time in an entry id every console computes alike; "unknown" when unknown."""
    return "unknown" if alert.starts_at is None else str(int(alert.starts_at))


def _digest(alert) -> str:
    """A short stable name for what suppresses an alert (the same on every console)."""
    import hashlib

    what = ",".join(sorted(alert.silenced_by) + sorted(alert.inhibited_by)) or alert.state
    return hashlib.sha256(f"{_stamp(alert)}:{what}".encode()).hexdigest()[:16]


def describe_suppression(alert, present: dict, silences_by_id: dict) -> tuple[str, dict]:
    """One timeline line for a suppressed alert: who silenced it, for how long and why,
    or what inhibits it, and that it still fires; plus the entry's structured data."""
    head = f"{alert.severity} {alert.name}"
    if alert.display_state == "inhibited":
        names = sorted({present[f].name for f in alert.inhibited_by if f in present}) or list(
            alert.inhibited_by
        )
        by = f" by {clean(', '.join(names), 200)}" if names else ""
        return f"{head} inhibited{by}; still firing", {"inhibited_by": list(alert.inhibited_by)}
    known = [silences_by_id[i] for i in alert.silenced_by if i in silences_by_id]
    if not known:
        ids = ", ".join(alert.silenced_by)
        return (
            f"{head} silenced"
            + (f" (silence {clean(ids, 200)})" if ids else "")
            + "; still firing",
            {"silence_ids": list(alert.silenced_by)},
        )
    silence = max(known, key=lambda s: s.ends_at)
    span = silence.ends_at - silence.starts_at
    length = format_span(span, exact=True) if math.isfinite(span) else "an unknown time"
    until = format_utc(silence.ends_at, "%Y-%m-%d %H:%M")
    comment = f": {clean(silence.comment, 200)}" if silence.comment else ""
    return (
        f"{head} silenced by {clean(silence.created_by or '?', 60)} for {length} "
        f"(until {until} UTC){comment}; still firing",
        {
            "silence_ids": list(alert.silenced_by),
            "created_by": silence.created_by,
            "ends_at": silence.ends_at,
        },
    )


class WarRoom:
    """Incident clock, timeline entries, notes, the timeline view and presence."""

    def incident_line(self, now: float) -> str:
        """P1 · open 12m · senior engineer in 18m (and the offer when escalation is due).

        P3 (monitoring anomalies) shows no escalation: the matrix runs for P0 to P2.
        """
        klass = self.incident_classes.current
        critical = [a.starts_at for a in firing_critical(self._current_alerts())]
        known = [start for start in critical if start is not None]
        began = min(known) if known else None  # an unknown start is no evidence of when
        # judge only a whole picture: every source has answered at least once
        whole = self.poller is not None and all(
            source.name in self.state.results for source in self.poller.sources
        )
        if whole and self.incident_classes.observe(classify(self.state, now), now, began):
            klass = self.incident_classes.current
            self.on_class_change(klass, now)
        if klass is None:
            return ""
        open_for = self.incident_classes.open_for(now) or 0.0
        line = f"{klass} open {format_age(open_for)}"
        escalating_for = self.incident_classes.escalating_for(now)
        if critical and not known:
            line += " (start unknown: timed from first sight)"
        if escalating_for is None:
            return line
        level, name = escalation_level(escalating_for)
        if level > self.incident_classes.offered_level:
            self.incident_classes.offered_level = level
            self.notify(
                f"Escalation to the {name} is due (incident open {format_age(open_for)}): press "
                f"{key_label(self, self.keymap_spec.get('escalate', DEFAULT_KEYS['escalate']))}",
                title="Escalation due",
                severity="warning",
                timeout=30,
            )
        following = next_escalation(escalating_for)
        if following is not None:
            short = {"senior engineer": "senior", "engineering manager": "manager"}
            line += f" · {short.get(following[0], following[0])} due in {format_age(following[1])}"
        return line

    def on_class_change(self, klass: str | None, now: float) -> None:
        """Put an incident class change on the timeline (one entry per class per minute)."""
        text = f"incident class {klass}" if klass else "incident class cleared: all well"
        self.timeline.add(
            "incident",
            text,
            {"class": klass},
            entry_id=f"incident-{klass or 'none'}-{int(now // 60)}",
        )

    def record_alerts(self, alerts, now: float, silences=(), unreachable=()) -> None:
        """Alerts firing, silenced or inhibited, and resolving, with ids every console
        computes alike (no duplicates).

        Only an alert Alertmanager no longer has is "no longer firing": a silenced or
        inhibited one still fires, and its entry says who silenced it, for how long and
        why (silencing is not resolving). An alert only unreachable Alertmanagers had is
        not seen, not resolved: it is kept until one answers again.
        """
        present = {a.fingerprint: a for a in alerts}
        unseen = {
            fingerprint: alert
            for fingerprint, alert in self._firing.items()
            if fingerprint not in present
            and unreachable
            and alert.sources
            and set(alert.sources) <= set(unreachable)
        }
        silences_by_id = {s.id: s for s in silences}
        make = self.timeline.make
        entries = []
        for fingerprint, alert in present.items():
            state = alert.display_state
            before = self._firing.get(fingerprint)
            was = before.display_state if before is not None else None
            if state == was or state not in ("active", "silenced", "inhibited"):
                continue
            labels = {"alertname": alert.name, "severity": alert.severity}
            if was in (None, "unprocessed"):
                # first seen: it fired (at its start), whether or not it is suppressed now
                entries.append(
                    make(
                        "alert_firing",
                        f"{alert.severity} {alert.name} firing: {alert.summary}",
                        {**labels, "fingerprint": fingerprint},
                        entry_id=f"firing-{fingerprint}-{_stamp(alert)}",
                        at=alert.starts_at,
                    )
                )
            if state == "active" and was in ("silenced", "inhibited"):
                entries.append(
                    make(
                        "alert_firing",
                        f"{alert.severity} {alert.name} firing again: no longer {was}",
                        {**labels, "fingerprint": fingerprint, "again": True},
                        entry_id=f"unsuppressed-{fingerprint}-{_digest(before)}",
                    )
                )
            elif state in ("silenced", "inhibited"):
                text, data = describe_suppression(alert, present, silences_by_id)
                entries.append(
                    make(
                        f"alert_{state}",
                        text,
                        {**labels, "fingerprint": fingerprint, **data},
                        entry_id=f"{state}-{fingerprint}-{_digest(alert)}",
                    )
                )
        entries += [
            make(
                "alert_resolved",
                f"{alert.name} no longer firing ("
                + (
                    f"{format_age(now - alert.starts_at)} after it started)"
                    if alert.starts_at is not None
                    else "start time unknown)"
                ),
                {"alertname": alert.name, "fingerprint": fingerprint},
                entry_id=f"resolved-{fingerprint}-{_stamp(alert)}",
            )
            for fingerprint, alert in self._firing.items()
            if fingerprint not in present
            and fingerprint not in unseen
            and alert.display_state != "unprocessed"
        ]
        self._firing = {**unseen, **present}
        if entries:
            self.timeline.add_entries(entries)  # one write (one fsync) for the whole batch

    def _record_action(self, record: dict, unrecorded: str | None = None) -> None:
        entry = entry_from_audit(record, unrecorded=unrecorded)
        if entry is not None:
            self.timeline.add_entry(entry)

    async def _warroom_tick(self) -> None:
        """Share the timeline and presence through Redis; never blocks the screen."""
        if getattr(self, "_warroom_busy", False):
            return
        self._warroom_busy = True
        # the war room of the environment this tick began in (a switch may come meanwhile)
        timeline = self.timeline
        try:
            await timeline.heartbeat()
            news = await timeline.sync()
            if timeline is not self.timeline:
                return
            if timeline.online:
                self.announce(news, joining=not getattr(self, "_warroom_joined", False))
                self._warroom_joined = True
            presence = describe_presence(await timeline.presence()) or "just you"
            if timeline is self.timeline:
                self.presence = presence
        finally:
            self._warroom_busy = False

    def announce(self, entries: list, *, joining: bool = False) -> None:
        """Toast what other consoles noted or did: the newest few, and a count of the rest.

        Joining, the story so far is one line; a burst shows its newest TOAST_LIMIT
        entries and a summary, so a flood of entries never becomes a flood of toasts.
        """
        worth = [e for e in entries if e.kind in ("note", "action")]
        if not worth:
            return
        timeline_key = key_label(self, self.keymap_spec.get("timeline", DEFAULT_KEYS["timeline"]))
        if joining:
            self.notify(
                f"Joined the war room: {len(worth)} note{'s' * (len(worth) != 1)} or "
                f"actions by others so far; {timeline_key} shows the timeline",
                title="War room",
                timeout=8,
                markup=False,
            )
            return
        for entry in worth[-TOAST_LIMIT:]:
            who = clean((entry.who or {}).get("user") or "someone", 40)
            if not entry.counts:
                who += " (unverified)"
            # a peer's words, never markup: `[link=...]` would crash, `[@click=...]` act
            self.notify(
                f"{who}: {clean(entry.text, 300)}",
                title="War room",
                timeout=8,
                markup=False,
            )
        if len(worth) > TOAST_LIMIT:
            more = len(worth) - TOAST_LIMIT
            self.notify(
                f"{more} more war-room entr{'y' if more == 1 else 'ies'}: "
                f"{timeline_key} shows the timeline",
                title="War room",
                timeout=8,
                markup=False,
            )

    def action_note(self) -> None:
        def written(text: str | None) -> None:
            if text:
                # the seat that pressed Enter wrote it (a tie or no tmux: $SUDO_USER/$USER)
                presser = self.presser(fresh=True)
                self.timeline.add("note", text, who=self.actor(presser))
                self.notify("Note added to the timeline")
                if self.config.warroom.redis_url:
                    self.run_worker(self._warroom_tick(), group="warroom")

        self.push_screen(NoteScreen(), written)

    def action_timeline(self) -> None:
        status = self.timeline.status
        if self.config.warroom.redis_url:
            status += " · " + self.room_authentication()
            keeping = self.ack_keeping_status()
            if keeping:
                status += " · " + keeping
        self.push_screen(TimelineScreen(self.timeline.entries(), self.presence, status))

    def room_authentication(self) -> str:
        """Whether what the war room says can be trusted, in one clause (never the key)."""
        if self.timeline.keyed:
            return "entries signed with the war-room key; unverified ones are marked, not counted"
        variable = self.config.warroom.key_env
        where = f"${variable} is not set" if variable else "no war-room key is configured"
        return (
            f"unauthenticated war room ({where}): anyone who can write to its Redis "
            "can write entries in anyone's name"
        )
