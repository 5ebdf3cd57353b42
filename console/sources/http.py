"""Bounded HTTP for every source: a total deadline, a size cap, and plain-English failures."""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec

from console.model import Status
from console.sources.base import Source, SourceError
from console.text import redact

#: the most a reply may be; larger replies are refused rather than read whole
MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]
    #: why the body is only the beginning of a longer reply, e.g. "over 64 MiB" or
    #: "still arriving after 3s" (only with keep_partial); "" when it is whole
    cut: str = ""

    @property
    def truncated(self) -> bool:
        return bool(self.cut)

    def json(self, what: str = "reply") -> Any:
        """Decode the body as JSON, or fail with a sentence saying it is malformed."""
        try:
            return msgspec.json.decode(self.body)
        except msgspec.DecodeError as exc:
            raise SourceError(f"malformed {what}: not JSON ({exc})", Status.UNKNOWN) from None


@functools.cache
def _tls() -> ssl.SSLContext:
    # one TLS context for every client: building one costs ~20 ms each time
    return ssl.create_default_context()


class _MaskUrlPasswords(logging.Filter):
    """httpx logs every request's full URL at INFO ("HTTP Request: GET http://user:pass@…"):
    whoever turns logging on (a wrapper, Textual's devtools) must not find a password there."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


_MASK = _MaskUrlPasswords()


def _mask_logs() -> None:
    # filters on a logger do not reach its children: httpx logs requests on "httpx" itself
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _MASK not in logger.filters:
            logger.addFilter(_MASK)


def make_client() -> httpx.AsyncClient:
    """One pooled client per source set; per-call timeouts are set by `request`."""
    _mask_logs()
    return httpx.AsyncClient(
        verify=_tls(),
        follow_redirects=False,
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=8),
        headers={
            "User-Agent": "genesis-console",
            "Accept": "application/json",
            # raw bytes are read under a size cap: ask for them uncompressed
            "Accept-Encoding": "identity",
        },
        trust_env=False,
    )


def _host(url: str) -> str:
    try:
        parsed = httpx.URL(url)
        return f"{parsed.host}:{parsed.port}" if parsed.port else str(parsed.host)
    except Exception:
        return url


async def request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    timeout: float,
    max_bytes: int = MAX_BYTES,
    json: Any = None,
    params: dict[str, str] | None = None,
    keep_partial: bool = False,
) -> Reply:
    """Send one request and read at most `max_bytes` of the reply within `timeout` seconds.

    Raises SourceError with a human sentence for refused, black-holed, slow, truncated
    or oversized replies. HTTP error statuses are returned, not raised. With
    `keep_partial`, an oversized reply, or one still arriving at the deadline, is not an
    error: what was read (at most `max_bytes`) comes back with `cut` saying why it
    stops there, for a caller that can use the beginning of a long list.
    """
    content = None
    headers = {}
    if json is not None:
        content = msgspec.json.encode(json)
        headers["Content-Type"] = "application/json"

    async def go() -> Reply:
        async with client.stream(
            method, url, content=content, params=params, headers=headers, timeout=timeout
        ) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes and not keep_partial:
                raise SourceError(
                    f"reply too large: {int(declared) // 1024} KiB (limit {max_bytes // 1024} KiB)",
                    Status.UNKNOWN,
                )
            chunks: list[bytes] = started["chunks"]
            started["response"] = response
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > max_bytes and keep_partial:
                    chunks.append(chunk[: len(chunk) - (size - max_bytes)])
                    return Reply(
                        response.status_code,
                        b"".join(chunks),
                        dict(response.headers),
                        f"over {_size(max_bytes)}",
                    )
                if size > max_bytes:
                    raise SourceError(
                        f"reply too large: over {max_bytes // 1024} KiB", Status.UNKNOWN
                    )
                chunks.append(chunk)
            return Reply(response.status_code, b"".join(chunks), dict(response.headers))

    host = _host(url)
    started: dict[str, Any] = {"chunks": []}
    try:
        return await asyncio.wait_for(go(), timeout)
    except SourceError:
        raise
    except (TimeoutError, httpx.TimeoutException):
        response = started.get("response")
        if keep_partial and response is not None and started["chunks"]:
            return Reply(
                response.status_code,
                b"".join(started["chunks"]),
                dict(response.headers),
                f"still arriving after {timeout:g}s",
            )
        raise SourceError(f"no answer from {host} within {timeout:g}s") from None
    except httpx.ConnectError as exc:
        if _refused(exc):
            raise SourceError(f"connection refused by {host}") from None
        raise SourceError(f"cannot connect to {host}: {exc}") from None
    except httpx.RemoteProtocolError as exc:
        text = str(exc)
        if "incomplete" in text.lower() or "without sending complete" in text.lower():
            raise SourceError(f"truncated reply from {host}", Status.UNKNOWN) from None
        raise SourceError(f"bad HTTP from {host}: {text}", Status.UNKNOWN) from None
    except httpx.HTTPError as exc:
        raise SourceError(f"HTTP error talking to {host}: {type(exc).__name__}: {exc}") from None


def _size(size: int) -> str:
    """1 MiB, 64 MiB, 512 KiB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MiB"
    return f"{size / 1024:g} KiB"


def _refused(exc: BaseException) -> bool:
    """Whether a connect error was a refusal (httpx hides it behind 'All connection attempts failed')."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError) or "refused" in str(current).lower():
            return True
        if isinstance(current, ExceptionGroup) and any(_refused(e) for e in current.exceptions):
            return True
        current = current.__cause__ or current.__context__
    return False


def http_status_error(reply: Reply, what: str) -> SourceError:
    """A sentence for an unexpected HTTP status, with a short excerpt of the body."""
    excerpt = reply.body[:120].decode("utf-8", "replace").strip()
    detail = f"{what}: HTTP {reply.status}"
    if excerpt:
        detail += f" ({excerpt})"
    return SourceError(detail, Status.CRITICAL if reply.status >= 500 else Status.UNKNOWN)


def plain_client(client=None):
    """`client` (or a new pooled one) set to ask servers not to compress their replies.

    `request()` reads raw bytes, so a gzip reply (Prometheus and Grafana compress by
    default) would arrive undecoded; identity also keeps the size cap about real bytes.
    """
    if client is None:
        return make_client()  # already asks for identity
    client.headers["Accept-Encoding"] = "identity"
    return client


class PooledHttpSource(Source):
    """A source for one base URL with one lazily created pooled HTTP client."""

    def __init__(self, url: str, *, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._client = None

    def _http(self):
        if self._client is None:
            self._client = plain_client()
        return self._client

    async def close(self) -> None:
        """Close the pooled HTTP client."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()
