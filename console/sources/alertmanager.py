"""Alertmanager: alerts and silences merged across every configured URL, plus silence actions.

Every URL is asked in parallel; alerts are deduplicated by fingerprint and remember
which URLs returned them. Server text (labels, annotations, comments) stays data:
nothing here interprets it, and the UI renders it literally.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from urllib.parse import quote

import msgspec

from console.clock import format_rfc3339, parse_rfc3339
from console.matchers import as_matcher, matchers_match  # noqa: F401 - re-exported
from console.model import (
    Alert,
    AlertGroup,
    AlertmanagerData,
    EndpointStatus,
    ProbeResult,
    Silence,
    Status,
    alert_sort_key,
)
from console.sources.base import SourceError, run_blocking
from console.sources.http import (
    PooledHttpSource,
    Reply,
    as_endpoint,
    http_status_error,
    plain_client,
    request,
)
from console.text import MASK, redact

if TYPE_CHECKING:
    import httpx

    from console.config import Endpoint

T = TypeVar("T")

# --- wire shapes (only the fields we use; unknown fields are ignored) -----------------


class _AlertStatus(msgspec.Struct):
    state: str = ""
    silencedBy: list[str] = msgspec.field(default_factory=list)  # noqa: N815 - wire name
    inhibitedBy: list[str] = msgspec.field(default_factory=list)  # noqa: N815 - wire name


class _AlertReceiver(msgspec.Struct):
    name: str = ""


class _Alert(msgspec.Struct):
    fingerprint: str
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    startsAt: str = ""  # noqa: N815 - wire name
    endsAt: str = ""  # noqa: N815 - wire name
    status: _AlertStatus = msgspec.field(default_factory=_AlertStatus)
    generatorURL: str = ""  # noqa: N815 - wire name
    receivers: list[_AlertReceiver] = msgspec.field(default_factory=list)


class _Matcher(msgspec.Struct):
    name: str
    value: str
    isRegex: bool = False  # noqa: N815 - wire name
    isEqual: bool = True  # noqa: N815 - wire name


class _SilenceStatus(msgspec.Struct):
    state: str = ""


class _Silence(msgspec.Struct):
    id: str
    matchers: list[_Matcher] = msgspec.field(default_factory=list)
    createdBy: str = ""  # noqa: N815 - wire name
    comment: str = ""
    startsAt: str = ""  # noqa: N815 - wire name
    endsAt: str = ""  # noqa: N815 - wire name
    status: _SilenceStatus = msgspec.field(default_factory=_SilenceStatus)


def _decode(reply: Reply, shape: type[T], what: str) -> T:
    try:
        return msgspec.json.decode(reply.body, type=shape)
    except msgspec.ValidationError as exc:
        raise SourceError(f"unexpected {what}: {exc}", Status.UNKNOWN) from None
    except msgspec.DecodeError as exc:
        raise SourceError(f"malformed {what}: not JSON ({exc})", Status.UNKNOWN) from None


#: the most of one Alertmanager's alert list that is read; a longer reply is cut here,
#: the alerts it holds whole are shown, and the list is marked cut everywhere
ALERTS_MAX_BYTES = 64 * 1024 * 1024

#: how long decoding the longest alert list may take, beyond the HTTP timeout
DECODE_SECONDS = 5.0

#: replies larger than this are decoded in a thread, so a storm never freezes the screen
_OFF_LOOP_BYTES = 512 * 1024

# strings (with their escapes) and brackets: enough to find where array elements end
_JSON_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|"', re.DOTALL)


def complete_prefix(body: bytes) -> tuple[bytes, bool]:
    """The elements of a JSON array that arrived whole, as a closed array.

    `body` may stop anywhere (mid-string, mid-escape, mid-object). Returns the array
    up to its last complete top-level element, closed with `]`, and True when the
    input was cut (False: the array closed before the end of `body`).
    """
    depth = 0
    last_end = 0
    for match in _JSON_TOKENS.finditer(body):
        token = match.group()
        first = token[:1]
        if first == b'"':
            if len(token) == 1:
                break  # a string that never closes: the cut is inside it
            if depth == 1:
                last_end = match.end()
        elif first in (b"[", b"{"):
            depth += 1
        else:
            depth -= 1
            if depth == 1:
                last_end = match.end()
            elif depth <= 0:
                return body[: match.end()], False
    if last_end == 0:
        start = body.find(b"[")
        return (b"[]" if start < 0 else body[: start + 1] + b"]"), True
    return body[:last_end] + b"]", True


_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])


def raw_items(body: bytes, what: str, cut: bool = False) -> list[msgspec.Raw]:
    """The elements of a JSON array, each still undecoded (a view of `body`).

    With `cut`, the body is the beginning of a longer array and only its complete
    elements are read. A body that is not an array at all is an error.
    """
    if cut:
        body, _ = complete_prefix(body)
    try:
        return _RAW_LIST.decode(body)
    except msgspec.ValidationError as exc:
        raise SourceError(f"unexpected {what}: {exc}", Status.UNKNOWN) from None
    except msgspec.DecodeError as exc:
        raise SourceError(f"malformed {what}: not JSON ({exc})", Status.UNKNOWN) from None


class Decoding(Generic[T]):
    """The items of `raws` that decode as `item`, one at a time (so a storm's wire items
    are never all held at once); counts those that did and did not decode."""

    def __init__(self, raws: Iterable[msgspec.Raw], item: type[T]) -> None:
        self.raws = raws
        self.decoder = msgspec.json.Decoder(item)
        self.decoded = 0
        self.skipped = 0

    def __iter__(self) -> Iterator[T]:
        decode = self.decoder.decode
        for raw in self.raws:
            try:
                value = decode(raw)
            except (msgspec.ValidationError, msgspec.DecodeError):
                self.skipped += 1
                continue
            self.decoded += 1
            yield value


def decode_each(body: bytes, item: type[T], what: str, cut: bool = False) -> tuple[list[T], int]:
    """The items of a JSON array that decode as `item`, and how many did not.

    One malformed element is skipped and counted instead of failing the whole list;
    with `cut`, the body is the beginning of a longer array and only its complete
    elements are read. A body that is not an array at all is still an error.
    """
    each = Decoding(raw_items(body, what, cut), item)
    items = list(each)
    return items, each.skipped


async def _off_loop(size: int, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a thread when `size` bytes make it slow, else right here."""
    if size < _OFF_LOOP_BYTES:
        return fn(*args)
    return await run_blocking(fn, *args)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' * (count != 1)}"


