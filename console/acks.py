"""Acknowledgements: a silence whose comment starts with `ACK by <who>`.

Pure data, no I/O: recognising an ack among silences, and marking the alerts it covers
(an acked alert's state is `acked`, its own state, never counted as `silenced`).
"""

from __future__ import annotations

import dataclasses
import re

from console.matchers import WireMatcher
from console.model import Alert, Silence

ACK_PREFIX = "ACK by "
#: how long an ack's silence lasts before the console extends it (it lapses by itself
#: when no console runs)
ACK_SECONDS = 15 * 60

_WHO = re.compile(r"^ACK by ([^:\n]{1,80})")


def ack_comment(author: str, note: str = "") -> str:
    """`ACK by <who>: <note>` (or just `ACK by <who>`)."""
    author = author.strip() or "unknown"
    note = note.strip()
    return f"{ACK_PREFIX}{author}: {note}" if note else f"{ACK_PREFIX}{author}"


def ack_author(silence: Silence) -> str | None:
    """Who acknowledged, when this silence is an ack; None for any other silence."""
    match = _WHO.match(silence.comment or "")
    if match is None:
        return None
    return match.group(1).strip() or silence.created_by or "unknown"


def is_ack(silence: Silence) -> bool:
    return ack_author(silence) is not None


def live(silence: Silence) -> bool:
    return silence.state in ("active", "pending")


def mark_acks(alerts: tuple[Alert, ...], silences: tuple[Silence, ...]) -> tuple[Alert, ...]:
    """The alerts with `acked_by` set for those an active ack silence mutes."""
    acks = {s.id: author for s in silences if s.state == "active" and (author := ack_author(s))}
    if not acks:
        return alerts
    out = []
    for alert in alerts:
        who = next((acks[i] for i in alert.silenced_by if i in acks), None)
        out.append(dataclasses.replace(alert, acked_by=who) if who else alert)
    return tuple(out)


def exact_matchers(alert: Alert) -> list[WireMatcher]:
    """Matchers for exactly this alert: every label, by equality."""
    return [
        WireMatcher(name=name, value=value, isRegex=False, isEqual=True)
        for name, value in alert.labels
    ]


def acks_for(alert: Alert, silences: tuple[Silence, ...]) -> list[Silence]:
    """The live ack silences that cover this alert (by id, or by matching its labels)."""
    from console.matchers import matchers_match

    labels = alert.label_map
    return [
        s
        for s in silences
        if live(s)
        and is_ack(s)
        and (s.id in alert.silenced_by or matchers_match(s.matchers, labels))
    ]
