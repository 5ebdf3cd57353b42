"""The typed config: msgspec Structs, loaded from YAML with errors that name key and line.

Every field has a default matching the runbook's localhost layout, so an empty file
is a valid config. Unknown keys are rejected. Secrets are never values in the file:
the config names the environment variable that holds each one (`*_env`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import msgspec
import yaml

from console import paths

Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
Seconds = Annotated[float, msgspec.Meta(gt=0, le=3600)]
Url = Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s/]+.*$")]
EnvName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]

JOB = "genesis-orchestrator"


def default_sla_queries(job: str = JOB) -> dict[str, str]:
    """The PromQL behind each SLA value, for the orchestrator's Prometheus job."""
    sel = f'job="{job}"'
    return {
        # percent of the SLA month's minutes in which the orchestrator was up, counted as
        # the report counts them (README, "SLA report"): a minute without a scrape of it
        # while Prometheus scraped anything is down; one with no scrape at all (Prometheus
        # down) is left out. The burn rates use the same query over shorter windows. Until
        # a first whole minute is measured (a new Prometheus), the last minute's share.
        "availability": (
            f"100 * avg_over_time((max(avg_over_time(up{{{sel}}}[1m])) "
            "or on() (0 * max(present_over_time(up[1m]))))[30d:1m]) "
            f"or 100 * (max(avg_over_time(up{{{sel}}}[1m])) "
            "or on() (0 * max(present_over_time(up[1m]))))"
        ),
        "p95_latency": (
            "histogram_quantile(0.95, sum by (le) "
            f"(rate(genesis_orchestrator_request_duration_seconds_bucket{{{sel}}}[5m])))"
        ),
        "error_rate": (
            f"100 * sum(rate(genesis_orchestrator_failed_runs{{{sel}}}[5m])) "
            f"/ sum(rate(genesis_orchestrator_total_runs{{{sel}}}[5m]))"
        ),
    }


class _Section(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


# --- connections: the `http:` block, shaped like Prometheus's own http_config ----------


def _inline_secret(key: str, *alternatives: str) -> ValueError:
    forms = " or ".join(f"{alt}: ..." for alt in alternatives)
    return ValueError(
        f"`{key}` inline is refused: secrets never live in the config file; "
        f"use {forms} (e.g. {alternatives[0]}: {_EXAMPLE[alternatives[0]]})"
    )


_EXAMPLE = {"password_env": "AM_PASSWORD", "credentials_env": "PROM_TOKEN"}


class TlsConfig(_Section):
    """How to trust a server and, for mutual TLS, which client certificate to show."""

    # PEM file of the CA(s) that sign the server's certificate (instead of the system's)
    ca_file: str | None = None
    # the client certificate and its key, for servers that require one (both or neither)
    cert_file: str | None = None
    key_file: str | None = None
    # the name the server's certificate must carry, when it differs from the URL's host
    server_name: str | None = None
    # accept any certificate: allowed, but the Services row and the header say so
    insecure_skip_verify: bool = False

    def __post_init__(self) -> None:
        if bool(self.cert_file) != bool(self.key_file):
            raise ValueError("cert_file and key_file go together: set both or neither")


class BasicAuth(_Section):
    username: str
    password_env: EnvName | None = None
    password_file: str | None = None
    # refused with a message: present only so the refusal can name the right keys
    password: str | None = None

    def __post_init__(self) -> None:
        if self.password is not None:
            raise _inline_secret("password", "password_env", "password_file")
        if self.password_env and self.password_file:
            raise ValueError("set password_env or password_file, not both")


class Authorization(_Section):
    # the scheme put before the credentials: `Authorization: <type> <credentials>`
    type: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z][A-Za-z0-9._-]*$")] = "Bearer"
    credentials_env: EnvName | None = None
    # re-read whenever the file changes (as Kubernetes projected service-account tokens do)
    credentials_file: str | None = None
    credentials: str | None = None

    def __post_init__(self) -> None:
        if self.credentials is not None:
            raise _inline_secret("credentials", "credentials_env", "credentials_file")
        if bool(self.credentials_env) == bool(self.credentials_file):
            raise ValueError("set exactly one of credentials_env or credentials_file")


#: headers the `http:` block sets itself (or httpx does): not allowed under `headers:`
_RESERVED_HEADERS = {"authorization", "proxy-authorization", "host", "content-length", "cookie"}


class HttpConfig(_Section):
    """Auth, TLS and proxy for one HTTP backend; secrets only through `*_env`/`*_file`."""

    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    # extra request headers, e.g. {X-Scope-OrgID: tenant}; values are not secrets
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    tls_config: TlsConfig = msgspec.field(default_factory=TlsConfig)
    proxy_url: Annotated[str, msgspec.Meta(pattern=r"^(https?|socks5h?)://[^\s/]+.*$")] | None = (
        None
    )

    def __post_init__(self) -> None:
        if self.basic_auth is not None and self.authorization is not None:
            raise ValueError("set basic_auth or authorization, not both")
        for name, value in self.headers.items():
            if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
                raise ValueError(f"headers: {name!r} is not a valid header name")
            if name.lower() in _RESERVED_HEADERS:
                raise ValueError(
                    f"headers: {name} is set by the console; use basic_auth or "
                    "authorization (with *_env or *_file) for credentials"
                )
            if any(c in value for c in "\r\n\x00"):
                raise ValueError(f"headers: the value of {name} has a line break or NUL")
        if self.proxy_url and "@" in self.proxy_url.split("://", 1)[1].split("/", 1)[0]:
            raise ValueError(
                "proxy_url: credentials in the proxy URL are refused (they would be a secret "
                "in the config file)"
            )


