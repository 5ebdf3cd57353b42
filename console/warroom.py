"""War-room coordination through Redis: an action lock so two consoles never restart at once,
and leases so one console of the war room does a standing duty (keeping acks alive)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from console import paths
from console.actions.runner import ActionBusy
from console.audit import environment_who, who
from console.clock import format_utc
from console.sources.base import run_blocking
from console.text import clean
from console.timeline import valid_time

if TYPE_CHECKING:
    import redis

    from console.config import TlsConfig

LOCK_SECONDS = 15 * 60
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)
#: a lease is renewed only by its holder: one that lapsed and was taken is the taker's
_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
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
        on_warning: Callable[[str], None] | None = None,
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
        self._client: redis.Redis | None = None

    def _redis(self) -> redis.Redis:
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

    async def hold(self, kind: str, value: str, ttl: float) -> tuple[bool, bytes | str | None]:
        """Take or keep the lease `kind` for `ttl` seconds: renewed while `value` still holds
        it, else taken when free (`SET NX PX`). (True, None) while it is ours, (False, the
        holder's value) while another's. Raises when Redis does not answer."""
        key = lock_key(kind, self.env)
        ms = max(1, round(ttl * 1000))

        def go() -> tuple[bool, bytes | str | None]:
            client = self._redis()
            if client.eval(_RENEW, 1, key, value, ms) or client.set(key, value, nx=True, px=ms):
                return True, None
            return False, client.get(key)

        return await run_blocking(go)

    async def let_go(self, kind: str, value: str) -> None:
        """Give up the lease `kind` if `value` still holds it (raises when Redis is away)."""
        key = lock_key(kind, self.env)
        await run_blocking(lambda: self._redis().eval(_RELEASE, 1, key, value))


def _holder(raw: bytes | str) -> tuple[str, str, float] | None:
    """`user@host from ssh`, the action and since when, from a lock's value in Redis;
    None unless it has exactly the shape a console writes."""
    try:
        held = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(held, dict):
        return None
    user, host, action = held.get("user"), held.get("host"), held.get("action", "it")
    ssh_client, since = held.get("ssh_client"), valid_time(held.get("since"))
    if (
        not all(isinstance(value, str) and value for value in (user, host, action))
        or not isinstance(ssh_client, str | None)
        or since is None
    ):
        return None
    where = clean(host, 100) + (f" from {clean(ssh_client, 60)}" if ssh_client else "")
    return f"{clean(user, 60)}@{where}", clean(action, 100), since


def describe_holder(raw: bytes | str | None) -> str:
    """Who holds a lock, from its value in Redis: anyone with Redis access can write that
    value, so only the exact shape a console writes names a holder, and only as text."""
    if raw is None:
        return "another console held the war-room lock a moment ago; try again"
    held = _holder(raw)
    if held is None:
        return (
            "another console is already running it: the war-room lock is held by an unknown holder"
        )
    person, action, since = held
    return f"{person} is already running {action} (since {format_utc(since, '%H:%M:%S')} UTC)"


class Lease:
    """One console of a war room does a standing duty; the others stand by.

    The holder renews the lease (`WarRoomLock.hold`) at each pass of the duty and gives
    it up when it quits (`release`); one that dies lets it lapse after `ttl` seconds, and
    the next console to look takes it. `held` is True while it is ours, False while
    another console's, None when Redis did not answer (then nobody can say who holds it,
    and the caller does the duty itself rather than let it go undone).
    """

    def __init__(self, lock: WarRoomLock, kind: str, duty: str, ttl: float) -> None:
        self.lock = lock
        self.kind = kind
        self.duty = duty
        self.ttl = ttl
        #: this console's alone, in our value in Redis beside who we are
        self.token = uuid.uuid4().hex
        self.value = json.dumps(
            {**environment_who(), "action": duty, "since": lock.clock(), "console": self.token}
        )
        self.held: bool | None = None
        #: the other holder as text ("oncall2@bastion since 03:00:01 UTC"), while it holds
        self.holder = ""
        #: why Redis did not answer, while it does not
        self.problem = ""
        #: who held it before we took it over (set by the `hold` that took it, else "")
        self.took_from = ""

    async def hold(self) -> bool | None:
        """Renew or take the lease: True while ours, False while another's, None when
        Redis does not answer."""
        try:
            ours, raw = await self.lock.hold(self.kind, self.value, self.ttl)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the lock store may be the very thing that is down
            self.held, self.holder, self.took_from = None, "", ""
            self.problem = clean(f"{type(exc).__name__}: {exc}", 160)
            return None
        self.took_from = self.holder if ours and self.held is False else ""
        self.held, self.problem = ours, ""
        if not ours:
            held = _holder(raw) if raw is not None else None
            self.holder = (
                f"{held[0]} (since {format_utc(held[2], '%H:%M:%S')} UTC)"
                if held
                else "another console"
            )
        else:
            self.holder = ""
        return ours

    async def release(self) -> None:
        """Give the lease up (a clean exit): another console takes it at its next look."""
        if not self.held:
            return
        self.held = None
        with contextlib.suppress(Exception):
            await self.lock.let_go(self.kind, self.value)
