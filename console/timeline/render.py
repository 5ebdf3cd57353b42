"""The timeline for people: Markdown for a post-mortem, JSON for tools, and the line
that says who has a console open. Every outside string is escaped or cleaned."""

from __future__ import annotations

import json
import re
from typing import Any

from console.clock import format_seconds, format_utc
from console.text import clean
from console.timeline.entry import KINDS, Entry, valid_time


def describe_presence(people: list[dict[str, Any]]) -> str:
    """A presence line like `alice@web1 (10.0.0.5), bob@web2` for the screen."""
    return ", ".join(_who_text(p) for p in people) or "nobody"


def _who_text(person: dict[str, Any]) -> str:
    user = person.get("user") or "?"
    host = person.get("host")
    text = f"{user}@{host}" if host else str(user)
    if person.get("tty"):
        text += f" on {person['tty']}"
    if person.get("ssh_client"):
        text += f" ({person['ssh_client']})"
    seats = person.get("seats")
    if isinstance(seats, list) and seats:
        text += " [seats: " + ", ".join(clean(s, 60) for s in seats[:20]) + "]"
    return text


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
_LABELS = {
    "alert_firing": "FIRING",
    "alert_resolved": "RESOLVED",
    "alert_silenced": "SILENCED",
    "alert_inhibited": "INHIBITED",
    "incident": "INCIDENT",
    "action": "ACTION",
    "note": "NOTE",
    "seat": "SEAT",
    "checklist": "CHECKLIST",
    "ack": "ACK",
    "ack_released": "ACK RELEASED",
}


def md_escape(value: Any) -> str:
    """Untrusted text as one literal Markdown table cell: no control chars, markup or pipes."""
    text = clean(value, 10_000)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).strip()


def _summary(entries: list[Entry]) -> str:
    unverified = sum(1 for e in entries if not e.counts)
    entries = [e for e in entries if e.counts]
    classes: list[str] = []
    recovery: float | None = None
    counts = dict.fromkeys(KINDS, 0)
    outcomes: dict[str, int] = {}
    for entry in entries:
        if entry.kind == "alert_firing" and entry.data.get("again"):
            continue  # the same alert firing again once unsilenced: not another alert
        counts[entry.kind] += 1
        if entry.kind == "incident":
            level = entry.data.get("class", entry.data.get("to"))
            if level and str(level) not in classes:
                classes.append(str(level))
            seconds = valid_time(entry.data.get("recovery_seconds"))
            if seconds is not None:  # a finite, non-negative number of seconds
                recovery = seconds
        if entry.kind == "action":
            outcome = str(entry.data.get("outcome") or "?")
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    parts = [
        "incident classes " + ", ".join(md_escape(c) for c in classes)
        if classes
        else "no incident class recorded",
        f"{counts['alert_firing']} alert{'s' * (counts['alert_firing'] != 1)} fired, "
        f"{counts['alert_resolved']} resolved"
        # silenced or inhibited alerts still fire: told apart, never counted as resolved
        + "".join(
            f", {counts[kind]} {word}"
            for kind, word in (("alert_silenced", "silenced"), ("alert_inhibited", "inhibited"))
            if counts[kind]
        ),
        f"{counts['action']} action{'s' * (counts['action'] != 1)}"
        + (
            " (" + ", ".join(f"{n} {md_escape(o)}" for o, n in sorted(outcomes.items())) + ")"
            if outcomes
            else ""
        ),
        f"{counts['note']} note{'s' * (counts['note'] != 1)}",
    ]
    if recovery is not None:
        parts.append(f"time to recovery {format_seconds(recovery)}")
    if unverified:
        parts.append(f"{unverified} unverified entr{'y' if unverified == 1 else 'ies'} not counted")
    return " · ".join(parts)


def render_markdown(
    entries: list[Entry],
    *,
    title: str = "GENESIS war-room timeline",
    since: float | None = None,
    until: float | None = None,
    now: float | None = None,
) -> str:
    """The timeline as Markdown ready to paste into a post-mortem; a P0 brings its
    checklist and, until 48 h after recovery (judged at `now`), "post-mortem due"."""
    entries = sorted(entries, key=lambda e: (e.time, e.id))
    start = since if since is not None else (entries[0].time if entries else None)
    end = until if until is not None else (entries[-1].time if entries else None)
    lines = [f"# {md_escape(title)}", ""]
    if start is not None and end is not None:
        lines.append(f"**Window:** {format_utc(start)} → {format_utc(end)} UTC")
        lines.append("")
    lines.append(f"**Summary:** {_summary(entries)}")
    lines.append("")
    if not entries:
        lines.append("_No entries in this window._")
        return "\n".join(lines) + "\n"
    lines.append("| time (UTC) | who | what |")
    lines.append("|---|---|---|")
    for entry in entries:
        mark = "" if entry.counts else "_(unverified)_ "
        what = f"**{_LABELS.get(entry.kind, entry.kind)}** {mark}{md_escape(entry.text)}"
        lines.append(f"| {format_utc(entry.time)} | {md_escape(_who_text(entry.who))} | {what} |")
    from console import checklist

    lines += checklist.render_markdown(entries, now if now is not None else (end or 0.0))
    return "\n".join(lines) + "\n"


def render_json(entries: list[Entry]) -> str:
    """The timeline as a JSON list of entries, oldest first; with a war-room key each
    entry also says whether it was `verified`."""
    ordered = sorted(entries, key=lambda e: (e.time, e.id))
    return json.dumps(
        [
            e.to_json() if e.verified is None else {**e.to_json(), "verified": e.verified}
            for e in ordered
        ],
        ensure_ascii=False,
        indent=2,
        default=str,
    )