@dataclass
class _Replies:
    """What one Alertmanager answered, not decoded yet."""

    alerts: Reply
    silences: Reply
    #: a digest of both replies, to tell the same bytes again; b"" when the list is cut
    digest: bytes

    def release(self) -> None:
        """Let the replies' bytes go (asyncio's gather keeps its results a while)."""
        self.alerts = self.silences = _EMPTY


@dataclass(frozen=True)
class _Reading:
    """What one Alertmanager's replies were read as: its alerts, still undecoded (each
    is decoded as it is merged), its silences, and what could not be read."""

    alerts: list[msgspec.Raw]
    silences: list[_Silence]
    bad_silences: int = 0
    cut: str = ""  # why the alert list is only its beginning; "" when it is whole


@dataclass(frozen=True)
class _Merged:
    """The last merge: the replies it was read from (URL and digest), and what came of
    it. The same replies again are not decoded or merged again, and the decoded wire
    alerts are not kept (issue 13: they were 15 MB of a 10,000-alert storm)."""

    key: tuple[tuple[str, bytes], ...]
    endpoints: dict[str, EndpointStatus]
    bad_silences: int
    alerts: tuple[Alert, ...]
    silences: tuple[Silence, ...]
    #: summarize(alerts), worked out once (a walk of every alert of a storm)
    summary: str


_EMPTY = Reply(0, b"", {})


def _base(url: str | Endpoint) -> str:
    return (url if isinstance(url, str) else url.url).rstrip("/")


def _host(url: str | Endpoint) -> str:
    """The URL without its scheme and user info, for sentences: `am1:9093/prefix`."""
    shown = re.sub(r"^https?://", "", redact(_base(url)))
    return shown.partition(f"{MASK}@")[2] or shown