def _http() -> HttpConfig:
    return HttpConfig()


@dataclass(frozen=True)
class Endpoint:
    """One HTTP backend as the console talks to it: a URL without userinfo, and its http block.

    `user:pass@` in a configured URL is taken out of the URL (so it is never shown or
    logged) and kept in `userinfo`, sent as basic auth to that origin only.
    """

    name: str
    url: str
    http: HttpConfig
    #: the config key the http block lives under, for messages ("alertmanager.http")
    section: str
    # never in a repr: it holds a password
    userinfo: tuple[str, str] | None = field(default=None, repr=False)


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """`url` without `user:pass@`, and the (user, password) taken out of it, if any."""
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#@]*)@(.*)$", url, re.S)
    if match is None:
        return url, None
    from urllib.parse import unquote

    user, _, password = match.group(2).partition(":")
    return match.group(1) + match.group(3), (unquote(user), unquote(password))


def make_endpoint(name: str, url: str, http: HttpConfig, section: str) -> Endpoint:
    bare, userinfo = split_userinfo(url)
    return Endpoint(name=name, url=bare.rstrip("/"), http=http, section=section, userinfo=userinfo)


def _default_name(url: str) -> str:
    bare, _ = split_userinfo(url)
    return re.sub(r"^https?://", "", bare).split("/", 1)[0]


class AlertmanagerUrl(_Section):
    """An entry of `alertmanager.urls` with its own name and http block."""

    url: Url
    # how the console (and the alert filter) calls this Alertmanager; default: host:port
    name: str | None = None
    # replaces alertmanager.http for this URL
    http: HttpConfig | None = None


class OrchestratorConfig(_Section):
    # the name production confirmations ask the engineer to type
    name: str = JOB
    # base URL of the orchestrator's HTTP API
    url: Url = "http://localhost:8000"
    # argv run by the restart action, never through a shell
    restart_command: list[str] = msgspec.field(
        default_factory=lambda: ["systemctl", "restart", JOB]
    )
    # seconds the restart command may take before it is stopped
    restart_timeout_seconds: Seconds = 60.0
    # seconds to wait for /health/ready after a restart (the runbook's recovery target)
    ready_deadline_seconds: Seconds = 300.0
    http: HttpConfig = msgspec.field(default_factory=_http)

    def endpoint(self) -> Endpoint:
        return make_endpoint("orchestrator", self.url, self.http, "orchestrator.http")


class PrometheusConfig(_Section):
    url: Url = "http://localhost:9090"
    job: str = JOB
    http: HttpConfig = msgspec.field(default_factory=_http)

    def endpoint(self) -> Endpoint:
        return make_endpoint("prometheus", self.url, self.http, "prometheus.http")


class AlertmanagerConfig(_Section):
    # several: alerts are merged and deduplicated by fingerprint; an entry may be
    # {url, name, http} to name it and give it its own http block
    urls: list[Url | AlertmanagerUrl] = msgspec.field(
        default_factory=lambda: ["http://localhost:9093"]
    )
    # applies to every URL unless its entry has its own
    http: HttpConfig = msgspec.field(default_factory=_http)
    # true: the URLs are peers of one HA cluster, so a silence or ack is created once
    # (peers gossip it); false: independent Alertmanagers, each gets its own
    cluster: bool = False

    def endpoints(self) -> list[Endpoint]:
        """Every configured Alertmanager, named, without userinfo, with its http block.

        A URL listed twice (`/` or not) is one Alertmanager: the first entry wins.
        """
        out: list[Endpoint] = []
        for index, entry in enumerate(self.urls):
            if isinstance(entry, str):
                out.append(
                    make_endpoint(_default_name(entry), entry, self.http, "alertmanager.http")
                )
            else:
                section = f"alertmanager.urls[{index}].http" if entry.http else "alertmanager.http"
                out.append(
                    make_endpoint(
                        entry.name or _default_name(entry.url),
                        entry.url,
                        entry.http or self.http,
                        section,
                    )
                )
        seen: set[str] = set()
        unique = []
        for endpoint in out:
            if endpoint.url not in seen:
                seen.add(endpoint.url)
                unique.append(endpoint)
        return unique

    def endpoint_for(self, url: str) -> Endpoint:
        """The endpoint whose URL is `url` (as sources report it), or one with the shared http."""
        bare = split_userinfo(url)[0].rstrip("/")
        for endpoint in self.endpoints():
            if endpoint.url == bare:
                return endpoint
        return make_endpoint(_default_name(url), url, self.http, "alertmanager.http")


class GrafanaConfig(_Section):
    url: Url = "http://localhost:3000"
    http: HttpConfig = msgspec.field(default_factory=_http)

    def endpoint(self) -> Endpoint:
        return make_endpoint("grafana", self.url, self.http, "grafana.http")


