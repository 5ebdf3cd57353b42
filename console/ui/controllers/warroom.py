"""The war room: what the state shows, told on the shared timeline, and the timeline and
presence kept in step with the other consoles through Redis.

It turns alerts firing and resolving, action records and notes into timeline entries
(with ids every console computes alike), and toasts what peers noted or did.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from console.clock import format_age, format_span, format_utc
from console.config import WarroomConfig
from console.model import Alert, Silence
from console.text import clean
from console.timeline import Entry, Timeline, describe_presence, entry_from_audit
from console.ui.controllers.base import Notify, Spawn

if TYPE_CHECKING:
    # opened on a key, not on the path to the first frame (issue 13: first paint)
    from console.ui.screens.timeline import TimelineScreen

#: peers' entries toasted one by one per sync; the rest are counted in one more toast
TOAST_LIMIT = 3


def _stamp(alert: Alert) -> str:
    """The start time in an entry id every console computes alike; "unknown" when unknown."""
    return "unknown" if alert.starts_at is None else str(int(alert.starts_at))


def _digest(alert: Alert) -> str:
    """A short stable name for what suppresses an alert (the same on every console)."""
    what = ",".join(sorted(alert.silenced_by) + sorted(alert.inhibited_by)) or alert.state
    return hashlib.sha256(f"{_stamp(alert)}:{what}".encode()).hexdigest()[:16]


def describe_suppression(
    alert: Alert, present: dict[str, Alert], silences_by_id: dict[str, Silence]
) -> tuple[str, dict[str, Any]]:
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


class WarRoomController:
    """Timeline entries from the state and the audit log, notes, presence and sync."""

    def __init__(
        self,
        *,
        timeline: Timeline,
        room: WarroomConfig,
        notify: Notify,
        spawn: Spawn,
        key_for: Callable[[str], str],
    ) -> None:
        self.timeline = timeline
        self.room = room
        self.notify = notify
        self.spawn = spawn
        #: how the keymap shows a binding's key (for "t shows the timeline")
        self.key_for = key_for
        #: who else is here, as the timeline view shows it
        self.presence = "just you"
        #: the alerts as last recorded, by fingerprint
        self.firing: dict[str, Alert] = {}
        #: True once the first sync told the story so far (later syncs toast entries)
        self.joined = False
        #: True while a sync talks to Redis (a slow one is never overlapped)
        self.syncing = False
        #: True once this console left the room (quit, or switched environment)
        self.left = False

    @property
    def shared(self) -> bool:
        """True when a Redis war room is configured for this environment."""
        return bool(self.room.redis_url)

    def record_alerts(
        self,
        alerts: Iterable[Alert],
        now: float,
        silences: Iterable[Silence] = (),
        unreachable: Iterable[str] = (),
    ) -> None:
        """Alerts firing, silenced or inhibited, and resolving, with ids every console
        computes alike (no duplicates).

        Only an alert Alertmanager no longer has is "no longer firing": a silenced or
        inhibited one still fires, and its entry says who silenced it, for how long and
        why (silencing is not resolving). An alert only unreachable Alertmanagers had is
        not seen, not resolved: it is kept until one answers again.
        """
        present = {a.fingerprint: a for a in alerts}
        unreachable = tuple(unreachable)
        unseen = {
            fingerprint: alert
            for fingerprint, alert in self.firing.items()
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
            before = self.firing.get(fingerprint)
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
            if state == "active" and before is not None and was in ("silenced", "inhibited"):
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
            for fingerprint, alert in self.firing.items()
            if fingerprint not in present
            and fingerprint not in unseen
            and alert.display_state != "unprocessed"
        ]
        self.firing = {**unseen, **present}
        if entries:
            self.timeline.add_entries(entries)  # one write (one fsync) for the whole batch

    def record_action(self, record: dict[str, Any], unrecorded: str | None = None) -> None:
        """Put an action's audit record on the timeline (the runner calls this)."""
        entry = entry_from_audit(record, unrecorded=unrecorded)
        if entry is not None:
            self.timeline.add_entry(entry)

    async def sync(self) -> None:
        """Share the timeline and presence through Redis; never blocks the screen."""
        if self.syncing:
            return
        self.syncing = True
        try:
            await self.timeline.heartbeat()
            news = await self.timeline.sync()
            if self.left:
                return  # the console moved to another room meanwhile
            if self.timeline.online:
                self.announce(news, joining=not self.joined)
                self.joined = True
            presence = describe_presence(await self.timeline.presence()) or "just you"
            if not self.left:
                self.presence = presence
        finally:
            self.syncing = False

    def sync_soon(self) -> None:
        """Sync in the background now (after this console wrote something worth sharing)."""
        if self.shared:
            self.spawn(self.sync(), group="warroom")

    async def leave(self) -> None:
        """Leave the room: nothing it syncs from now on is shown, and peers see us go."""
        self.left = True
        await self.timeline.leave()

    def announce(self, entries: list[Entry], *, joining: bool = False) -> None:
        """Toast what other consoles noted or did: the newest few, and a count of the rest.

        Joining, the story so far is one line; a burst shows its newest TOAST_LIMIT
        entries and a summary, so a flood of entries never becomes a flood of toasts.
        """
        worth = [e for e in entries if e.kind in ("note", "action")]
        if not worth:
            return
        timeline_key = self.key_for("timeline")
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

    def add_note(self, text: str, who: dict[str, Any]) -> None:
        """A note an engineer wrote, on the timeline and (soon) in the room."""
        self.timeline.add("note", text, who=who)
        self.notify("Note added to the timeline")
        self.sync_soon()

    def timeline_view(self, ack_keeping: str = "") -> TimelineScreen:
        """The timeline screen: every entry, who is here, and whether to trust it."""
        from console.ui.screens.timeline import TimelineScreen

        status = self.timeline.status
        if self.shared:
            status += " · " + self.room_authentication()
            if ack_keeping:
                status += " · " + ack_keeping
        return TimelineScreen(self.timeline.entries(), self.presence, status)

    def room_authentication(self) -> str:
        """Whether what the war room says can be trusted, in one clause (never the key)."""
        if self.timeline.keyed:
            return "entries signed with the war-room key; unverified ones are marked, not counted"
        variable = self.room.key_env
        where = f"${variable} is not set" if variable else "no war-room key is configured"
        return (
            f"unauthenticated war room ({where}): anyone who can write to its Redis "
            "can write entries in anyone's name"
        )