def _silence(raw: _Silence, sources: tuple[str, ...]) -> Silence:
    return Silence(
        id=raw.id,
        matchers=tuple((m.name, m.value, m.isRegex, m.isEqual) for m in raw.matchers),
        created_by=raw.createdBy,
        comment=raw.comment,
        starts_at=parse_rfc3339(raw.startsAt) or 0.0,
        ends_at=parse_rfc3339(raw.endsAt) or 0.0,
        state=raw.status.state,
        sources=sources,
    )


# --- the source ---------------------------------------------------------------------


class AlertmanagerSource(PooledHttpSource):
    """Alerts and silences from one or more Alertmanagers, merged by fingerprint."""

    name = "alertmanager"

    def __init__(
        self, urls: Sequence[str | Endpoint], *, timeout: float, max_bytes: int = ALERTS_MAX_BYTES
    ) -> None:
        endpoints: dict[str, Endpoint] = {}
        for url in urls:
            endpoint = as_endpoint(url, self.name)
            endpoints.setdefault(endpoint.url, endpoint)
        #: each Alertmanager by its URL (without userinfo), with its own http block
        self.endpoints = endpoints
        first = next(iter(endpoints.values()), None)
        super().__init__(first if first is not None else "", timeout=timeout)
        self.urls = list(endpoints)
        self._clients: dict[str, httpx.AsyncClient] = {}
        #: the last merge: the same bytes again (a storm that did not change) are not
        #: decoded or merged again, and give the very same alerts
        self._last_merge: _Merged | None = None
        self.max_bytes = max_bytes
        # replies get `timeout`; the poller waits longer, for the decode of a storm
        self.http_timeout = timeout
        self.timeout = timeout + DECODE_SECONDS

    @property
    def insecure(self) -> bool:
        return any(e.http.tls_config.insecure_skip_verify for e in self.endpoints.values())

    def _client_for(self, url: str) -> httpx.AsyncClient:
        client = self._clients.get(url)
        if client is None:
            client = self._clients[url] = plain_client(endpoint=self.endpoints[url])
        return client

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
        await super().close()

    async def _fetch(self, url: str) -> _Replies:
        client = self._client_for(url)
        host = _host(url)
        # every alert, silenced and inhibited included (Alertmanager's defaults): the
        # counts, the silences view and the alert workflow need all three
        alerts_reply, silences_reply = await asyncio.gather(
            request(
                client,
                "GET",
                _base(url) + "/api/v2/alerts",
                timeout=self.http_timeout,
                max_bytes=self.max_bytes,
                keep_partial=True,
            ),
            request(client, "GET", _base(url) + "/api/v2/silences", timeout=self.http_timeout),
        )
        for reply, what in ((alerts_reply, "alerts"), (silences_reply, "silences")):
            if reply.status != 200:
                raise http_status_error(reply, f"{what} from {host}")
        cut = alerts_reply.truncated
        digest = _digest(alerts_reply.body, silences_reply.body) if not cut else b""
        return _Replies(alerts_reply, silences_reply, digest)

    async def _read(self, url: str, replies: _Replies) -> _Reading:
        """Decode one Alertmanager's replies (in a thread when they are large)."""
        host = _host(url)
        alerts_reply, silences_reply = replies.alerts, replies.silences
        cut = alerts_reply.truncated
        size = len(alerts_reply.body) + len(silences_reply.body)
        alerts = await _off_loop(
            size, raw_items, alerts_reply.body, f"alerts reply from {host}", cut
        )
        if cut and not alerts:
            # not one whole alert in all that: this is no alert list worth showing
            if alerts_reply.cut.startswith("over"):
                raise SourceError(
                    f"reply too large: {alerts_reply.cut} from {host}"
                    " with not one whole alert in what was read",
                    Status.UNKNOWN,
                )
            raise SourceError(
                f"no whole alert from {host} within {self.http_timeout:g}s"
                " (the reply was still arriving)",
                Status.UNKNOWN,
            )
        silences, bad_silences = await _off_loop(
            size, decode_each, silences_reply.body, _Silence, f"silences reply from {host}"
        )
        return _Reading(
            alerts,
            silences,
            bad_silences,
            cut=f"{host}'s reply was {alerts_reply.cut}" if cut else "",
        )

    def _failure(self, url: str, answer: BaseException) -> SourceError:
        if isinstance(answer, asyncio.CancelledError):
            raise answer
        error = (
            answer
            if isinstance(answer, SourceError)
            else SourceError(f"{type(answer).__name__}: {answer}", Status.UNKNOWN)
        )
        name = self.endpoints[url].name
        if len(self.urls) > 1 and name not in error.detail:
            error = SourceError(f"{name}: {error.detail}", error.status)
        return error

    async def _merge(
        self, fetched: list[tuple[str, _Replies]]
    ) -> tuple[_Merged, dict[str, SourceError]]:
        """Decode and merge what these Alertmanagers answered: the merge, and why the
        replies of any could not be read (those are left out of it)."""
        answers = await asyncio.gather(
            *(self._read(url, replies) for url, replies in fetched), return_exceptions=True
        )
        good: list[tuple[str, bytes, _Reading]] = []
        unread: dict[str, SourceError] = {}
        for (url, replies), answer in zip(fetched, answers, strict=True):
            if isinstance(answer, BaseException):
                unread[url] = self._failure(url, answer)
            else:
                good.append((url, replies.digest, answer))
        size = sum(len(r.alerts) + len(r.silences) for _, _, r in good) * 1000
        decoding = [(url, Decoding(r.alerts, _Alert)) for url, _, r in good]
        alerts, silences = await _off_loop(
            size, _merge_both, decoding, [(url, r.silences) for url, _, r in good]
        )
        from console.acks import mark_acks

        endpoints = {}
        for (url, _, reading), (_, each) in zip(good, decoding, strict=True):
            read = f"{each.decoded:,} alerts"
            if reading.cut:
                read = f"first {read} only ({reading.cut})"
            endpoints[url] = EndpointStatus(
                url, True, read, cut=reading.cut, unreadable=each.skipped
            )
        alerts = mark_acks(alerts, silences)
        merged = _Merged(
            key=tuple((url, digest) for url, digest, _ in good),
            endpoints=endpoints,
            bad_silences=sum(r.bad_silences for _, _, r in good),
            alerts=alerts,
            silences=silences,
            summary=summarize(alerts),
        )
        return merged, unread

    async def _probe(self) -> ProbeResult:
        if not self.urls:
            raise SourceError("no Alertmanager URL configured", Status.UNKNOWN)
        answers = await asyncio.gather(
            *(self._fetch(url) for url in self.urls), return_exceptions=True
        )
        failed: dict[str, SourceError] = {}
        fetched: list[tuple[str, _Replies]] = []
        for url, answer in zip(self.urls, answers, strict=True):
            if isinstance(answer, BaseException):
                failed[url] = self._failure(url, answer)
            else:
                fetched.append((url, answer))
        key = tuple((url, replies.digest) for url, replies in fetched)
        merged = self._last_merge
        if not key or merged is None or merged.key != key or not all(d for _, d in key):
            merged = None
            if fetched:
                # the merge's key leaves out replies that could not be read: those are
                # read again next time, never taken for the same
                merged, unread = await self._merge(fetched)
                failed.update(unread)
            self._last_merge = merged
        for _, replies in fetched:  # megabytes in a storm: not kept while the result is built
            replies.release()

        endpoints: list[EndpointStatus] = []
        failures: list[tuple[str, SourceError]] = []
        for url in self.urls:
            if url in failed:
                failures.append((url, failed[url]))
                endpoints.append(EndpointStatus(url, False, failed[url].detail))
            elif merged is not None:
                endpoints.append(merged.endpoints[url])

        if merged is None or not merged.endpoints:
            if len(failures) == 1:
                error = failures[0][1]
                raise SourceError(error.detail, error.status)
            status = (
                Status.UNKNOWN
                if all(e.status == Status.UNKNOWN for _, e in failures)
                else Status.CRITICAL
            )
            reasons = "; ".join(e.detail for _, e in failures)
            raise SourceError(f"all {len(failures)} Alertmanagers failed: {reasons}", status)

        alerts, silences = merged.alerts, merged.silences
        data = AlertmanagerData(alerts=alerts, silences=silences, endpoints=tuple(endpoints))
        status = Status.OK
        notes = []
        if failures:
            reasons = "; ".join(e.detail for _, e in failures)
            notes.append(f"{len(failures)} of {len(self.urls)} Alertmanagers failed ({reasons})")
            status = Status.WARNING
        if data.cut:
            # the rest of the list is unread: whatever it holds, nobody can say it is calm
            notes.append(f"list cut: showing {len(alerts):,} alerts of more ({data.cut_reason})")
            status = Status.UNKNOWN
        for count, noun in ((data.unreadable, "alert"), (merged.bad_silences, "silence")):
            if count:
                notes.append(f"{_plural(count, noun)} could not be read (skipped)")
                if status is Status.OK:
                    status = Status.WARNING
        detail = " · ".join([*notes, merged.summary])
        return ProbeResult(self.name, status, detail, data=data)


