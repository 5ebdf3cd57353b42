"""The runbook's P0 response as a checklist: what is due, by when, and who ticked it.

Runbook (Incident Response Procedures, P0): war room call, status page updated within
5 minutes, all-hands until resolved, post-mortem within 48 hours. When a P0 opens the
console counts down to the status-page deadline; the items below are ticked from the
console and every tick is a `checklist` entry on the shared timeline, so the checklist
is the same on every console and is rebuilt from the story (never kept elsewhere).

Entry data: {"item": one of ITEMS' ids, "incident": the incident id, "p0_at": epoch}.
The "escalation sent" item also counts an escalate action that went through.
This module never imports Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from console.clock import format_seconds, format_utc
from console.text import clean
from console.timeline import valid_time

#: seconds after the P0 opens by which the status page must be updated
STATUS_PAGE_SECONDS = 5 * 60
#: seconds after recovery by which the post-mortem is due
POSTMORTEM_SECONDS = 48 * 3600

#: id, label, seconds after the P0 opened by which it is due (None: no deadline)
ITEMS: tuple[tuple[str, str, float | None], ...] = (
    ("status_page", "status page updated", STATUS_PAGE_SECONDS),
    ("customer_success", "customer success told", None),
    ("escalation", "escalation sent", None),
    ("postmortem_owner", "post-mortem owner named", None),
)
LABELS = {item: label for item, label, _ in ITEMS}


@dataclass(frozen=True)
class Tick:
    """One item done: by whom (a seat, e.g. `oncall1 from /dev/pts/3`) and when."""

    item: str
    who: str
    at: float


@dataclass
class Checklist:
    """The P0 checklist of one incident."""

    incident: str
    opened_at: float
    ticks: dict[str, Tick] = field(default_factory=dict)

    def due_at(self, item: str) -> float | None:
        """When the item is due (epoch), or None when the runbook sets no deadline."""
        for key, _, after in ITEMS:
            if key == item and after is not None:
                return self.opened_at + after
        return None

    def overdue(self, now: float) -> list[str]:
        """The items past their deadline and not ticked."""
        return [
            item
            for item, _, _ in ITEMS
            if item not in self.ticks and (due := self.due_at(item)) is not None and now > due
        ]

    @property
    def open_items(self) -> list[str]:
        return [item for item, _, _ in ITEMS if item not in self.ticks]

    def header(self, now: float) -> tuple[str, bool]:
        """The header's countdown and whether it is overdue (shown in the warning colour)."""
        due = self.due_at("status_page")
        if "status_page" not in self.ticks and due is not None:
            if now > due:
                return f"STATUS PAGE OVERDUE {format_seconds(now - due)}", True
            return f"status page due in {format_seconds(due - now)}", False
        left = len(self.open_items)
        if left:
            return f"P0 checklist: {left} open", False
        return "P0 checklist done", False


def _text(value: Any, limit: int = 80) -> str:
    return clean(value if isinstance(value, str) else "", limit)


def seat_text(person: dict[str, Any] | None) -> str:
    """`oncall1 from /dev/pts/3`, or the user alone when no terminal is known."""
    person = person or {}
    user = _text(person.get("user"), 60) or "someone"
    tty = _text(person.get("tty"), 60)
    return f"{user} from {tty}" if tty else user


def build(entries: Iterable[Any], incident: str, opened_at: float) -> Checklist:
    """The checklist of `incident` from timeline entries: ticks (the first tick of an item
    wins) and escalations that went through since the P0 opened."""
    found = Checklist(incident=incident, opened_at=opened_at)
    for entry in sorted(entries, key=lambda e: (e.time, e.id)):
        if not entry.counts:
            continue  # an unverified entry is shown, never counted
        data = entry.data or {}
        if entry.kind == "checklist" and data.get("incident") == incident:
            item = data.get("item")
            if item in LABELS and item not in found.ticks:
                found.ticks[item] = Tick(item, seat_text(entry.who), entry.time)
        elif (
            entry.kind == "action"
            and data.get("action") == "escalate"
            and data.get("outcome") == "ok"
            and entry.time >= opened_at
            and "escalation" not in found.ticks
        ):
            found.ticks["escalation"] = Tick("escalation", seat_text(entry.who), entry.time)
    return found


