"""A timeline entry: what one is, how an untrusted one is checked and signed, and the
entry each audit record makes. Plain data; no I/O but reading the audit log."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.clock import parse_iso
from console.text import redact

#: alert_silenced / alert_inhibited: an alert that still fires but is suppressed (not resolved)
KINDS = (
    "alert_firing",
    "alert_resolved",
    "alert_silenced",
    "alert_inhibited",
    "incident",
    "action",
    "note",
    "seat",
    "checklist",
    "ack",
    "ack_released",
)
#: seat: someone attached to or detached from the console's tmux session (console.seats);
#: checklist: a P0 checklist item ticked (console.checklist)
_TEXT_LIMIT = 2000
_ID = re.compile(r"[0-9A-Za-z_.:-]{1,80}")
#: half of a UTF-16 pair on its own: JSON allows it (`"\\ud800"`), UTF-8 cannot encode it
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: the times an entry may carry: those a date can be shown for (1970 to the end of 9999)
EARLIEST = 0.0
LATEST = 253402300799.0
#: how deep an entry's `data` may nest; deeper values are dropped
_DATA_DEPTH = 8


@dataclass(frozen=True)
class Entry:
    """One timeline entry: when, who, what kind, one line of text, and structured data."""

    id: str
    time: float
    kind: str
    who: dict[str, str | None]
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    #: this console's verdict, never taken from the entry itself: True signed with our
    #: war-room key (or our own), False unsigned or badly signed while we hold a key,
    #: None when there is no key to check with (every entry counts, as it always did)
    verified: bool | None = None

    @property
    def counts(self) -> bool:
        """False for an unverified entry: shown (marked), never counted."""
        return self.verified is not False

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON-ready dict (the shape of the stream and `--format json`)."""
        return {
            "id": self.id,
            "time": self.time,
            "kind": self.kind,
            "who": dict(self.who),
            "text": self.text,
            "data": self.data,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any] | str | bytes) -> Entry:
        """Parse and check an entry from untrusted JSON; ValueError when it is not one."""
        if isinstance(value, (str, bytes)):
            value = json.loads(value)
        if not isinstance(value, dict):
            raise ValueError("an entry is a JSON object")
        entry_id, moment, kind = value.get("id"), value.get("time"), value.get("kind")
        if not isinstance(entry_id, str) or not _ID.fullmatch(entry_id):
            raise ValueError("bad entry id")
        moment = valid_time(moment)
        if moment is None:
            raise ValueError("bad entry time")
        if kind not in KINDS:
            raise ValueError(f"unknown entry kind {kind!r}")
        person = value.get("who")
        person = person if isinstance(person, dict) else {}
        text = value.get("text")
        data = value.get("data")
        return cls(
            id=entry_id,
            time=moment,
            kind=kind,
            who=who_of(person),
            text=one_line(text if isinstance(text, str) else ""),
            data=plain(data) if isinstance(data, dict) else {},
        )