def _digest(*bodies: bytes) -> bytes:
    """A digest of replies, to tell the same bytes again without keeping them (SHA-256:
    3.5 ms for a 5 MB storm here, where BLAKE2b took 10 ms, at every refresh)."""
    h = hashlib.sha256()
    for body in bodies:
        h.update(len(body).to_bytes(8, "little"))
        h.update(body)
    return h.digest()


def _merge_both(
    alert_replies: list[tuple[str, Iterable[_Alert]]],
    silence_replies: list[tuple[str, list[_Silence]]],
) -> tuple[tuple[Alert, ...], tuple[Silence, ...]]:
    return merge_alerts(alert_replies), merge_silences(silence_replies)


def merge_alerts(replies: Iterable[tuple[str, Iterable[_Alert]]]) -> tuple[Alert, ...]:
    """One Alert per fingerprint, remembering every URL that returned it; critical first.

    When copies disagree, "active" wins over "suppressed": an alert that still notifies
    through any Alertmanager is still paging someone. Each wire alert is made an Alert
    as it comes (a storm's wire alerts are never all held at once); a fingerprint seen
    again (another Alertmanager of a cluster) is joined to its first copy at the end.
    """
    # a storm's alerts share most of their label names, values, URLs and receivers: one
    # copy of each instead of one per alert (issue 13: 10,000 alerts within 150 MB)
    shared: dict[object, object] = {}

    def one(value: T) -> T:
        # what is kept is an equal value of the same type (labels are str tuples)
        return cast(T, shared.setdefault(value, value))

    def pairs(items: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        return one(tuple(one((sys.intern(k), one(v))) for k, v in sorted(items)))

    first: dict[str, Alert] = {}
    #: the later copies of a fingerprint: URL, state, silenced by, inhibited by, receivers
    again: dict[str, list[tuple[str, str, list[str], list[str], list[str]]]] = {}
    for url, alerts in replies:
        for raw in alerts:
            status = raw.status
            receivers = [r.name for r in raw.receivers if r.name]
            known = first.get(raw.fingerprint)
            if known is not None:
                copy = (url, status.state, status.silencedBy, status.inhibitedBy, receivers)
                again.setdefault(raw.fingerprint, []).append(copy)
                continue
            active = status.state == "active"
            first[raw.fingerprint] = Alert(
                fingerprint=raw.fingerprint,
                labels=pairs(raw.labels.items()),
                annotations=pairs(raw.annotations.items()),
                starts_at=parse_rfc3339(raw.startsAt),
                ends_at=parse_rfc3339(raw.endsAt),
                state=one(status.state),
                silenced_by=() if active else one(tuple(status.silencedBy)),
                inhibited_by=() if active else one(tuple(status.inhibitedBy)),
                generator_url=one(raw.generatorURL),
                sources=one((url,)),
                receivers=one(tuple(receivers)),
            )
    for fingerprint, copies in again.items():
        alert = first[fingerprint]
        sources = list(alert.sources)
        states = {alert.state}
        silenced, inhibited = list(alert.silenced_by), list(alert.inhibited_by)
        names = list(alert.receivers)
        for url, state, silenced_by, inhibited_by, receivers in copies:
            if url not in sources:
                sources.append(url)
            states.add(state)
            silenced += [s for s in silenced_by if s not in silenced]
            inhibited += [s for s in inhibited_by if s not in inhibited]
            names += [r for r in receivers if r not in names]
        if "active" in states:
            state, silenced, inhibited = "active", [], []
        else:
            state = "suppressed" if "suppressed" in states else alert.state
        first[fingerprint] = dataclasses.replace(
            alert,
            state=one(state),
            silenced_by=one(tuple(silenced)),
            inhibited_by=one(tuple(inhibited)),
            sources=one(tuple(sources)),
            receivers=one(tuple(names)),
        )
    return tuple(sorted(first.values(), key=alert_sort_key))


def merge_silences(replies: Iterable[tuple[str, list[_Silence]]]) -> tuple[Silence, ...]:
    """One Silence per id (clustered Alertmanagers share ids), active ones first."""
    seen: dict[str, tuple[_Silence, list[str]]] = {}
    for url, silences in replies:
        for raw in silences:
            if raw.id in seen:
                if url not in seen[raw.id][1]:
                    seen[raw.id][1].append(url)
            else:
                seen[raw.id] = (raw, [url])
    order = {"active": 0, "pending": 1}
    out = [_silence(raw, tuple(urls)) for raw, urls in seen.values()]
    out.sort(key=lambda s: (order.get(s.state, 2), -s.ends_at, s.id))
    return tuple(out)


def summarize(alerts: Iterable[Alert]) -> str:
    """A sentence like "3 firing (1 critical, 2 warning), 1 silenced"."""
    firing: dict[str, int] = {}
    silenced = inhibited = acked = 0
    for alert in alerts:
        state = alert.display_state
        if state == "acked":
            acked += 1
        elif state == "silenced":
            silenced += 1
        elif state == "inhibited":
            inhibited += 1
        else:
            firing[alert.severity] = firing.get(alert.severity, 0) + 1
    total = sum(firing.values())
    if total:
        ranked = sorted(
            firing.items(), key=lambda kv: ({"critical": 0, "warning": 1}.get(kv[0], 2), kv[0])
        )
        text = f"{total} firing ({', '.join(f'{n} {sev}' for sev, n in ranked)})"
    else:
        text = "nothing firing"
    if acked:
        text += f", {acked} acked"
    if silenced:
        text += f", {silenced} silenced"
    if inhibited:
        text += f", {inhibited} inhibited"
    return text


# --- matchers (one module decides, for the filter, check --filter and silences) ---

MatcherLike = Mapping[str, Any] | tuple[str, str, bool, bool]


def _matcher_fields(matcher: MatcherLike) -> tuple[str, str, bool, bool]:
    m = as_matcher(matcher)
    return m.name, m.value, m.is_regex, m.is_equal


# --- silence actions ----------------------------------------------------------------


def _error_text(reply: Reply) -> str:
    """The message of an Alertmanager error body (JSON string, {message} or plain text)."""
    text = reply.body[:500].decode("utf-8", "replace").strip()
    try:
        decoded = msgspec.json.decode(reply.body[:500])
    except msgspec.DecodeError:
        return text
    if isinstance(decoded, str):
        return decoded.strip()
    message = decoded.get("message") if isinstance(decoded, dict) else None
    if isinstance(message, str):
        return message.strip()
    return text


async def _call(
    url: str | Endpoint,
    method: str,
    path: str,
    timeout: float,
    client: httpx.AsyncClient | None,
    json: dict[str, Any] | None = None,
) -> Reply:
    """One request to an Alertmanager (a URL, or a configured Endpoint with its http block)."""
    endpoint = as_endpoint(url, "alertmanager")
    own = client is None
    client = plain_client(client, endpoint)
    try:
        return await request(client, method, endpoint.url + path, timeout=timeout, json=json)
    finally:
        if own:
            await client.aclose()


async def create_silence(
    url: str | Endpoint,
    matchers: Sequence[MatcherLike],
    starts_at: float,
    ends_at: float,
    created_by: str,
    comment: str,
    *,
    timeout: float,
    client: httpx.AsyncClient | None = None,
    silence_id: str | None = None,
) -> str:
    """Create a silence (or update `silence_id`) and return its id; SourceError if refused.

    An empty `created_by` is refused here: Alertmanager 0.25 accepts it, but a silence
    nobody owns is one nobody remembers to expire.
    """
    if not created_by.strip():
        raise SourceError("a silence needs its author (created_by)", Status.UNKNOWN)
    body = {
        "matchers": [
            dict(zip(("name", "value", "isRegex", "isEqual"), _matcher_fields(m), strict=True))
            for m in matchers
        ],
        "startsAt": format_rfc3339(starts_at),
        "endsAt": format_rfc3339(ends_at),
        "createdBy": created_by,
        "comment": comment,
    }
    if silence_id:
        body["id"] = silence_id
    reply = await _call(url, "POST", "/api/v2/silences", timeout, client, json=body)
    if reply.status in (400, 422):
        raise SourceError(f"Alertmanager refused the silence: {_error_text(reply)}", Status.UNKNOWN)
    if reply.status != 200:
        raise http_status_error(reply, f"creating a silence on {_host(url)}")
    decoded = reply.json("silence reply")
    silence_id = decoded.get("silenceID") if isinstance(decoded, dict) else None
    if not isinstance(silence_id, str) or not silence_id:
        raise SourceError("Alertmanager accepted the silence but returned no id", Status.UNKNOWN)
    return silence_id


async def expire_silence(
    url: str | Endpoint,
    silence_id: str,
    *,
    timeout: float,
    client: httpx.AsyncClient | None = None,
) -> None:
    """Expire a silence now; SourceError "no such silence" for an unknown id."""
    path = "/api/v2/silence/" + quote(silence_id, safe="")
    reply = await _call(url, "DELETE", path, timeout, client)
    if reply.status == 200:
        return
    text = _error_text(reply)
    # Alertmanager 0.25 answers an unknown id with 500 "silence not found"
    if reply.status == 404 or "not found" in text.lower():
        raise SourceError(f"no such silence: {silence_id}", Status.UNKNOWN)
    if reply.status in (400, 422):
        raise SourceError(f"Alertmanager refused to expire {silence_id}: {text}", Status.UNKNOWN)
    raise http_status_error(reply, f"expiring silence {silence_id} on {_host(url)}")


async def list_silences(
    url: str | Endpoint, *, timeout: float, client: httpx.AsyncClient | None = None
) -> list[Silence]:
    """Every silence one Alertmanager knows (active, pending and expired), active first."""
    reply = await _call(url, "GET", "/api/v2/silences", timeout, client)
    if reply.status != 200:
        raise http_status_error(reply, f"silences from {_host(url)}")
    raw = _decode(reply, list[_Silence], f"silences reply from {_host(url)}")
    return list(merge_silences([(_base(url), raw)]))


class _Receiver(msgspec.Struct):
    name: str = ""


class _Group(msgspec.Struct):
    labels: dict[str, str] = {}
    receiver: _Receiver = msgspec.field(default_factory=_Receiver)
    alerts: list[_Alert] = []


async def list_alert_groups(
    url: str | Endpoint, *, timeout: float, client: httpx.AsyncClient | None = None
) -> list[AlertGroup]:
    """Alertmanager's own grouping of its alerts (`/api/v2/alerts/groups`), as routed."""
    reply = await _call(url, "GET", "/api/v2/alerts/groups", timeout, client)
    if reply.status != 200:
        raise http_status_error(reply, f"alert groups from {_host(url)}")
    raw = _decode(reply, list[_Group], f"alert groups reply from {_host(url)}")
    return [
        AlertGroup(
            labels=tuple(sorted(group.labels.items())),
            receiver=group.receiver.name,
            fingerprints=tuple(alert.fingerprint for alert in group.alerts),
        )
        for group in raw
    ]
