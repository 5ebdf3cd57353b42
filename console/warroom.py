"""War-room coordination through Redis: an action lock so two consoles never restart at once."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator

from console.actions.runner import ActionBusy
from console.audit import who
from console.sources.base import run_blocking

LOCK_SECONDS = 15 * 60
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)


def lock_key(kind: str) -> str:
    return f"genesis-console:lock:{kind}"


class WarRoomLock:
    """`SET NX EX` per action kind; the holder is named to whoever else tries."""

    def __init__(self, redis_url: str, *, timeout: float = 2.0, on_warning=None) -> None:
        self.redis_url = redis_url
        self.timeout = timeout
        self.on_warning = on_warning or (lambda text: None)
        self._client = None

    def _redis(self):
        if self._client is None:
            from console.sources.redis import redis_client

            self._client = redis_client(self.redis_url, self.timeout)
        return self._client

    @contextlib.asynccontextmanager
    async def __call__(self, kind: str, title: str) -> AsyncIterator[None]:
        person = who()
        holder = json.dumps({**person, "action": title, "since": time.time()})
        key = lock_key(kind)
        try:
            acquired = await run_blocking(
                lambda: self._redis().set(key, holder, nx=True, ex=LOCK_SECONDS)
            )
        except Exception as exc:  # Redis may be the very thing that is down: do not block the fix
            self.on_warning(
                f"war-room lock unavailable ({type(exc).__name__}); going ahead without it"
            )
            yield
            return
        if not acquired:
            raise ActionBusy(self._describe(await run_blocking(lambda: self._redis().get(key))))
        try:
            yield
        finally:
            try:
                await run_blocking(lambda: self._redis().eval(_RELEASE, 1, key, holder))
            except Exception:
                pass  # it expires by itself

    @staticmethod
    def _describe(raw: bytes | str | None) -> str:
        try:
            held = json.loads(raw or "{}")
        except ValueError:
            held = {}
        if not held:
            return "another console holds the war-room lock"
        since = time.strftime("%H:%M:%S", time.gmtime(held.get("since", 0)))
        where = held.get("host", "?") + (
            f" from {held['ssh_client']}" if held.get("ssh_client") else ""
        )
        return f"{held.get('user', '?')}@{where} is already running {held.get('action', 'it')} (since {since} UTC)"
