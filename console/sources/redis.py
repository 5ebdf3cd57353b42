"""Redis: PING, cache hit rate, memory and clients, with retries off and every call bounded.

redis-py retries by default, which turns a dead server into a 4 s wait and a black
hole into about a minute; `redis_client` turns retries off and sets both socket
timeouts, so every failure is reported within the source's timeout.

Status rules:
  ok        PING answered PONG
  warning   `maxmemory` is set and used memory is at or above 90 % of it
  critical  refused, no answer within the timeout, closed mid-reply, not the Redis
            protocol, or authentication failed

data: {"hit_rate": float | None, "used_memory": int, "clients": int}
where `hit_rate` is a percentage (0–100) of keyspace lookups that hit, since the
server started (or `CONFIG RESETSTAT`), and None before the first lookup.
"""

from __future__ import annotations

import contextlib
import ssl
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from console.model import ProbeResult, RedisData, Status
from console.sources.base import Source, SourceError, run_blocking
from console.sources.tlsclient import (
    TlsSetupError,
    client_context,
    tls_sentence,
    tls_text_sentence,
)
from console.text import clean

if TYPE_CHECKING:
    import redis

    from console.config import TlsConfig

#: used memory at or above this share of `maxmemory` makes the status a warning
MEMORY_WARNING_RATIO = 0.9


def redis_client(
    url: str, timeout: float, password: str | None = None, tls: TlsConfig | None = None
) -> redis.Redis:
    """A redis-py client for `url` with retries off and connect/read timeouts of `timeout`.

    The one way the console builds a Redis client (the `redis` source and the war room):
    `password`, when given, is used instead of one in the URL; a `rediss://` URL or a
    `tls` block means TLS, with `tls`'s CA, client certificate and server name. A failed
    handshake raises `TlsFailed`, whose message is one plain sentence.
    """
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    options: dict[str, Any] = {"password": password} if password else {}
    scheme, _, rest = url.partition("://")
    if scheme == "rediss" or tls is not None:
        # our own connection class, so the CA, client certificate and server name all
        # come from one SSLContext (and its failures from one sentence)
        url = f"redis://{rest}"
        options["connection_class"] = _tls_connection_class()
        options["tls"] = tls
    pool = redis.ConnectionPool.from_url(
        url,
        **options,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
        health_check_interval=0,
        client_name="genesis-console",
    )
    if password:  # from_url lets a password in the URL win; ours is meant to
        pool.connection_kwargs["password"] = password
    client = redis.Redis(connection_pool=pool)
    client.auto_close_connection_pool = True
    return client


_TLS_CONNECTION: Any = None


def _tls_connection_class() -> Any:
    """A redis-py Connection that wraps its socket with `client_context(tls)`."""
    global _TLS_CONNECTION
    if _TLS_CONNECTION is not None:
        return _TLS_CONNECTION
    import redis
    from redis.connection import Connection

    class TlsFailed(redis.ConnectionError):
        """A TLS handshake (or TLS file) failure; the message is one plain sentence."""

        is_tls = True
        #: True when a tls_config file could not be used (the server was not asked)
        setup = False

    class TlsConnection(Connection):
        def __init__(self, *, tls: TlsConfig | None = None, **kwargs: Any) -> None:
            self.tls = tls
            # redis-py leaves Connection.__init__ unannotated
            super().__init__(**kwargs)  # type: ignore[no-untyped-call]

        def _connect(self) -> Any:
            sock = super()._connect()  # type: ignore[no-untyped-call]  # unannotated in redis-py
            try:
                context = client_context(self.tls)
                return context.wrap_socket(sock, server_hostname=self.host)
            except TlsSetupError as exc:
                sock.close()
                failed = TlsFailed(str(exc))
                failed.setup = True
                raise failed from None
            except TimeoutError:
                sock.close()
                raise
            except (ssl.SSLError, ConnectionError) as exc:
                sock.close()
                raise TlsFailed(tls_sentence(exc, self.tls)) from None
            except BaseException:
                sock.close()
                raise

    _TLS_CONNECTION = TlsConnection
    return TlsConnection


