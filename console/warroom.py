"""War-room coordination through Redis: an action lock so two consoles never restart at once."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from console import paths
from console.actions.runner import ActionBusy
from console.audit import who
from console.clock import format_utc
from console.sources.base import run_blocking
from console.text import clean
from console.timeline import valid_time

if TYPE_CHECKING:
    from console.config import TlsConfig

LOCK_SECONDS = 15 * 60
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)


def lock_key(kind: str, env: str | None = None) -> str:
    """The Redis key of an action lock: one per action kind and environment."""
    return f"{paths.warroom_prefix(env)}lock:{kind}"


class WarRoomLock:
    """`SET NX EX` per action kind; the holder is named to whoever else tries."""

    def __init__(
        self,
        redis_url: str,
        *,
        timeout: float = 2.0,
        on_warning=None,
        clock: Callable[[], float] = time.time,
        password: str | None = None,
        tls: TlsConfig | None = None,
        env: str | None = None,
    ) -> None:
        self.redis_url = redis_url
        self.env = env
        self._password = password
        self._tls = tls
        self.timeout = timeout
        self.on_warning = on_warning or (lambda text: None)
        self.clock = clock
        self._client = None

    def _redis(self):
        if self._client is None:
            from console.sources.redis import redis_client

            self._client = redis_client(self.redis_url, self.timeout, self._password, self._tls)
        return self._client

    @contextlib.asynccontextmanager
    async def __call__(self, kind: str, title: str) -> AsyncIterator[None]:
        person = who()
        holder = json.dumps({**person, "action": title, "since": self.clock()})
        key = lock_key(kind, self.env)
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
            try:
                raw = await run_blocking(lambda: self._redis().get(key))
            except Exception:
                raw = b"?"  # it is held (SET NX said so); by whom, Redis did not say
            raise ActionBusy(describe_holder(raw))
        try:
            yield
        finally:
            try:
                await run_blocking(lambda: self._redis().eval(_RELEASE, 1, key, holder))
            except Exception:
                pass  # it expires by itself


def describe_holder(raw: bytes | str | None) -> str:
    """Who holds a lock, from its value in Redis: anyone with Redis access can write that
    value, so only the exact shape a console writes names a holder, and only as text."""
    if raw is None:
        return "another console held the war-room lock a moment ago; try again"
    unknown = (
        "another console is already running it: the war-room lock is held by an unknown holder"
    )
    try:
        held = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return unknown
    if not isinstance(held, dict):
        return unknown
    user, host, action = held.get("user"), held.get("host"), held.get("action", "it")
    ssh_client, since = held.get("ssh_client"), valid_time(held.get("since"))
    if (
        not all(isinstance(value, str) and value for value in (user, host, action))
        or not isinstance(ssh_client, str | None)
        or since is None
    ):
        return unknown
    where = clean(host, 100) + (f" from {clean(ssh_client, 60)}" if ssh_client else "")
    return (
        f"{clean(user, 60)}@{where} is already running {clean(action, 100)} "
        f"(since {format_utc(since, '%H:%M:%S')} UTC)"
    )
