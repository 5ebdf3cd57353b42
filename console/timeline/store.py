"""The timeline itself: every entry appended (flushed and fsynced) to the local JSONL
file first, then shared through the war room's Redis stream when there is one
(console.timeline.redis_sync). The file's lines are described in console/timeline.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console import jsonl, paths
from console.audit import who as _who
from console.timeline import redis_sync
from console.timeline.entry import KINDS, Entry, new_id, one_line, plain, who_of
from console.timeline.redis_sync import (
    PRESENCE_PREFIX,
    PRESENCE_TTL,
    RESEND_WINDOW,
    STREAM_KEY,
    RedisLink,
    SyncResult,
)

if TYPE_CHECKING:
    import redis

    from console.config import TlsConfig


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
        self.clock = clock
        self.person = dict(person) if person is not None else _who()
        self.console_id = console_id or uuid.uuid4().hex[:12]
        #: the tmux seats watching this console (`oncall1 from /dev/pts/3`), for presence
        self.seats: list[str] = []
        self._loaded = False
        # the war-room key: signs what we send, checks what we pull; never shown or logged
        self._key = key or None
        self._link = RedisLink(
            redis_url,
            timeout=timeout,
            password=password,
            tls=tls,
            clock=lambda: self.clock(),
            waiting=lambda: len(self._pending),
        )
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
            who=who_of(who if who is not None else self.person),
            text=one_line(str(text)),
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

    # -- war-room state (kept by the Redis link)

    @property
    def redis_url(self) -> str | None:
        return self._link.url

    @property
    def timeout(self) -> float:
        return self._link.timeout

    @property
    def online(self) -> bool | None:
        """True after a successful Redis call, False after a failed one, None before either."""
        return self._link.online

    @property
    def status(self) -> str:
        """One sentence about the war room's state, fit for the screen."""
        return self._link.status

    @property
    def offline_since(self) -> float | None:
        return self._link.offline_since

    def gave_up(self, status: str) -> None:
        """The war room is offline for a reason found outside a Redis call (e.g. a sync
        that took too long as a whole); `status` says it."""
        self._link.online = False
        self._link.status = status

    # -- Redis

    async def sync(self) -> list[Entry]:
        """Send pending entries, pull new ones from the stream; the new entries from others."""
        if not self.redis_url:
            return []
        async with self._sync_lock:
            self._load()
            pending = list(self._pending.values())
            last_id = self._last_id
            ok, result = await self._link.call(
                lambda client: self._exchange(client, pending, last_id)
            )
            if not ok or result is None:
                return []
            for entry_id in result.sent:
                self._pending.pop(entry_id, None)
            self._last_id = result.last_id
            self._run_id = result.run_id
            for entry in result.new:
                (self._known if entry.counts else self._doubtful).add(entry.id)
            self._link.went_ok()
            if result.more:
                self._link.status = "war room online, catching up with a busy stream"
            return result.new

    def _exchange(
        self, client: redis.Redis, pending: list[Entry], last_id: str | None
    ) -> SyncResult:
        """One sync, in a thread: pull a share of the stream, then send what is pending
        (after a Redis restart, also our recent entries the stream lost)."""
        run_id = client.info("server").get("run_id")
        run_id = run_id.decode() if isinstance(run_id, bytes) else run_id
        restarted = self._run_id is not None and run_id != self._run_id
        new, last, in_stream, more = self._pull(
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
            redis_sync.send(client, self.stream_key, list(to_send.values()), self._key)
        if to_send or run_id != self._run_id:
            _append_lines(self.local_path, [{"sent": list(to_send), "run_id": run_id}])
        return SyncResult(new=new, last_id=last, run_id=run_id, sent=list(to_send), more=more)

    def _pull(
        self, client: redis.Redis, start: str | None
    ) -> tuple[list[Entry], str, set[str], bool]:
        """New entries from at most one sync's share of the stream, the last stream id
        read, every entry id seen, and whether more is waiting for the next sync."""
        items, last, more = redis_sync.fetch(client, start, self.stream_key)
        new: dict[str, Entry] = {}
        seen_here: set[str] = set()
        for _stream_id, fields in items:
            entry = redis_sync.decode(fields, self._key)
            if entry is None:
                continue
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
        value = json.dumps(
            {
                "console_id": self.console_id,
                **{k: self.person.get(k) for k in ("user", "host", "ssh_client")},
                "since": self._opened_at(),
                "seats": list(self.seats[:20]),
            }
        )
        key = self._presence_key()
        ok, _ = await self._link.call(lambda client: client.set(key, value, ex=PRESENCE_TTL))
        if not ok:
            return False
        if self.online is not True:
            self._link.went_ok()
        return True

    def _opened_at(self) -> float:
        if self._opened is None:
            self._opened = self.clock()
        return self._opened

    async def presence(self) -> list[dict[str, Any]]:
        """Who has a console open on this stack (oldest first); [] when Redis is away."""
        if not self.redis_url:
            return []
        prefix = self.presence_prefix
        ok, people = await self._link.call(lambda client: redis_sync.read_presence(client, prefix))
        return people if ok and people is not None else []

    async def leave(self) -> None:
        """Remove our presence key (best effort) and close the connection."""
        if not self.redis_url:
            return
        key = self._presence_key()
        await self._link.call(lambda client: client.delete(key))
        await self.close()

    async def close(self) -> None:
        """Close the Redis connection pool."""
        await self._link.close()