def safe_url(url: str) -> str:
    """The URL's host:port/db with any user name and password left out."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        port = parts.port or 6379
        path = parts.path if parts.path not in ("", "/") else ""
    except ValueError:
        return "redis"
    return f"{host}:{port}{path}"


class RedisSource(Source):
    """Checks one Redis server through a client kept across probes (it reconnects by itself)."""

    name = "redis"
    timeout: float

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        password: str | None = None,
        tls: TlsConfig | None = None,
    ) -> None:
        self._url = url
        self.timeout = timeout
        self.where = safe_url(url)
        self._password = password
        self._tls = tls
        #: True when the connection is TLS (a rediss:// URL or a tls_config block)
        self.secure = url.startswith("rediss://") or tls is not None
        self._client: redis.Redis | None = None

    def __repr__(self) -> str:
        return f"RedisSource({self.where})"

    async def _probe(self) -> ProbeResult:
        facts = await run_blocking(self._collect)
        return self._result(facts)

    def _collect(self) -> dict[str, Any]:
        import redis

        if self._client is None:
            self._client = redis_client(self._url, self.timeout, self._password, self._tls)
        client = self._client
        try:
            pong = client.ping()
            stats = client.info("stats")
            memory = client.info("memory")
            clients = client.info("clients")
        except redis.AuthenticationError:
            raise SourceError(
                f"Redis at {self.where} refused the login (check the password)"
            ) from None
        except redis.TimeoutError:
            raise SourceError(
                f"Redis at {self.where} did not answer within {self.timeout:g}s"
            ) from None
        except redis.ConnectionError as exc:
            # a tls_config file we cannot use says nothing about the server: unknown
            status = Status.UNKNOWN if getattr(exc, "setup", False) else Status.CRITICAL
            raise SourceError(self._connection_sentence(exc), status) from None
        except redis.ResponseError as exc:
            raise SourceError(self._response_sentence(exc)) from None
        except redis.RedisError as exc:  # InvalidResponse and other protocol failures
            raise SourceError(
                f"Redis at {self.where} sent a reply that is not the Redis protocol"
                f" ({type(exc).__name__})"
            ) from None
        except (ValueError, UnicodeDecodeError, IndexError) as exc:
            raise SourceError(
                f"Redis at {self.where} sent a reply that is not the Redis protocol"
                f" ({type(exc).__name__})"
            ) from None
        if pong is not True:
            raise SourceError(f"Redis at {self.where} answered PING with {clean(pong, 60)}")
        return {"stats": stats, "memory": memory, "clients": clients}

    def _connection_sentence(self, exc: Exception) -> str:
        text = str(exc)
        if getattr(exc, "is_tls", False):
            return f"Redis at {self.where}: {text}"
        if self.secure:
            # TLS 1.3 tells a refused client certificate only at the first read
            found = tls_text_sentence(text, self._tls)
            if found:
                return f"Redis at {self.where}: {found}"
        if "refused" in text or "Error 111" in text:
            return f"Redis at {self.where} refused the connection (is it running?)"
        if "closed" in text.lower() or "reset" in text.lower():
            return f"Redis at {self.where} closed the connection mid-reply"
        if "timed out" in text or "Timeout" in text:
            return f"Redis at {self.where} did not answer within {self.timeout:g}s"
        if "Name or service not known" in text or "nodename" in text:
            return f"Redis host in {self.where} does not resolve"
        return f"cannot reach Redis at {self.where}: {clean(self._scrub(text), 160)}"

    def _response_sentence(self, exc: Exception) -> str:
        text = str(exc)
        if text.startswith(("NOAUTH", "WRONGPASS")):
            return f"Redis at {self.where} refused the login (check the password)"
        if text.startswith("LOADING"):
            return f"Redis at {self.where} is loading its dataset"
        return f"Redis at {self.where}: {clean(self._scrub(text), 160)}"

    def _scrub(self, text: str) -> str:
        try:
            in_url = urlsplit(self._url).password
        except ValueError:
            in_url = None
        for password in (in_url, self._password):
            if password:
                text = text.replace(password, "***")
        return text

    def _result(self, facts: dict[str, Any]) -> ProbeResult:
        stats, memory, clients = facts["stats"], facts["memory"], facts["clients"]
        hits = int(stats.get("keyspace_hits", 0))
        misses = int(stats.get("keyspace_misses", 0))
        hit_rate = round(100.0 * hits / (hits + misses), 1) if hits + misses else None
        return redis_result(
            self.name,
            hit_rate=hit_rate,
            used=int(memory.get("used_memory", 0)),
            maxmemory=int(memory.get("maxmemory", 0) or 0),
            clients=int(clients.get("connected_clients", 0)),
        )

    async def close(self) -> None:
        """Close the connection pool."""
        client, self._client = self._client, None
        if client is not None:
            # closing a broken pool must not stop the console exiting
            with contextlib.suppress(Exception):
                client.close()


def redis_result(
    name: str, *, hit_rate: float | None, used: int, maxmemory: int, clients: int
) -> ProbeResult:
    """The result for a Redis that answered PONG: its sentence, status rule and data."""
    parts = ["PONG"]
    parts.append("no lookups yet" if hit_rate is None else f"hit rate {hit_rate:.1f}%")
    parts.append(format_bytes(used))
    parts.append(f"{clients} client{'s' if clients != 1 else ''}")
    status = Status.OK
    if maxmemory and used >= MEMORY_WARNING_RATIO * maxmemory:
        status = Status.WARNING
        parts.append(f"memory {100.0 * used / maxmemory:.0f}% of maxmemory")
    data = RedisData(hit_rate=hit_rate, used_memory=used, clients=clients)
    return ProbeResult(name, status, " · ".join(parts), data=data)


def format_bytes(count: float) -> str:
    """Bytes as B, KiB, MiB or GiB with one decimal."""
    if count < 1024:
        return f"{count:.0f} B"
    value, unit = count / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"
