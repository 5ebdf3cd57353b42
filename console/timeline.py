"""The shared war-room timeline: alerts, incident changes, actions and notes, told once.

Every entry is appended (flushed and fsynced) to a local JSONL file first, so the story
survives a crash and works offline. When `warroom.redis_url` is set, `sync()` also sends
entries to a Redis stream and pulls everyone else's, so every console on the stack sees
the same story; entries added while Redis is away stay pending (on disk, across console
restarts) and are sent when it is back. Entries carry a unique `id`; readers deduplicate.

With a war-room key (`warroom.key_env`), every entry this console sends carries `sig`:
HMAC-SHA256 over the entry without `sig`, as UTF-8 JSON with sorted keys, separators
`,` and `:`, non-ASCII kept (`canonical`). An entry pulled without a valid signature is
kept but `verified=False`: marked everywhere, left out of counts, and it never
displaces a verified entry or one of ours with the same id.

Redis keys (for an environment of a config with `environments:`, every key starts with
`genesis-console:env:<env>:` instead of `genesis-console:`, see paths.warroom_prefix):
  genesis-console:timeline                stream, one field `entry` = Entry JSON (+ `sig`),
                                          trimmed to about 10 000 entries (MAXLEN ~)
  genesis-console:presence:<console_id>   JSON {console_id, user, host, ssh_client, since,
                                          seats: ["oncall1 from /dev/pts/3", ...]},
                                          expires PRESENCE_TTL seconds after the last heartbeat

Local file lines (JSONL, torn last line tolerated):
  {...entry..., "sync": "pending"}   added here; to be sent until a marker names its id
  {...entry..., "sync": "remote", "verified": true|false|null}
                                     pulled from the stream, with this console's verdict
  {"sent": [ids], "run_id": "..."}   marker: these ids reached the Redis server `run_id`

This module never imports Textual and imports redis only when it first talks to Redis.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import math
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console import jsonl, paths
from console.audit import who as _who
from console.clock import format_seconds, format_utc, parse_iso
from console.text import clean, redact

if TYPE_CHECKING:
    from console.config import TlsConfig

STREAM_KEY = "genesis-console:timeline"
PRESENCE_PREFIX = "genesis-console:presence:"
#: the stream is trimmed to about this many entries (approximate MAXLEN)
STREAM_MAXLEN = 10_000
#: presence keys expire this many seconds after the last heartbeat
PRESENCE_TTL = 15
#: after a Redis restart, our own entries this recent are sent again if the stream lost them
RESEND_WINDOW = 48 * 3600

#: one sync reads at most this many stream entries, and about this many bytes of them;
#: the rest waits for the next sync (a flood must not freeze the console or fill the disk)
SYNC_MAX_ENTRIES = 2_000
SYNC_MAX_BYTES = 4 * 1024 * 1024
#: a stream entry bigger than this is not one a console wrote: skipped, never parsed
ENTRY_MAX_BYTES = 64 * 1024

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
#: stream items per round trip (each is held in memory whole, whatever its size)
_READ_BATCH = 200
_TEXT_LIMIT = 2000
_ID = re.compile(r"[0-9A-Za-z_.:-]{1,80}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
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
            who=_who_of(person),
            text=_one_line(text if isinstance(text, str) else ""),
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


def _who_of(person: dict[str, Any]) -> dict[str, str | None]:
    """user, host and ssh_client (None when unknown), and tty only when known: entries
    without a seat keep the shape (and signatures) they always had."""
    found = {key: _opt_str(person.get(key)) for key in ("user", "host", "ssh_client")}
    if person.get("tty") is not None:
        found["tty"] = _opt_str(person.get("tty"))
    return found


def _opt_str(value: Any) -> str | None:
    return None if value is None else _unpaired(str(value)[:200])


def _one_line(text: str) -> str:
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


# ---------------------------------------------------------------- the local file


_append_lines = jsonl.append
_read_lines = jsonl.read


def _verdict(record: dict[str, Any], keyed: bool) -> bool | None:
    """A local line's verdict: ours (`pending`) are trusted, pulled ones as judged then."""
    if not keyed:
        return None
    return record.get("sync") == "pending" or record.get("verified") is True