class MysqlConfig(_Section):
    host: str = "localhost"
    port: Port = 3306
    user: str = "genesis_user"
    # the environment variable that holds the password
    password_env: EnvName = "GENESIS_MYSQL_PASSWORD"
    database: str = "genesis"
    # set to talk TLS (a user created `REQUIRE SSL` needs it); null: plain TCP
    tls_config: TlsConfig | None = None


class RedisConfig(_Section):
    url: Annotated[str, msgspec.Meta(pattern=r"^rediss?://")] = "redis://localhost:6379/0"
    # the environment variable that holds the password (`requirepass`); unset: none
    password_env: EnvName | None = "GENESIS_REDIS_PASSWORD"
    # CA, client certificate and key for TLS; a rediss:// URL or this block turns TLS on
    tls_config: TlsConfig | None = None


class TemporalConfig(_Section):
    address: Annotated[str, msgspec.Meta(pattern=r"^[^\s:]+:\d+$")] = "localhost:7233"
    # set to talk TLS (with cert_file and key_file: mutual TLS); null: plaintext gRPC
    tls_config: TlsConfig | None = None


class SlaConfig(_Section):
    availability_percent: Annotated[float, msgspec.Meta(gt=0, lt=100)] = 99.9
    p95_latency_seconds: Annotated[float, msgspec.Meta(gt=0)] = 2.0
    error_rate_percent: Annotated[float, msgspec.Meta(ge=0, le=100)] = 1.0
    recovery_minutes: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    # override the PromQL behind availability, p95_latency, error_rate
    queries: dict[str, str] = msgspec.field(default_factory=dict)


class PagerDutyConfig(_Section):
    url: Url = "https://events.pagerduty.com/v2/enqueue"
    routing_key_env: EnvName = "GENESIS_PAGERDUTY_ROUTING_KEY"
    http: HttpConfig = msgspec.field(default_factory=_http)

    def endpoint(self) -> Endpoint:
        return make_endpoint("pagerduty", self.url, self.http, "escalation.pagerduty.http")


class SlackConfig(_Section):
    webhook_url_env: EnvName = "GENESIS_SLACK_WEBHOOK_URL"
    # e.g. a proxy_url or a CA for the webhook's host
    http: HttpConfig = msgspec.field(default_factory=_http)

    def endpoint(self, webhook_url: str) -> Endpoint:
        return make_endpoint("slack", webhook_url, self.http, "escalation.slack.http")


class EscalationConfig(_Section):
    pagerduty: PagerDutyConfig = msgspec.field(default_factory=PagerDutyConfig)
    slack: SlackConfig = msgspec.field(default_factory=SlackConfig)


class AuditConfig(_Section):
    path: str = "~/.local/state/genesis-console/audit.jsonl"


class WarroomConfig(_Section):
    # set to share the timeline, presence and action locks between consoles
    redis_url: Annotated[str, msgspec.Meta(pattern=r"^rediss?://")] | None = None
    # the environment variable holding the HMAC key that signs timeline entries;
    # without the key, entries are not signed and the timeline view says so
    key_env: EnvName | None = "GENESIS_WARROOM_KEY"
    # the environment variable holding the war-room Redis password (null: none)
    password_env: EnvName | None = None
    # CA, client certificate and key for TLS; a rediss:// URL or this block turns TLS on
    tls_config: TlsConfig | None = None


class NotificationsConfig(_Section):
    # ring the terminal bell on a new critical alert
    bell: bool = True
    # send an OSC 9 / OSC 777 desktop notification on a new critical alert
    desktop: bool = True


class Config(_Section):
    """The whole console config; an empty file gives the runbook's localhost layout."""

    # shown in the header; "production" gets an unmistakable cue
    environment: str = "production"
    refresh_seconds: Annotated[float, msgspec.Meta(ge=0.2, le=3600)] = 2.0
    # how long one probe may take before it counts as timed out
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=60)] = 3.0
    read_only: bool = False
    theme: str = "war-room"
    keymap: str = "default"
    orchestrator: OrchestratorConfig = msgspec.field(default_factory=OrchestratorConfig)
    prometheus: PrometheusConfig = msgspec.field(default_factory=PrometheusConfig)
    alertmanager: AlertmanagerConfig = msgspec.field(default_factory=AlertmanagerConfig)
    grafana: GrafanaConfig = msgspec.field(default_factory=GrafanaConfig)
    mysql: MysqlConfig = msgspec.field(default_factory=MysqlConfig)
    redis: RedisConfig = msgspec.field(default_factory=RedisConfig)
    temporal: TemporalConfig = msgspec.field(default_factory=TemporalConfig)
    ports: list[Port] = msgspec.field(
        default_factory=lambda: [8000, 9090, 9093, 3000, 3306, 6379, 7233]
    )
    sla: SlaConfig = msgspec.field(default_factory=SlaConfig)
    escalation: EscalationConfig = msgspec.field(default_factory=EscalationConfig)
    audit: AuditConfig = msgspec.field(default_factory=AuditConfig)
    warroom: WarroomConfig = msgspec.field(default_factory=WarroomConfig)
    notifications: NotificationsConfig = msgspec.field(default_factory=NotificationsConfig)

    @property
    def env_key(self) -> str | None:
        """The key under `environments:` this config is (None: a single-environment file).

        It is part of the default audit and timeline file names and of the war-room
        Redis keys, so two environments never share a record or a war room."""
        return None

    @property
    def audit_path(self) -> Path:
        """The audit log path with ~ and $XDG_STATE_HOME resolved."""
        default = AuditConfig().path
        if self.audit.path == default:
            return paths.default_audit_file(self.env_key)
        return Path(os.path.expandvars(self.audit.path)).expanduser()

    @property
    def timeline_path(self) -> Path:
        """The local war-room timeline file (one per environment)."""
        return paths.default_timeline_file(self.env_key)

    def sla_queries(self) -> dict[str, str]:
        """The default PromQL for each SLA value, with the config's overrides applied."""
        queries = default_sla_queries(self.prometheus.job)
        queries.update(self.sla.queries)
        return queries