def valid_time(value: Any) -> float | None:
    """`value` as epoch seconds when it is a time the console can show, else None.

    NaN, infinities and times outside 1970..9999 come only from a broken or hostile
    writer; `datetime.fromtimestamp` would raise on them, in every view and export.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        moment = float(value)
    except OverflowError:  # an integer beyond any float
        return None
    if not math.isfinite(moment) or not EARLIEST <= moment <= LATEST:
        return None
    return moment


def _unpaired(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def plain(value: Any, depth: int = 0) -> Any:
    """JSON data made safe to store, send and show: no lone surrogates (they cannot be
    written as UTF-8), no NaN or infinity, no integer beyond a float, nesting bounded,
    and no URL password (masked before anything is written, sent or signed)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _unpaired(redact(value))
    if isinstance(value, int):
        return value if abs(value) <= 2**63 else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= _DATA_DEPTH:
        return None
    if isinstance(value, dict):
        return {_unpaired(redact(str(k))): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    return _unpaired(redact(str(value)))


def who_of(person: dict[str, Any]) -> dict[str, str | None]:
    """user, host and ssh_client (None when unknown), and tty only when known: entries
    without a seat keep the shape (and signatures) they always had."""
    found = {key: opt_str(person.get(key)) for key in ("user", "host", "ssh_client")}
    if person.get("tty") is not None:
        found["tty"] = opt_str(person.get("tty"))
    return found


def opt_str(value: Any) -> str | None:
    return None if value is None else _unpaired(str(value)[:200])


def one_line(text: str) -> str:
    text = redact(text.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    return _unpaired(text[:_TEXT_LIMIT])


def new_id() -> str:
    """A fresh entry id (uuid4 hex)."""
    return uuid.uuid4().hex


# ---------------------------------------------------------------- signatures


def key_from_env(name: str | None) -> bytes | None:
    """The war-room key held by environment variable `name` (None: unset, empty or no name)."""
    import os

    value = os.environ.get(name, "") if name else ""
    return value.encode("utf-8") if value else None


def canonical(entry: dict[str, Any]) -> bytes:
    """What a signature covers: the entry without `sig`, as UTF-8 JSON with sorted keys,
    separators `,` and `:`, non-ASCII kept (ValueError for NaN or infinity)."""
    body = {k: v for k, v in entry.items() if k != "sig"}
    text = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def sign(entry: dict[str, Any], key: bytes) -> str:
    """The entry's `sig`: HMAC-SHA256 of `canonical(entry)` with `key`, lowercase hex."""
    return hmac.new(key, canonical(entry), hashlib.sha256).hexdigest()


def signature_ok(entry: dict[str, Any], key: bytes) -> bool:
    """True when the entry carries the `sig` that `key` gives it."""
    sig = entry.get("sig")
    if not isinstance(sig, str):
        return False
    try:
        expected = sign(entry, key)
    except (ValueError, TypeError):  # NaN, lone surrogates: nothing a signer could send
        return False
    return hmac.compare_digest(sig.encode("utf-8", "replace"), expected.encode("ascii"))


# ---------------------------------------------------------------- audit records


def audit_entry_id(record: dict[str, Any]) -> str:
    """A deterministic entry id for one audit record, so the app and the CLI agree on it."""
    keys = ("time", "user", "host", "ssh_client", "action", "target", "outcome", "message")
    canonical = json.dumps([str(record.get(k)) for k in keys], ensure_ascii=False)
    return "audit-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def entry_from_audit(record: dict[str, Any], *, unrecorded: str | None = None) -> Entry | None:
    """The `action` entry for one audit record (None when the record has no readable time).

    `unrecorded` says why the record could not be written to the audit log: the action
    still ran, so the timeline tells it, marked "not in the audit log".
    """
    moment = valid_time(parse_iso(record.get("time")))
    if moment is None:
        return None
    action = str(record.get("action") or "action")
    target = record.get("target")
    outcome = str(record.get("outcome") or "?")
    message = record.get("message")
    text = f"{action}" + (f" {target}" if target else "") + f": {outcome}"
    if message:
        text += f" ({message})"
    data = plain(
        {
            k: record.get(k)
            for k in ("action", "target", "outcome", "message", "duration", "undo", "plan")
            if k in record
        }
    )
    if unrecorded:
        # the mark survives however long the message is
        mark = f" — not in the audit log: {unrecorded}"[: _TEXT_LIMIT // 4]
        text = one_line(text)[: _TEXT_LIMIT - len(mark)] + mark
        data["not_in_audit_log"] = redact(unrecorded)
    return Entry(
        id=audit_entry_id(record),
        time=moment,
        kind="action",
        who=who_of(record),
        text=one_line(text),
        data=data,
    )


def entries_from_audit(audit_path: Path, since: float | None = None) -> list[Entry]:
    """Every audit record at or after `since` as an `action` entry, oldest first."""
    from console.audit import AuditLog

    found = []
    for record in AuditLog(audit_path).records():
        entry = entry_from_audit(record)
        if entry is not None and (since is None or entry.time >= since):
            found.append(entry)
    return sorted(found, key=lambda e: e.time)