def tick_text(item: str) -> str:
    """The timeline text of a tick."""
    return f"P0 checklist: {LABELS.get(item, item)}"


# ---------------------------------------------------------------- the story (export)


@dataclass
class P0Story:
    """A P0 as the timeline tells it: when it opened, when it recovered, its checklist."""

    checklist: Checklist
    recovered_at: float | None

    @property
    def postmortem_due(self) -> float | None:
        return None if self.recovered_at is None else self.recovered_at + POSTMORTEM_SECONDS


def p0_stories(entries: list[Any]) -> list[P0Story]:
    """Every P0 in the entries: opened at the first `incident class P0` entry (or the first
    tick, when the window starts mid-incident), recovered at the next all-clear."""
    ordered = sorted((e for e in entries if e.counts), key=lambda e: (e.time, e.id))
    stories: list[P0Story] = []
    opened: tuple[str, float] | None = None
    for entry in ordered:
        data = entry.data or {}
        if entry.kind == "checklist" and opened is None:
            at = valid_time(data.get("p0_at"))
            incident = data.get("incident")
            if isinstance(incident, str) and at is not None:
                opened = (incident, at)
        elif entry.kind == "incident" and data.get("class") == "P0" and opened is None:
            opened = (str(data.get("incident") or int(entry.time)), entry.time)
        elif entry.kind == "incident" and "recovery_seconds" in data and opened is not None:
            stories.append(P0Story(_story_list(ordered, opened), entry.time))
            opened = None
    if opened is not None:
        stories.append(P0Story(_story_list(ordered, opened), None))
    return stories


def _story_list(entries: list[Any], opened: tuple[str, float]) -> Checklist:
    incident, at = opened
    # ticks name the incident id their console computed; match on the P0's time too
    ids = {
        (e.data or {}).get("incident")
        for e in entries
        if e.kind == "checklist" and valid_time((e.data or {}).get("p0_at")) == at
    }
    ids.add(incident)
    found = Checklist(incident=incident, opened_at=at)
    for one in ids:
        if isinstance(one, str):
            for item, tick in build(entries, one, at).ticks.items():
                found.ticks.setdefault(item, tick)
    return found


def render_markdown(entries: list[Any], now: float) -> list[str]:
    """The P0 checklist section of the exported story (no lines when there was no P0)."""
    lines: list[str] = []
    for story in p0_stories(entries):
        checklist = story.checklist
        lines += ["", f"## P0 checklist (P0 opened {format_utc(checklist.opened_at)} UTC)", ""]
        for item, label, _ in ITEMS:
            tick = checklist.ticks.get(item)
            due = checklist.due_at(item)
            if tick is not None:
                late = f", {format_seconds(tick.at - due)} late" if due and tick.at > due else ""
                lines.append(
                    f"- [x] {label}: {_md(tick.who)} at {format_utc(tick.at)} UTC "
                    f"({format_seconds(tick.at - checklist.opened_at)} after the P0 opened{late})"
                )
            elif due is not None and now > due:
                lines.append(f"- [ ] {label}: **OVERDUE** (due {format_utc(due)} UTC)")
            else:
                lines.append(f"- [ ] {label}")
        due = story.postmortem_due
        if due is not None and now < due:
            lines.append("")
            lines.append(
                f"**Post-mortem due** by {format_utc(due)} UTC "
                f"(48 h after recovery at {format_utc(story.recovered_at or 0)} UTC)"
            )
        elif due is None:
            lines.append("")
            lines.append("Post-mortem: due 48 h after recovery (not recovered yet)")
    return lines


def _md(value: str) -> str:
    from console.timeline import md_escape

    return md_escape(value)
