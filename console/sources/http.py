"""Bounded HTTP for every source: a total deadline, a size cap, and plain-English failures."""

from __future__ import annotations

import asyncio
import base64
import functools
import importlib.util
import ipaddress
import logging
import os
import socket
import ssl
import sys
from collections.abc import Generator, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import httpx
import msgspec

from console.model import ProbeResult, Status
from console.sources.base import Source, SourceError
from console.text import redact

# httpcore asks `import sniffio` on every request to learn the async library, and when
# sniffio is not installed each failed import searches the whole sys.path again (stat
# calls, every request: issue 13). Remembering the failure makes it answer at once;
# httpcore then assumes asyncio, which is what the console runs on.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from console.config import Endpoint, TlsConfig

#: redirects followed within the configured origin (e.g. /alertmanager → /alertmanager/)
MAX_REDIRECTS = 5

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


def origin(url: httpx.URL | str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    parsed = httpx.URL(url)
    port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme)
    return parsed.scheme, parsed.host, port


@functools.lru_cache(maxsize=32)
def _tls_for(
    ca_file: str | None, cert_file: str | None, key_file: str | None, insecure: bool, section: str
) -> ssl.SSLContext:
    """An SSL context for one `tls_config` (cached: building one costs ~20 ms)."""

    def path(value: str) -> str:
        return os.path.expanduser(os.path.expandvars(value))

    try:
        context = ssl.create_default_context(cafile=path(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise SourceError(
            f"cannot load {section}.tls_config.ca_file {ca_file}: {_ssl_reason(exc)}",
            Status.UNKNOWN,
        ) from None
    if cert_file and key_file:
        try:
            context.load_cert_chain(path(cert_file), path(key_file))
        except (OSError, ssl.SSLError) as exc:
            raise SourceError(
                f"cannot load {section}.tls_config.cert_file/key_file: {_ssl_reason(exc)}",
                Status.UNKNOWN,
            ) from None
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _ssl_reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return exc.reason.lower().replace("_", " ")
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)


def _context(tls: TlsConfig, section: str) -> ssl.SSLContext:
    if not (tls.ca_file or tls.cert_file or tls.insecure_skip_verify):
        return _tls()
    return _tls_for(tls.ca_file, tls.cert_file, tls.key_file, tls.insecure_skip_verify, section)


class _FileSecret:
    """A secret read from a file, read again whenever the file changes (mtime, size, inode)."""

    def __init__(self, path: str, key: str) -> None:
        self.path = os.path.expanduser(os.path.expandvars(path))
        self.key = key
        self._seen: tuple[int, int, int] | None = None
        self._value = ""

    def read(self) -> str:
        try:
            info = os.stat(self.path)
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
            if stamp != self._seen:
                with open(self.path, encoding="utf-8") as handle:
                    self._value = handle.read(64 * 1024).strip()
                self._seen = stamp
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror.lower() if isinstance(exc, OSError) and exc.strerror else exc
            raise SourceError(
                f"cannot read {self.key} {self.path}: {reason}", Status.UNKNOWN
            ) from None
        if not self._value:
            raise SourceError(f"{self.key} {self.path} is empty", Status.UNKNOWN)
        return self._value


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _env_secret(name: str, key: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise SourceError(f"{key}: ${name} is not set", Status.UNKNOWN)
    return value


class OriginAuth(httpx.Auth):
    """Credentials from an endpoint's http block, sent to its own origin and nowhere else.

    The secret is looked up per request (an env var, or a file read again when it
    changes, as Kubernetes projected tokens are), so a rotated token is picked up
    without a restart. A request to any other origin goes out bare.
    """

    def __init__(self, endpoint: Endpoint) -> None:
        self.origin = origin(endpoint.url)
        self.server_name = endpoint.http.tls_config.server_name
        http, section = endpoint.http, endpoint.section
        self._header = None
        if http.basic_auth is not None:
            basic = http.basic_auth
            if basic.password_file:
                password = _FileSecret(basic.password_file, f"{section}.basic_auth.password_file")
                get = password.read
            elif basic.password_env:
                env = basic.password_env

                def get() -> str:
                    return _env_secret(env, f"{section}.basic_auth.password_env")
            else:

                def get() -> str:
                    return ""

            self._header = lambda: _basic(basic.username, get())
        elif http.authorization is not None:
            authz = http.authorization
            if authz.credentials_file:
                token = _FileSecret(
                    authz.credentials_file, f"{section}.authorization.credentials_file"
                )
                read = token.read
            else:
                env = authz.credentials_env or ""

                def read() -> str:
                    return _env_secret(env, f"{section}.authorization.credentials_env")

            self._header = lambda: f"{authz.type} {read()}"
        elif endpoint.userinfo is not None:
            user, in_url = endpoint.userinfo
            self._header = lambda: _basic(user, in_url)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if origin(request.url) == self.origin:
            if self._header is not None:
                request.headers["Authorization"] = self._header()
            if self.server_name:
                request.extensions["sni_hostname"] = self.server_name
        else:
            request.headers.pop("Authorization", None)
        yield request


class BackendClient(httpx.AsyncClient):
    """A pooled client for one configured backend; `request` reads `endpoint` for its messages."""

    endpoint: Endpoint | None = None
    #: (host, port) of the origins that refused the last connection; see `_refuses_still`
    refusing: set[tuple[str, int]]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refusing = set()


def make_client(endpoint: Endpoint | None = None) -> httpx.AsyncClient:
    """One pooled client per backend (auth, TLS, proxy, headers from its http block).

    Per-call timeouts are set by `request`. Without an endpoint: no auth, system CAs.
    """
    _mask_logs()
    headers = {
        "User-Agent": "genesis-console",
        "Accept": "application/json",
        # raw bytes are read under a size cap: ask for them uncompressed
        "Accept-Encoding": "identity",
    }
    verify: ssl.SSLContext = _tls()
    auth = None
    proxy = None
    if endpoint is not None:
        http = endpoint.http
        headers.update(http.headers)
        verify = _context(http.tls_config, endpoint.section)
        auth = OriginAuth(endpoint)
        proxy = http.proxy_url
    client = BackendClient(
        verify=verify,
        auth=auth,
        proxy=proxy,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=8),
        headers=headers,
        trust_env=False,
    )
    client.endpoint = endpoint
    return client


@functools.lru_cache(maxsize=256)
def _target(url: str, params: tuple[tuple[str, str], ...] = ()) -> httpx.URL:
    """The URL with its query string, parsed and encoded once for every request to it:
    httpx quotes a query character by character in Python, and a PromQL query asked at
    every refresh was a third of a probe's CPU (issue 13)."""
    parsed = httpx.URL(url)
    return parsed.copy_merge_params(dict(params)) if params else parsed


@functools.lru_cache(maxsize=256)
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

    endpoint = getattr(client, "endpoint", None)

    async def go() -> Reply:
        target, verb, body = _target(url, tuple(params.items()) if params else ()), method, content
        for _hop in range(MAX_REDIRECTS + 1):
            reply = await one(target, verb, body)
            location = reply.headers.get("location")
            if reply.status not in (301, 302, 303, 307, 308) or not location:
                return reply
            following = target.join(location)
            if origin(following) != origin(target):
                raise SourceError(
                    f"{_host(str(target))} redirected to another origin "
                    f"({following.scheme}://{_host(str(following))}): not followed, and no "
                    "credentials were sent there; configure the URL it redirects to",
                    Status.UNKNOWN,
                )
            target = following
            if reply.status == 303 or (reply.status in (301, 302) and verb == "POST"):
                verb, body = "GET", None
        raise SourceError(f"too many redirects from {host}", Status.UNKNOWN)

    async def one(target: httpx.URL, verb: str, body: bytes | None) -> Reply:
        async with client.stream(
            verb, target, content=body, headers=headers, timeout=timeout
        ) as response:
            if response.status_code in (401, 403):
                raise SourceError(_auth_sentence(response.status_code, endpoint), Status.UNKNOWN)
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
    refusing = _refusing(client)
    if refusing is not None:
        first = _target(url)
        door = (first.host, origin(first)[2] or 0)
        if door in refusing:
            still = await _refuses_still(*door, timeout)
            if still is None:
                refusing.discard(door)
                raise SourceError(f"no answer from {host} within {timeout:g}s")
            if still:
                raise SourceError(f"connection refused by {host}")
            refusing.discard(door)
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
            if refusing is not None:
                first = _target(url)
                refusing.add((first.host, origin(first)[2] or 0))
            raise SourceError(f"connection refused by {host}") from None
        tls = _tls_sentence(exc, host, endpoint)
        if tls:
            raise SourceError(tls) from None
        raise SourceError(f"cannot connect to {host}: {exc}") from None
    except httpx.ProxyError as exc:
        raise SourceError(f"the proxy refused the connection to {host}: {exc}") from None
    except httpx.RemoteProtocolError as exc:
        text = str(exc)
        if "incomplete" in text.lower() or "without sending complete" in text.lower():
            raise SourceError(f"truncated reply from {host}", Status.UNKNOWN) from None
        raise SourceError(f"bad HTTP from {host}: {text}", Status.UNKNOWN) from None
    except httpx.HTTPError as exc:
        tls = _tls_sentence(exc, host, endpoint)
        if tls:
            raise SourceError(tls) from None
        raise SourceError(f"HTTP error talking to {host}: {type(exc).__name__}: {exc}") from None
    except ssl.SSLError as exc:
        # a TLS alert after the handshake (TLS 1.3 sends "certificate required" then)
        # reaches us unwrapped
        raise SourceError(_tls_sentence(exc, host, endpoint) or f"TLS error: {exc}") from None


def _refusing(client: httpx.AsyncClient) -> set[tuple[str, int]] | None:
    """The client's set of refusing origins, or None when a refusal cannot be told by a
    bare TCP connection (a proxy stands between, or the client is not ours)."""
    if not isinstance(client, BackendClient):
        return None
    endpoint = client.endpoint
    if endpoint is not None and endpoint.http.proxy_url:
        return None
    return client.refusing


async def _refuses_still(host: str, port: int, timeout: float) -> bool | None:
    """Whether every address of `host` still refuses a TCP connection to `port`: True
    when all refuse, False when one accepts (closed at once: the request then goes as
    usual) or anything else happens, None when none answers within `timeout`.

    A backend that refused its last connection is asked this way first (issue 13): a
    refusal through httpx costs ~0.7 ms of CPU, a bare connection ~0.15 ms, and a
    refused backend is asked at every refresh. Either way a connection is attempted."""
    loop = asyncio.get_running_loop()

    async def attempt() -> bool:
        try:
            addresses: list[tuple[int, Any]] = [
                (socket.AF_INET6 if ":" in host else socket.AF_INET, (host, port))
            ]
            ipaddress.ip_address(host)
        except ValueError:  # a name: its addresses, as the request would try them
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError:
                return False
            addresses = [(family, address) for family, _, _, _, address in infos]
        for family, address in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setblocking(False)
            try:
                await loop.sock_connect(sock, address)
            except ConnectionRefusedError:
                continue
            except OSError:
                return False
            finally:
                sock.close()
            return False
        return bool(addresses)

    try:
        return await asyncio.wait_for(attempt(), timeout)
    except TimeoutError:
        return None


def _auth_sentence(status: int, endpoint: Endpoint | None) -> str:
    """One sentence for a 401 or 403 that names the config key to look at."""
    word = "401 unauthorized" if status == 401 else "403 forbidden"
    if endpoint is None:
        return f"{word}: the server wants credentials this request does not carry"
    http, section = endpoint.http, endpoint.section
    if http.basic_auth is not None:
        return f"{word}: check {section}.basic_auth"
    if http.authorization is not None:
        return f"{word}: check {section}.authorization"
    if endpoint.userinfo is not None:
        return f"{word}: check the user:password in the URL (better: {section}.basic_auth)"
    return f"{word}: the server wants credentials; set {section}.basic_auth or .authorization"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        for nxt in (current.__cause__, current.__context__):
            if nxt is not None:
                todo.append(nxt)


def _tls_sentence(exc: BaseException, host: str, endpoint: Endpoint | None) -> str | None:
    """A plain sentence for a failed TLS handshake (Go's wording where there is one)."""
    key = f"{endpoint.section}.tls_config" if endpoint is not None else "tls_config"
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            code = cause.verify_code
            message = (cause.verify_message or "").lower()
            if code in (18, 19, 20, 21, 2) or "issuer" in message or "self-signed" in message:
                return (
                    f"{host}: certificate signed by unknown authority "
                    f"(set {key}.ca_file to the CA that signed it)"
                )
            if code == 10 or "expired" in message:
                return f"{host}: the server's certificate has expired"
            if code == 9 or "not yet valid" in message:
                return f"{host}: the server's certificate is not valid yet (check the clock)"
            if code in (62, 64) or "mismatch" in message:
                return (
                    f"{host}: the server's certificate is not valid for this name "
                    f"(set {key}.server_name to the name it carries)"
                )
            return f"{host}: certificate not trusted: {message or cause}"
        if isinstance(cause, ssl.SSLError):
            reason = (cause.reason or str(cause)).upper()
            if "CERTIFICATE_REQUIRED" in reason or "BAD_CERTIFICATE" in reason:
                return (
                    f"{host}: the server requires a client certificate "
                    f"(set {key}.cert_file and key_file)"
                    if not (endpoint and endpoint.http.tls_config.cert_file)
                    else f"{host}: the server refused our client certificate ({key}.cert_file)"
                )
            if "UNKNOWN_CA" in reason:
                return f"{host}: the server does not trust our client certificate ({key}.cert_file)"
            if "WRONG_VERSION_NUMBER" in reason or "RECORD_LAYER_FAILURE" in reason:
                return f"{host}: TLS handshake failed: the server does not speak TLS (use http://?)"
            return f"{host}: TLS handshake failed: {_ssl_reason(cause)}"
    return None


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


def plain_client(
    client: httpx.AsyncClient | None = None, endpoint: Endpoint | None = None
) -> httpx.AsyncClient:
    """`client` (or a new pooled one for `endpoint`) set to ask for uncompressed replies.

    `request()` reads raw bytes, so a gzip reply (Prometheus and Grafana compress by
    default) would arrive undecoded; identity also keeps the size cap about real bytes.
    """
    if client is None:
        return make_client(endpoint)  # already asks for identity
    client.headers["Accept-Encoding"] = "identity"
    return client


def as_endpoint(url: str | Endpoint, name: str) -> Endpoint:
    """An Endpoint for a bare URL (no http block), or the endpoint itself."""
    if isinstance(url, str):
        from console.config import HttpConfig, make_endpoint

        return make_endpoint(name, url, HttpConfig(), f"{name}.http")
    return url


#: what the Services row and `check` say of a backend whose certificate is not checked
INSECURE = "TLS NOT VERIFIED (insecure_skip_verify)"


class PooledHttpSource(Source):
    """A source for one base URL with one lazily created pooled HTTP client.

    `url` is a URL or a configured Endpoint (auth, TLS, proxy and headers from its
    http block); `user:pass@` in a URL is taken out and sent as basic auth.
    """

    timeout: float

    def __init__(self, url: str | Endpoint, *, timeout: float) -> None:
        self.endpoint = as_endpoint(url, self.name)
        self.url = self.endpoint.url.rstrip("/")
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @property
    def insecure(self) -> bool:
        """Whether this source accepts any certificate (insecure_skip_verify)."""
        return self.endpoint.http.tls_config.insecure_skip_verify

    async def probe(self) -> ProbeResult:
        result = await super().probe()
        if self.insecure:
            result = replace(result, detail=f"{INSECURE} · {result.detail}")
        return result

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = plain_client(endpoint=self.endpoint)
        return self._client

    async def close(self) -> None:
        """Close the pooled HTTP client."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()