class EnvironmentConfig(Config):
    """One environment of a file with `environments:`: a Config that knows its key."""

    key: str = ""

    @property
    def env_key(self) -> str | None:
        return self.key


SLA_QUERY_KEYS = ("availability", "p95_latency", "error_rate")


class ConfigError(Exception):
    """A config (or theme, keymap) file that cannot be used, with where and why."""

    def __init__(self, file: str, message: str, key: str = "", line: int | None = None):
        self.file = file
        self.key = key
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


T = TypeVar("T")

#: the largest file parsed: a full config is a few KiB, so anything near this is a mistake
#: (or an attack) and is refused before the YAML parser sees a byte of it
MAX_FILE_BYTES = 256 * 1024
#: the most values one file may expand to, counting every use of an alias in full
#: (a "billion laughs" file is a few hundred bytes that expand to billions of values)
MAX_NODES = 10_000
#: the deepest nesting of lists and mappings, in the file and after aliases are expanded
MAX_DEPTH = 64


class _Refused(Exception):
    """A structural bound of the loader, hit at `mark`."""

    def __init__(self, message: str, mark: Any = None):
        super().__init__(message)
        self.message = message
        self.line = mark.line + 1 if mark is not None else None


if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    try:
        from yaml.cyaml import CParser
    except ImportError:  # a PyYAML built without libyaml
        _SafeLoader = yaml.SafeLoader
    else:

        class _SafeLoader(
            yaml.composer.Composer,
            CParser,
            yaml.constructor.SafeConstructor,
            yaml.resolver.Resolver,
        ):
            """PyYAML's safe loader with libyaml's scanner and parser (the events, in C:
            5-6x faster on the themes and keymap read before the first frame, issue 13)
            under PyYAML's own Python composer, which _BoundedLoader bounds; libyaml
            parses without recursion, so nesting is still refused by MAX_DEPTH first."""

            def __init__(self, stream: str) -> None:
                CParser.__init__(self, stream)
                yaml.constructor.SafeConstructor.__init__(self)
                yaml.resolver.Resolver.__init__(self)
                yaml.composer.Composer.__init__(self)