def read_timeline_file(path: Path, *, keyed: bool = False) -> list[Entry]:
    """Every readable entry in a timeline file, in file order (duplicates included);
    `keyed`: this console holds a war-room key, so pulled entries carry their verdict."""
    found = []
    for record in _read_lines(path):
        if "sent" in record:
            continue
        try:
            entry = Entry.from_json(record)
        except ValueError:
            continue
        found.append(dataclasses.replace(entry, verified=_verdict(record, keyed)))
    return found


def merge(*groups: Iterable[Entry], since: float | None = None) -> list[Entry]:
    """Entries deduplicated by id, filtered by `since`, sorted by time. The first seen
    wins, except that an unverified entry never displaces one that counts."""
    seen: dict[str, Entry] = {}
    for group in groups:
        for entry in group:
            if since is not None and entry.time < since:
                continue
            held = seen.get(entry.id)
            if held is None or (not held.counts and entry.counts):
                seen[entry.id] = entry
    return sorted(seen.values(), key=lambda e: (e.time, e.id))


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
        text = _one_line(text)[: _TEXT_LIMIT - len(mark)] + mark
        data["not_in_audit_log"] = redact(unrecorded)
    return Entry(
        id=audit_entry_id(record),
        time=moment,
        kind="action",
        who=_who_of(record),
        text=_one_line(text),
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


# ---------------------------------------------------------------- the timeline


@dataclass
class _SyncResult:
    new: list[Entry]
    last_id: str
    run_id: str | None
    sent: list[str]
    #: the read stopped at a sync's share: more entries wait for the next sync
    more: bool = False


def _stream_id(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _size(fields: dict[Any, Any]) -> int:
    return sum(len(k) + len(v) for k, v in fields.items() if isinstance(v, (bytes, str)))


def _fetch(
    client: Any, start: str | None, stream_key: str = STREAM_KEY
) -> tuple[list[tuple[Any, dict]], str, bool]:
    """At most one sync's share of stream items (SYNC_MAX_ENTRIES, about SYNC_MAX_BYTES),
    oldest first: from after `start`, or, with no `start` (a console joining, a server
    that restarted), the newest items; older ones are not read at all. Returns the
    items, the stream id to read on from, and whether more items are already waiting."""
    got: list[tuple[Any, dict]] = []
    size = 0
    if start is None:
        cursor = "+"
        while True:
            batch = client.xrevrange(stream_key, max=cursor, min="-", count=_READ_BATCH)
            got.extend(batch)
            size += sum(_size(fields) for _, fields in batch)
            if len(batch) < _READ_BATCH or len(got) >= SYNC_MAX_ENTRIES or size >= SYNC_MAX_BYTES:
                break
            cursor = "(" + _stream_id(batch[-1][0])
        got.reverse()
        return got, _stream_id(got[-1][0]) if got else "0-0", False
    last = start
    while True:
        count = min(_READ_BATCH, SYNC_MAX_ENTRIES - len(got))
        reply = client.xread({stream_key: last}, count=count)
        batch = reply[0][1] if reply else []
        got.extend(batch)
        size += sum(_size(fields) for _, fields in batch)
        if batch:
            last = _stream_id(batch[-1][0])
        if len(batch) < count:
            return got, last, False
        if len(got) >= SYNC_MAX_ENTRIES or size >= SYNC_MAX_BYTES:
            return got, last, True


class Timeline:
    """The local JSONL timeline, shared through a Redis stream when `redis_url` is set."""

    def __init__(
        self,
        local_path: Path,
        redis_url: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
        person: dict[str, Any] | None = None,
        console_id: str | None = None,
        timeout: float = 2.0,
        key: bytes | None = None,
        password: str | None = None,
        tls: TlsConfig | None = None,
        env: str | None = None,
    ) -> None:
        #: the war-room Redis keys: one stream and one presence set per environment
        prefix = paths.warroom_prefix(env)
        self.stream_key = prefix + STREAM_KEY.removeprefix("genesis-console:")
        self.presence_prefix = prefix + PRESENCE_PREFIX.removeprefix("genesis-console:")
        #: why the local file could not be written (None while it can)
        self.local_error: str | None = None
        self.local_path = Path(local_path)
        self.redis_url = redis_url
        self.clock = clock
        self.person = dict(person) if person is not None else _who()
        self.console_id = console_id or uuid.uuid4().hex[:12]
        #: the tmux seats watching this console (`oncall1 from /dev/pts/3`), for presence
        self.seats: list[str] = []
        self.timeout = timeout
        #: True after a successful Redis call, False after a failed one, None before either
        self.online: bool | None = None
        #: one sentence about the war room's state, fit for the screen
        self.status = "war room: local timeline only" if not redis_url else "war room: connecting"
        self.offline_since: float | None = None
        self._client: Any = None
        self._loaded = False
        # the war-room key: signs what we send, checks what we pull; never shown or logged
        self._key = key or None
        self._password = password
        self._tls = tls
        #: ids of entries that count (ours, verified, or any without a key)
        self._known: set[str] = set()
        #: ids of unverified entries recorded (they never block one that counts)
        self._doubtful: set[str] = set()
        self._pending: dict[str, Entry] = {}
        self._run_id: str | None = None
        self._last_id: str | None = None
        self._sync_lock = asyncio.Lock()
        self._opened: float | None = None

    # -- local state

    def _load(self) -> None:
        if self._loaded:
            return
        pending: dict[str, Entry] = {}
        sent: set[str] = set()
        for record in _read_lines(self.local_path):
            if "sent" in record:
                if isinstance(record["sent"], list):
                    sent.update(str(i) for i in record["sent"])
                if isinstance(record.get("run_id"), str):
                    self._run_id = record["run_id"]
                continue
            try:
                entry = Entry.from_json(record)
            except ValueError:
                continue
            if _verdict(record, self.keyed) is False:
                self._doubtful.add(entry.id)
            else:
                self._known.add(entry.id)
            if record.get("sync") == "pending":
                pending.setdefault(entry.id, entry)
        self._pending = {i: e for i, e in pending.items() if i not in sent}
        self._loaded = True

    @property
    def keyed(self) -> bool:
        """True when this console holds a war-room key (entries are signed and checked)."""
        return self._key is not None

    @property
    def pending(self) -> list[Entry]:
        """Entries added here and not yet sent to Redis (always empty without Redis)."""
        self._load()
        return list(self._pending.values()) if self.redis_url else []

    def make(
        self,
        kind: str,
        text: str,
        data: dict[str, Any] | None = None,
        *,
        entry_id: str | None = None,
        at: float | None = None,
        who: dict[str, Any] | None = None,
    ) -> Entry:
        """Build an entry from this console's person, or `who` (the seat that acted)."""
        if kind not in KINDS:
            raise ValueError(f"unknown timeline entry kind {kind!r}; one of {', '.join(KINDS)}")
        return Entry(
            id=entry_id or new_id(),
            time=self.clock() if at is None else at,
            kind=kind,
            who=_who_of(who if who is not None else self.person),
            text=_one_line(str(text)),
            data=plain(dict(data or {})),
            verified=self._own_verdict(),
        )

    def _own_verdict(self) -> bool | None:
        return True if self.keyed else None

    def add(
        self,
        kind: str,
        text: str,
        data: dict[str, Any] | None = None,
        *,
        entry_id: str | None = None,
        at: float | None = None,
        who: dict[str, Any] | None = None,
    ) -> Entry:
        """Append an entry durably to the local file and queue it for Redis; never blocks on the network."""
        return self.add_entry(self.make(kind, text, data, entry_id=entry_id, at=at, who=who))

    def add_entry(self, entry: Entry) -> Entry:
        """Record a prepared entry (e.g. `entry_from_audit(record)`); a known id is ignored."""
        self.add_entries([entry])
        return entry

    def add_entries(self, entries: list[Entry]) -> list[Entry]:
        """Record several entries with one durable write; known ids are ignored."""
        self._load()
        fresh: dict[str, Entry] = {}
        for entry in entries:
            # an unverified entry squatting the id does not stop ours: only ids that count do
            if entry.id not in self._known and entry.id not in fresh:
                fresh[entry.id] = dataclasses.replace(entry, verified=self._own_verdict())
        try:
            _append_lines(
                self.local_path, [{**e.to_json(), "sync": "pending"} for e in fresh.values()]
            )
        except OSError as exc:
            # a full or read-only disk must not stop the console: keep them in memory
            self.local_error = f"cannot write {self.local_path}: {exc.strerror or exc}"
        else:
            self.local_error = None
        self._known.update(fresh)
        self._pending.update(fresh)
        return list(fresh.values())

    def entries(self, since: float | None = None) -> list[Entry]:
        """Everything known (ours and pulled), deduplicated by id, sorted by time."""
        return merge(read_timeline_file(self.local_path, keyed=self.keyed), since=since)

    # -- Redis

    def _redis(self) -> Any:
        if self._client is None:
            from console.sources.redis import redis_client

            self._client = redis_client(self.redis_url, self.timeout, self._password, self._tls)
        return self._client

    def _went_ok(self) -> None:
        self.online = True
        self.offline_since = None
        self.status = "war room online"

    def _went_wrong(self, exc: BaseException) -> None:
        if self.offline_since is None:
            self.offline_since = self.clock()
        self.online = False
        since = format_utc(self.offline_since, "%H:%M")
        waiting = len(self._pending)
        queued = f"; {waiting} entr{'y' if waiting == 1 else 'ies'} kept to send" if waiting else ""
        self.status = f"war room offline since {since} UTC: {self._reason(exc)}{queued}"

    def _reason(self, exc: BaseException) -> str:
        text = str(exc)
        lowered = text.lower()
        if getattr(exc, "is_tls", False):  # already one plain sentence (redis_client)
            return _CONTROL.sub(" ", text)[:160]
        from console.sources.tlsclient import tls_text_sentence

        found = tls_text_sentence(text)
        if found:
            return found
        if "refused" in lowered or "error 111" in lowered:
            return "connection refused"
        if isinstance(exc, TimeoutError) or "timeout" in lowered or "timed out" in lowered:
            return f"no answer within {self.timeout:g}s"
        if "closed" in lowered or "reset" in lowered:
            return "connection closed"
        if "name or service not known" in lowered or "nodename" in lowered:
            return "host does not resolve"
        if text.startswith(("NOAUTH", "WRONGPASS")) or type(exc).__name__ == "AuthenticationError":
            return "login refused (check the password)"
        return f"{type(exc).__name__}: {_CONTROL.sub(' ', redact(text))[:120]}"

    async def sync(self) -> list[Entry]:
        """Send pending entries, pull new ones from the stream; the new entries from others."""
        if not self.redis_url:
            return []
        from console.sources.base import run_blocking

        async with self._sync_lock:
            self._load()
            pending = list(self._pending.values())
            try:
                result = await run_blocking(self._sync_blocking, pending, self._last_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._went_wrong(exc)
                return []
            for entry_id in result.sent:
                self._pending.pop(entry_id, None)
            self._last_id = result.last_id
            self._run_id = result.run_id
            for entry in result.new:
                (self._known if entry.counts else self._doubtful).add(entry.id)
            self._went_ok()
            if result.more:
                self.status = "war room online, catching up with a busy stream"
            return result.new

    def _sync_blocking(self, pending: list[Entry], last_id: str | None) -> _SyncResult:
        client = self._redis()
        run_id = client.info("server").get("run_id")
        run_id = run_id.decode() if isinstance(run_id, bytes) else run_id
        restarted = self._run_id is not None and run_id != self._run_id
        new, last, in_stream, more = self._read_stream(
            client, None if last_id is None or restarted else last_id
        )
        to_send = {e.id: e for e in pending}
        if restarted:
            # the server may have lost the stream: send our own recent entries it lacks
            horizon = self.clock() - RESEND_WINDOW
            for record in _read_lines(self.local_path):
                if record.get("sync") != "pending" or record.get("id") in in_stream:
                    continue
                try:
                    entry = Entry.from_json(record)
                except ValueError:
                    continue
                if entry.time >= horizon:
                    to_send.setdefault(entry.id, entry)
        if to_send:
            pipe = client.pipeline(transaction=False)
            for entry in to_send.values():
                body = plain(entry.to_json())
                if self._key is not None:
                    body["sig"] = sign(body, self._key)
                payload = json.dumps(body, ensure_ascii=False)
                pipe.xadd(
                    self.stream_key, {"entry": payload}, maxlen=STREAM_MAXLEN, approximate=True
                )
            pipe.execute()
        if to_send or run_id != self._run_id:
            _append_lines(self.local_path, [{"sent": list(to_send), "run_id": run_id}])
        return _SyncResult(new=new, last_id=last, run_id=run_id, sent=list(to_send), more=more)

    def _read_stream(
        self, client: Any, start: str | None
    ) -> tuple[list[Entry], str, set[str], bool]:
        """New entries from at most one sync's share of the stream, the last stream id
        read, every entry id seen, and whether more is waiting for the next sync."""
        items, last, more = _fetch(client, start, self.stream_key)
        new: dict[str, Entry] = {}
        seen_here: set[str] = set()
        for _stream_id, fields in items:
            raw = fields.get(b"entry", fields.get("entry"))
            if raw is None or len(raw) > ENTRY_MAX_BYTES:
                continue  # not something a console wrote: skip it unread
            try:
                value = json.loads(raw)
                entry = Entry.from_json(value)
            except (ValueError, TypeError):
                continue  # not ours, or not an entry: skip, never interpret
            if self._key is not None:
                entry = dataclasses.replace(entry, verified=signature_ok(value, self._key))
            if entry.counts:  # a forged copy must not pass for ours after a Redis restart
                seen_here.add(entry.id)
            if entry.id in self._known:
                continue  # ours, or one that counts: nothing can displace it
            held = new.get(entry.id)
            if entry.counts:
                if held is None or not held.counts:
                    new[entry.id] = entry
            elif held is None and entry.id not in self._doubtful:
                new[entry.id] = entry  # unverified, kept (marked) once
        if new:
            _append_lines(
                self.local_path,
                [{**e.to_json(), "sync": "remote", "verified": e.verified} for e in new.values()],
            )
        return list(new.values()), last, seen_here, more

    # -- presence

    def _presence_key(self) -> str:
        return self.presence_prefix + self.console_id

    async def heartbeat(self) -> bool:
        """Say we have a console open (expires after PRESENCE_TTL s); False when Redis is away."""
        if not self.redis_url:
            return False
        from console.sources.base import run_blocking

        value = json.dumps(
            {
                "console_id": self.console_id,
                **{k: self.person.get(k) for k in ("user", "host", "ssh_client")},
                "since": self._opened_at(),
                "seats": list(self.seats[:20]),
            }
        )
        try:
            await run_blocking(
                lambda: self._redis().set(self._presence_key(), value, ex=PRESENCE_TTL)
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._went_wrong(exc)
            return False
        if self.online is not True:
            self._went_ok()
        return True

    def _opened_at(self) -> float:
        if self._opened is None:
            self._opened = self.clock()
        return self._opened

    async def presence(self) -> list[dict[str, Any]]:
        """Who has a console open on this stack (oldest first); [] when Redis is away."""
        if not self.redis_url:
            return []
        from console.sources.base import run_blocking

        def collect() -> list[dict[str, Any]]:
            client = self._redis()
            keys = list(client.scan_iter(match=self.presence_prefix + "*", count=100))
            values = client.mget(keys) if keys else []
            people = []
            for key, raw in zip(keys, values, strict=True):
                if raw is None:
                    continue  # expired between SCAN and MGET
                try:
                    value = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(value, dict):
                    continue
                key = key.decode() if isinstance(key, bytes) else str(key)
                since = value.get("since")
                seats = value.get("seats")
                seats = seats if isinstance(seats, list) else []
                people.append(
                    {
                        "console_id": key[len(self.presence_prefix) :],
                        **{k: _opt_str(value.get(k)) for k in ("user", "host", "ssh_client")},
                        "since": since if isinstance(since, (int, float)) else None,
                        "seats": [_opt_str(x) for x in seats[:20] if isinstance(x, str)],
                    }
                )
            return sorted(people, key=lambda p: (p["since"] or 0, p["console_id"]))

        try:
            return await run_blocking(collect)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._went_wrong(exc)
            return []

    async def leave(self) -> None:
        """Remove our presence key (best effort) and close the connection."""
        if not self.redis_url:
            return
        from console.sources.base import run_blocking

        try:
            await run_blocking(lambda: self._redis().delete(self._presence_key()))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._went_wrong(exc)
        await self.close()

    async def close(self) -> None:
        """Close the Redis connection pool."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:
                pass


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


# ---------------------------------------------------------------- rendering

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
            value = entry.data.get("recovery_seconds")
            if valid_time(value) is not None:  # a finite, non-negative number of seconds
                recovery = float(value)
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
