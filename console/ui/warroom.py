"""The war room in the app: incident class and escalation clock, and the shared timeline.

A mixin of GenesisApp: it turns what the state shows into timeline entries (alerts
firing and resolving, class changes, recovery, actions from the audit log, notes) and
keeps the timeline and presence in step with the other consoles through Redis.
"""

from __future__ import annotations

from console.clock import format_age
from console.incident import classify, escalation_level, next_escalation
from console.text import clean
from console.timeline import describe_presence, entry_from_audit
from console.ui.keymaps import DEFAULT_KEYS
from console.ui.screens.help import key_label
from console.ui.screens.timeline import NoteScreen, TimelineScreen

#: peers' entries toasted one by one per sync; the rest are counted in one more toast
TOAST_LIMIT = 3


class WarRoom:
    """Incident clock, timeline entries, notes, the timeline view and presence."""

    def incident_line(self, now: float) -> str:
        """P1 · open 12m · senior engineer in 18m (and the offer when escalation is due)."""
        klass = self.incident_classes.current
        critical = [
            a.starts_at
            for a in self._current_alerts()
            if a.severity == "critical" and a.display_state == "active"
        ]
        began = min(critical) if critical else None
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
        level, name = escalation_level(open_for)
        if level > self.incident_classes.offered_level:
            self.incident_classes.offered_level = level
            self.notify(
                f"Escalation to the {name} is due (incident open {format_age(open_for)}): press "
                f"{key_label(self, self.keymap_spec.get('escalate', DEFAULT_KEYS['escalate']))}",
                title="Escalation due",
                severity="warning",
                timeout=30,
            )
        following = next_escalation(open_for)
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

    def record_alerts(self, alerts, now: float) -> None:
        """Alerts firing and resolving, with ids every console computes alike (no duplicates)."""
        active = {a.fingerprint: a for a in alerts if a.display_state == "active"}
        make = self.timeline.make
        entries = [
            make(
                "alert_firing",
                f"{alert.severity} {alert.name} firing: {alert.summary}",
                {"alertname": alert.name, "severity": alert.severity, "fingerprint": fingerprint},
                entry_id=f"firing-{fingerprint}-{int(alert.starts_at)}",
                at=alert.starts_at,
            )
            for fingerprint, alert in active.items()
            if fingerprint not in self._firing
        ] + [
            make(
                "alert_resolved",
                f"{alert.name} no longer firing ({format_age(now - alert.starts_at)} after it started)",
                {"alertname": alert.name, "fingerprint": fingerprint},
                entry_id=f"resolved-{fingerprint}-{int(alert.starts_at)}",
            )
            for fingerprint, alert in self._firing.items()
            if fingerprint not in active
        ]
        self._firing = active
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
                self.timeline.add("note", text)
                self.notify("Note added to the timeline")
                if self.config.warroom.redis_url:
                    self.run_worker(self._warroom_tick(), group="warroom")

        self.push_screen(NoteScreen(), written)

    def action_timeline(self) -> None:
        status = self.timeline.status
        if self.config.warroom.redis_url:
            status += " · " + self.room_authentication()
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