class _BoundedLoader(_SafeLoader):
    """PyYAML's safe loader with bounds on what the composer builds.

    The composer refuses an alias to a node that is still being composed (a recursive
    structure such as `&a [*a]`, which would otherwise recurse without end), nesting
    deeper than MAX_DEPTH, and more than MAX_NODES values, whether written out in the
    file or reached through aliases (each use of an alias counts its whole value).
    """

    def __init__(self, stream: str):
        super().__init__(stream)
        self._open_anchors: list[str] = []
        self._depth = 0
        self._nodes = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # unannotated in types-PyYAML
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent):
            if anchor in self._open_anchors:
                raise _Refused(
                    f"the alias *{anchor} refers to a value that contains it; "
                    "recursive structures are refused",
                    event.start_mark,
                )
            return super().compose_node(parent, index)  # its size is known: it is complete
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(f"more than {MAX_NODES} values in one file", event.start_mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        if anchor is not None:
            self._open_anchors.append(anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open_anchors.pop()
        if node is None:  # no node here (the composer's own answer)
            return None
        # how many values this node stands for once every alias in it is expanded
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._sizes[id(item)] for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._sizes[id(k)] + self._sizes[id(v)] for k, v in node.value)
        if size > MAX_NODES:
            raise _Refused(
                f"expands to more than {MAX_NODES} values (aliases used over and over, "
                "as in a 'billion laughs' file)",
                node.start_mark,
            )
        self._sizes[id(node)] = size
        return node


_MERGE = "tag:yaml.org,2002:merge"


def load_yaml(text: str, file: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse YAML into plain data and a map from each key path to its 1-based line.

    Safe tags only, and bounded: over MAX_FILE_BYTES, recursive aliases, nesting past
    MAX_DEPTH and expanding to more than MAX_NODES values (every alias counted each time
    it is used) are refused with a ConfigError, never a long wait or a traceback.
    """
    if len(text) > MAX_FILE_BYTES:
        raise ConfigError(file, _too_big())
    lines: dict[tuple[Any, ...], int] = {}
    built = 0
    try:
        loader = _BoundedLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, lines

            def count(n: yaml.Node, depth: int) -> None:
                nonlocal built
                built += 1
                if built > MAX_NODES:
                    raise _Refused(
                        f"expands to more than {MAX_NODES} values (aliases used over "
                        "and over, as in a 'billion laughs' file)",
                        n.start_mark,
                    )
                if depth > MAX_DEPTH:
                    raise _Refused(
                        f"nested more than {MAX_DEPTH} levels deep once aliases are expanded",
                        n.start_mark,
                    )

            def scalar(n: yaml.Node) -> Any:
                try:
                    return loader.construct_object(n, deep=True)
                except (ValueError, OverflowError) as exc:  # 2024-13-45, a 5000-digit int
                    raise _Refused(f"not a usable value: {exc}", n.start_mark) from None

            def build(n: yaml.Node, path: tuple[Any, ...], depth: int) -> Any:
                count(n, depth)
                lines.setdefault(path, n.start_mark.line + 1)
                if isinstance(n, yaml.MappingNode):
                    out: dict[Any, Any] = {}
                    # merge keys (`<<: *defaults`) first: the mapping's own keys win
                    for key_node, value_node in n.value:
                        if key_node.tag != _MERGE:
                            continue
                        sources = (
                            value_node.value
                            if isinstance(value_node, yaml.SequenceNode)
                            else [value_node]
                        )
                        for source in sources:
                            if not isinstance(source, yaml.MappingNode):
                                raise _Refused(
                                    "only mappings can be merged with <<", source.start_mark
                                )
                            for key, value in build(source, path, depth + 1).items():
                                out.setdefault(key, value)
                    own: dict[Any, Any] = {}
                    for key_node, value_node in n.value:
                        if key_node.tag == _MERGE:
                            continue
                        if not isinstance(key_node, yaml.ScalarNode):
                            raise ConfigError(
                                file,
                                "a key must be a plain value",
                                ".".join(map(str, path)),
                                key_node.start_mark.line + 1,
                            )
                        key = scalar(key_node)
                        if key in own:  # YAML keys are unique; the second would win silently
                            raise ConfigError(
                                file,
                                f"key {key!r} appears twice (first at line "
                                f"{lines[path + (key,)]}); keep one",
                                ".".join(map(str, path + (key,))),
                                key_node.start_mark.line + 1,
                            )
                        lines[path + (key,)] = key_node.start_mark.line + 1
                        own[key] = build(value_node, path + (key,), depth + 1)
                    out.update(own)
                    return out
                if isinstance(n, yaml.SequenceNode):
                    return [build(item, path + (i,), depth + 1) for i, item in enumerate(n.value)]
                return scalar(n)

            return build(node, (), 1), lines
        finally:
            loader.dispose()
    except _Refused as exc:
        raise ConfigError(file, f"refused: {exc.message}", "", exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(file, f"not valid YAML: {exc.problem or exc}", "", line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(file, f"not valid YAML: {exc}") from None
    except UnicodeError:  # a lone surrogate: libyaml reads UTF-8 only
        raise ConfigError(file, "not valid YAML: not UTF-8 text") from None
    except RecursionError:  # a bound above should always come first; never a traceback
        raise ConfigError(file, "refused: nested too deeply to read") from None


def _too_big() -> str:
    return (
        f"refused: larger than {MAX_FILE_BYTES // 1024} KiB (a config, theme or keymap "
        "is a few KiB)"
    )


def read_file(path: Path) -> str:
    """A config, theme or keymap file's text, refusing one over MAX_FILE_BYTES unread."""
    file = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(file, "no such file") from None
    except OSError as exc:
        raise ConfigError(file, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(file, _too_big())
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            file, f"cannot read: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None


_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


def _split_path(raw: str) -> list[Any]:
    parts: list[Any] = []
    for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", raw):
        parts.append(int(index) if index else name)
    return parts


def _path_text(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def explain(
    exc: msgspec.ValidationError, file: str, lines: dict[tuple[Any, ...], int]
) -> ConfigError:
    """Turn a msgspec ValidationError into a ConfigError with key path and line."""
    match = _AT.match(str(exc))
    assert match is not None
    message = match.group("msg")
    parts = _split_path(match.group("path") or "")
    unknown = re.match(r"Object contains unknown field `([^`]+)`", message)
    if unknown:
        parts.append(unknown.group(1))
        message = "unknown key" + _did_you_mean(unknown.group(1), parts[:-1])
    message = _in_words(message)
    line = None
    for depth in range(len(parts), -1, -1):
        line = lines.get(tuple(parts[:depth]))
        if line:
            break
    return ConfigError(file, message, _path_text(parts), line)


#: msgspec's "Expected `str` matching regex '…'" for each key pattern, in plain words
_PATTERN_WORDS = (
    ("(https?|socks5h?)://", "must be an http://, https:// or socks5:// proxy URL"),
    ("https?://", "must be an http:// or https:// URL with a host (e.g. http://localhost:9090)"),
    ("rediss?://", "must be a redis:// or rediss:// URL (e.g. redis://localhost:6379/0)"),
    (":\\d+$", "must be host:port (e.g. localhost:7233)"),
    ("[A-Za-z_][A-Za-z0-9_]*$", "must be the name of an environment variable (letters, digits, _)"),
    ("[A-Za-z][A-Za-z0-9._-]*$", "must be a word such as Bearer"),
)


def _in_words(message: str) -> str:
    match = re.match(r"Expected `str` matching regex '(.*)'$", message)
    if not match:
        return message
    pattern = match.group(1).replace("\\\\", "\\")
    for needle, words in _PATTERN_WORDS:
        if needle in pattern:
            return words
    return f"does not have the expected form ({pattern})"


def _did_you_mean(key: str, parts: list[Any]) -> str:
    """' (did you mean url?)' when a known key of that section is close to `key`."""
    import difflib

    cls: Any = Config
    for part in parts:
        if isinstance(part, int):
            continue
        field = getattr(cls, "__struct_fields__", ())
        if part not in field:
            return ""
        hint = msgspec.inspect.type_info(cls)
        if not isinstance(hint, msgspec.inspect.StructType):
            return ""
        sub = next((f.type for f in hint.fields if f.name == part), None)
        cls = getattr(sub, "cls", None)
        if cls is None:
            return ""
    known = list(getattr(cls, "__struct_fields__", ()))
    near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    return f" (did you mean {near[0]}?)" if near else ""


def decode(data: Any, cls: type[T], file: str, lines: dict[tuple[Any, ...], int]) -> T:
    """Convert plain data into a Struct, raising ConfigError with key and line."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(file, "the top level must be a mapping of keys", "", 1)
    try:
        return msgspec.convert(data, cls, strict=False)
    except msgspec.ValidationError as exc:
        raise explain(exc, file, lines) from None


#: characters no config value may hold: C0 and C1 controls (NUL included) and DEL
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: the same, but a tab or a line break is fine (PromQL queries, a `sh -c` script)
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: characters a terminal hides or obeys instead of showing: bidi controls, zero-width
#: characters, line and paragraph separators
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_CONTROL_NAMES = {0: "NUL", 9: "tab", 10: "line break", 13: "carriage return", 27: "ESC"}
_HOST = re.compile(r"[\w.-]+")
#: the keys holding HTTP(S) URLs and Redis URLs (a list index is written as `*`)
HTTP_URL_KEYS = (
    ("orchestrator", "url"),
    ("prometheus", "url"),
    ("alertmanager", "urls", "*"),
    ("grafana", "url"),
    ("escalation", "pagerduty", "url"),
)
REDIS_URL_KEYS = (("redis", "url"), ("warroom", "redis_url"))
#: text values that mean nothing when empty (an empty `orchestrator.name` would let a
#: production confirmation pass with a bare Enter)
NON_EMPTY_KEYS = (
    ("environment",),
    ("orchestrator", "name"),
    ("prometheus", "job"),
    ("mysql", "host"),
    ("audit", "path"),
)


def _strings(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every text value (and mapping key) inside plain data, with its key path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield path + (key,), key
            yield from _strings(item, path + (key,))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))


def _text_problem(path: tuple[Any, ...], value: str) -> str | None:
    multiline = path[:2] in (("sla", "queries"), ("orchestrator", "restart_command"))
    bad = (_CONTROL_MULTILINE if multiline else _CONTROL).search(value)
    if bad:
        code = ord(bad.group())
        name = _CONTROL_NAMES.get(code, "")
        name = f" ({name})" if name else ""
        return f"contains the control character \\x{code:02x}{name}; config values cannot"
    odd = _INVISIBLE.search(value)
    if odd:
        return (
            f"contains the invisible character U+{ord(odd.group()):04X}, "
            "which a terminal would hide or act on"
        )
    return None


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _port_problem(text: str) -> str | None:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        return "the port must be a number from 1 to 65535"
    return None


def url_problem(value: str, schemes: tuple[str, ...]) -> str | None:
    """Why `value` is not a usable URL with one of `schemes`, or None when it is.

    The reason never repeats the URL, which may carry a password.
    """
    from urllib.parse import urlsplit

    want = " or ".join(f"{scheme}://" for scheme in schemes)
    if any(c.isspace() for c in value):
        return "a URL cannot contain spaces or line breaks"
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        return f"not a valid URL: {exc}"
    if parts.scheme.lower() not in schemes or not value.lower().startswith(parts.scheme + "://"):
        return f"must be a URL starting with {want}"
    hostport = parts.netloc.rpartition("@")[2]
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        if ":" not in host or not _is_ip(host):
            return "names no valid IPv6 host between [ and ]"
        if rest and not rest.startswith(":"):
            return "not a valid URL: text after the IPv6 host"
        port = rest[1:] if rest else None
    else:
        host, colon, port_text = hostport.partition(":")
        port = port_text if colon else None
        if not host:
            return "names no host"
        if not _HOST.fullmatch(host):
            return "the host may hold only letters, digits, dots and dashes"
    if port is not None:
        return _port_problem(port)
    return None


def _keys(pattern: tuple[str, ...], data: Any) -> list[tuple[Any, ...]]:
    """The key paths in `data` that match `pattern` (`*` matches every list index)."""
    found: list[tuple[Any, ...]] = [()]
    for part in pattern:
        nxt: list[tuple[Any, ...]] = []
        for path in found:
            value = _at(data, path)
            if part == "*" and isinstance(value, list):
                nxt.extend(path + (i,) for i in range(len(value)))
            elif isinstance(value, dict) and part in value:
                nxt.append(path + (part,))
        found = nxt
    return found


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _check(config: Config, file: str, lines: dict[tuple[Any, ...], int]) -> None:
    def fail(path: tuple[Any, ...], message: str) -> None:
        line = None
        for depth in range(len(path), -1, -1):
            line = lines.get(path[:depth])
            if line:
                break
        raise ConfigError(file, message, _path_text(list(path)), line)

    data = msgspec.to_builtins(config)
    for path, value in _strings(data):
        problem = _text_problem(path, value)
        if problem:
            fail(path, problem)
    for path in NON_EMPTY_KEYS:
        if not _at(data, path).strip():
            fail(path, "must not be empty")
    for patterns, schemes in (
        (HTTP_URL_KEYS, ("http", "https")),
        (REDIS_URL_KEYS, ("redis", "rediss")),
    ):
        for pattern in patterns:
            for path in _keys(pattern, data):
                url = _at(data, path)
                if isinstance(url, dict):  # an entry such as {url: ..., name: ...}
                    path, url = path + ("url",), url.get("url")
                if not isinstance(url, str):
                    continue
                problem = url_problem(url, schemes)
                if not problem and schemes[0] == "redis":
                    database = url.partition("://")[2].partition("/")[2].partition("?")[0]
                    database = database.strip("/")
                    if database and not database.isdigit():
                        problem = "the path must be a database number, as in redis://host:6379/0"
                if problem:
                    fail(path, problem)
    if not _HOST.fullmatch(config.mysql.host) and not _is_ip(config.mysql.host):
        fail(("mysql", "host"), "a host name may hold only letters, digits, dots and dashes")
    port_problem = _port_problem(config.temporal.address.rpartition(":")[2])
    if port_problem:
        fail(("temporal", "address"), port_problem)

    command = config.orchestrator.restart_command
    if not command:
        fail(("orchestrator", "restart_command"), "must name a program to run (an argv list)")
    if not command[0].strip():
        fail(("orchestrator", "restart_command", 0), "must name the program to run, not be empty")
    if not config.alertmanager.urls:
        fail(("alertmanager", "urls"), "must list at least one Alertmanager URL")
    names: set[str] = set()
    for endpoint in config.alertmanager.endpoints():
        if endpoint.name in names:
            index = next(
                i
                for i, entry in enumerate(config.alertmanager.urls)
                if split_userinfo(entry if isinstance(entry, str) else entry.url)[0].rstrip("/")
                == endpoint.url
            )
            fail(
                ("alertmanager", "urls", index),
                f"two Alertmanagers are called {endpoint.name!r}: give each entry its own name",
            )
        names.add(endpoint.name)
    for key in config.sla.queries:
        if key not in SLA_QUERY_KEYS:
            fail(
                ("sla", "queries", key),
                f"unknown SLA query; use one of {', '.join(SLA_QUERY_KEYS)}",
            )
        if not config.sla.queries[key].strip():
            fail(("sla", "queries", key), "must be a PromQL expression")


def parse_config(text: str, file: str = "<config>", env: str | None = None) -> Config:
    """Parse and validate config text; with `environments:`, the one `env` names."""
    return parse_environments(text, file).pick(env)


def _decode_checked(data: Any, file: str, lines: dict[tuple[Any, ...], int]) -> Config:
    config = decode(data, Config, file, lines)
    _check(config, file, lines)
    return config


def config_errors(text: str, file: str = "<config>") -> list[ConfigError]:
    """Every error of a config file, not only the first (for `validate`).

    Decoding stops at the first problem, so each top-level key, and each key of a
    section that fails, is checked on its own over the defaults: every independent
    mistake is named with its key and line. A problem only the whole file has (YAML
    syntax, a duplicate key, an unknown environment) is the one error.
    """
    try:
        parse_environments(text, file)
        return []
    except ConfigError as exc:
        first = exc
    try:
        data, lines = load_yaml(text, file)
    except ConfigError as exc:
        return [exc]
    if not isinstance(data, dict) or any(key in data for key in ENV_KEYS):
        return [first]

    def fails(piece: dict[str, Any]) -> ConfigError | None:
        try:
            _decode_checked(piece, file, lines)
        except ConfigError as exc:
            return exc
        return None

    errors: list[ConfigError] = []
    for key, value in data.items():
        error = fails({key: value})
        if error is None:
            continue
        inner = []
        if isinstance(value, dict) and len(value) > 1:
            inner = [e for k, v in value.items() if (e := fails({key: {k: v}})) is not None]
        errors.extend(inner or [error])
    unique: dict[str, ConfigError] = {}
    for error in errors:
        unique.setdefault(str(error), error)
    found = sorted(unique.values(), key=lambda e: (e.line or 0, e.key))
    return found or [first]


#: an environment's key: part of file names and Redis keys, so nothing exotic
ENV_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
#: the top-level keys that describe environments rather than one environment
ENV_KEYS = ("environments", "default_env")
#: where --env falls back to when it is not given
ENV_VARIABLE = "GENESIS_ENV"


def merge_mappings(base: Any, override: Any) -> Any:
    """`override` on top of `base`: mappings merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merge_mappings(base[key], value) if key in base else value
        return out
    return override


class Environments:
    """Every environment of one config file, by key, and the one picked by default.

    A file without `environments:` is one environment, `single`: its key is None, so
    its audit and timeline files and war-room keys keep their single-file names."""

    def __init__(self, file: str, configs: dict[str, Config], default: str, single: bool):
        self.file = file
        self.configs = configs
        self.default = default
        self.single = single

    @property
    def names(self) -> list[str]:
        return list(self.configs)

    def pick(self, name: str | None = None, *, source: str = "--env") -> Config:
        """The environment `name` (else $GENESIS_ENV, else the default); ConfigError if unknown."""
        if name is None:
            name = os.environ.get(ENV_VARIABLE) or None
            source = f"${ENV_VARIABLE}"
        if name is None:
            return self.configs[self.default]
        if name in self.configs:
            return self.configs[name]
        if self.single:
            raise ConfigError(
                self.file,
                f"{source} {name!r}: this config has no `environments:`; its one environment "
                f"is {self.default!r}",
            )
        raise ConfigError(
            self.file,
            f"{source} {name!r}: no such environment; known: {', '.join(self.configs)}",
            "environments",
        )


def parse_environments(text: str, file: str = "<config>") -> Environments:
    """Parse a config file into its environments, validating every one of them.

    Keys outside `environments:` are shared defaults; each environment's block is
    merged over them (mappings key by key, lists and values replaced) before it is
    decoded, and its `environment:` defaults to its key."""
    data, lines = load_yaml(text, file)
    if data is None:
        data = {}
    if not isinstance(data, dict) or "environments" not in data:
        if isinstance(data, dict) and "default_env" in data:
            raise ConfigError(
                file,
                "needs `environments:` to pick from",
                "default_env",
                lines.get(("default_env",)),
            )
        config = _decode_checked(data, file, lines)
        return Environments(file, {config.environment: config}, config.environment, single=True)

    def fail(path: tuple[Any, ...], message: str) -> ConfigError:
        return ConfigError(file, message, _path_text(list(path)), lines.get(path))

    blocks = data["environments"]
    if not isinstance(blocks, dict) or not blocks:
        raise fail(("environments",), "must map each environment's name to its settings")
    shared = {k: v for k, v in data.items() if k not in ENV_KEYS}
    shared_lines = {p: n for p, n in lines.items() if not p or p[0] not in ENV_KEYS}
    configs: dict[str, Config] = {}
    for key, block in blocks.items():
        where = ("environments", key)
        if not isinstance(key, str) or not ENV_KEY.match(key):
            raise fail(where, "an environment's name is letters, digits, `_`, `.`, `-`")
        if block is None:
            block = {}
        if not isinstance(block, dict):
            raise fail(where, "must be a mapping of config keys")
        for nested in ENV_KEYS:
            if nested in block:
                raise fail(where + (nested,), "environments do not nest")
        merged = merge_mappings(shared, block)
        merged["environment"] = block.get("environment", key)
        # a key set in the block is reported at its line in the block
        env_lines = dict(shared_lines)
        own: set[int] = set()
        for path, line in lines.items():
            if path[:2] == where and len(path) > 2:
                env_lines[path[2:]] = line
                own.add(line)
        try:
            config = _decode_checked(merged, file, env_lines)
        except ConfigError as exc:
            if exc.line in own:
                exc.key = _path_text([*where, *_split_key(exc.key)])
            else:
                exc.message += f" (in environment {key})"
            raise ConfigError(exc.file, exc.message, exc.key, exc.line) from None
        configs[key] = EnvironmentConfig(**msgspec.structs.asdict(config), key=key)
    default = data.get("default_env")
    if default is None:
        default = next(iter(configs))
    elif default not in configs:
        raise fail(
            ("default_env",), f"{default!r} is not one of the environments: {', '.join(configs)}"
        )
    return Environments(file, configs, default, single=False)


def _split_key(text: str) -> list[Any]:
    """`mysql.port` / `ports[2]` back into path parts."""
    return _split_path("." + text) if text else []


def load_environments(path: Path | None) -> Environments:
    """Every environment of the config file (the defaults, one environment, when there is none)."""
    if path is None:
        config = Config()
        return Environments("<defaults>", {config.environment: config}, config.environment, True)
    return parse_environments(read_file(path), str(path))


def load_config(path: Path | None, env: str | None = None) -> Config:
    """Load the config file (the environment `env`, else $GENESIS_ENV, else the default),
    or the defaults when there is none."""
    return load_environments(path).pick(env)


def http_endpoints(config: Config) -> list[Endpoint]:
    """Every configured HTTP backend (PagerDuty included; Slack's URL is a secret, so not)."""
    return [
        config.orchestrator.endpoint(),
        config.prometheus.endpoint(),
        *config.alertmanager.endpoints(),
        config.grafana.endpoint(),
        config.escalation.pagerduty.endpoint(),
    ]


def warnings(config: Config) -> list[str]:
    """Things that work but should be done otherwise, for `validate` to print."""
    out: list[str] = []
    for endpoint in http_endpoints(config):
        if endpoint.userinfo is not None:
            section = endpoint.section.rsplit(".http", 1)[0]
            out.append(
                f"{section}: the URL {endpoint.url} carries user:password@; it works (the "
                f"password is never shown), but keep the password out of the file: "
                f"{endpoint.section}: {{basic_auth: {{username: {endpoint.userinfo[0] or '...'}, "
                "password_env: SOME_VARIABLE}}"
            )
        if endpoint.http.tls_config.insecure_skip_verify:
            out.append(
                f"{endpoint.section}.tls_config.insecure_skip_verify is on: the server's "
                f"certificate for {endpoint.url} is not checked; set ca_file instead"
            )
    return list(dict.fromkeys(out))


def secret(env_name: str) -> str | None:
    """The secret held by an environment variable, or None when unset or empty."""
    value = os.environ.get(env_name, "")
    return value or None
