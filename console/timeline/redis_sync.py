"""The war room's Redis side: one connection with one way to call it (`RedisLink.call`,
which also keeps the war room's state sentence), the stream read in bounded shares,
entries sent signed and pulled checked, and who has a console open (presence).

Imports redis only when it first talks to Redis.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from console.clock import format_utc
from console.text import redact
from console.timeline.entry import Entry, opt_str, plain, sign, signature_ok

if TYPE_CHECKING:
    import redis

    from console.config import TlsConfig

T = TypeVar("T")

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
#: stream items per round trip (each is held in memory whole, whatever its size)
_READ_BATCH = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass
class SyncResult:
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


def fetch(
    client: Any, start: str | None, stream_key: str = STREAM_KEY
) -> tuple[list[tuple[Any, dict[Any, Any]]], str, bool]:
    """At most one sync's share of stream items (SYNC_MAX_ENTRIES, about SYNC_MAX_BYTES),
    oldest first: from after `start`, or, with no `start` (a console joining, a server
    that restarted), the newest items; older ones are not read at all. Returns the
    items, the stream id to read on from, and whether more items are already waiting.

    `client` is a `redis.Redis`, typed Any here: redis-py annotates xrevrange and xread
    with every protocol's and decoding's reply shape at once (RESP3 dicts, str, None),
    none of which this bytes-mode RESP2 client returns."""
    got: list[tuple[Any, dict[Any, Any]]] = []
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


def encode(entry: Entry, key: bytes | None) -> str:
    """The stream field `entry` for one of ours: its JSON, signed when there is a key."""
    body = plain(entry.to_json())
    if key is not None:
        body["sig"] = sign(body, key)
    return json.dumps(body, ensure_ascii=False)


def send(client: redis.Redis, stream_key: str, entries: list[Entry], key: bytes | None) -> None:
    """Append entries to the stream in one round trip (the stream trimmed as it grows)."""
    pipe = client.pipeline(transaction=False)
    for entry in entries:
        pipe.xadd(stream_key, {"entry": encode(entry, key)}, maxlen=STREAM_MAXLEN, approximate=True)
    pipe.execute()


def decode(fields: dict[Any, Any], key: bytes | None) -> Entry | None:
    """The entry in one stream item, with our verdict on its signature when we hold a
    key; None for anything a console did not write (too big, not JSON, not an entry)."""
    raw = fields.get(b"entry", fields.get("entry"))
    if raw is None or len(raw) > ENTRY_MAX_BYTES:
        return None  # not something a console wrote: skip it unread
    try:
        value = json.loads(raw)
        entry = Entry.from_json(value)
    except (ValueError, TypeError):
        return None  # not ours, or not an entry: skip, never interpret
    if key is not None:
        entry = dataclasses.replace(entry, verified=signature_ok(value, key))
    return entry


def read_presence(client: redis.Redis, prefix: str) -> list[dict[str, Any]]:
    """Every console with a presence key under `prefix`, oldest first."""
    keys = list(client.scan_iter(match=prefix + "*", count=100))
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
                "console_id": key[len(prefix) :],
                **{k: opt_str(value.get(k)) for k in ("user", "host", "ssh_client")},
                "since": since if isinstance(since, (int, float)) else None,
                "seats": [opt_str(x) for x in seats[:20] if isinstance(x, str)],
            }
        )
    return sorted(people, key=lambda p: (p["since"] or 0, p["console_id"]))


class RedisLink:
    """The timeline's one Redis connection, and how the war room is doing over it:
    `online`, `offline_since` and `status`, one sentence fit for the screen."""

    def __init__(
        self,
        url: str | None,
        *,
        timeout: float,
        password: str | None,
        tls: TlsConfig | None,
        clock: Callable[[], float],
        waiting: Callable[[], int],
    ) -> None:
        self.url = url
        self.timeout = timeout
        self._password = password
        self._tls = tls
        self._clock = clock
        #: how many entries wait to be sent (told in the offline sentence)
        self._waiting = waiting
        self._client: redis.Redis | None = None
        #: True after a successful Redis call, False after a failed one, None before either
        self.online: bool | None = None
        #: one sentence about the war room's state, fit for the screen
        self.status = "war room: local timeline only" if not url else "war room: connecting"
        self.offline_since: float | None = None

    def client(self) -> redis.Redis:
        """The Redis client, connected on first use (in the calling thread)."""
        if self._client is None:
            from console.sources.redis import redis_client

            if self.url is None:
                raise RuntimeError("no war-room Redis configured")
            self._client = redis_client(self.url, self.timeout, self._password, self._tls)
        return self._client

    async def call(self, work: Callable[[redis.Redis], T]) -> tuple[bool, T | None]:
        """`work(client)` in a thread: (True, its value), or (False, None) when Redis
        failed, the failure told in `status` (the caller says what success means)."""
        from console.sources.base import run_blocking

        try:
            return True, await run_blocking(lambda: work(self.client()))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.went_wrong(exc)
            return False, None

    def went_ok(self) -> None:
        self.online = True
        self.offline_since = None
        self.status = "war room online"

    def went_wrong(self, exc: BaseException) -> None:
        if self.offline_since is None:
            self.offline_since = self._clock()
        self.online = False
        since = format_utc(self.offline_since, "%H:%M")
        waiting = self._waiting()
        queued = f"; {waiting} entr{'y' if waiting == 1 else 'ies'} kept to send" if waiting else ""
        self.status = f"war room offline since {since} UTC: {self.reason(exc)}{queued}"

    def reason(self, exc: BaseException) -> str:
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

    async def close(self) -> None:
        """Close the Redis connection pool."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:
                pass
