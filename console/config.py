"""The typed config: msgspec Structs, loaded from YAML with errors that name key and line.

Every field has a default matching the runbook's localhost layout, so an empty file
is a valid config. Unknown keys are rejected. Secrets are never values in the file:
the config names the environment variable that holds each one (`*_env`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

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
        # percent of scrapes over the SLA month in which the orchestrator was up
        "availability": f"avg_over_time(up{{{sel}}}[30d]) * 100",
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


class PrometheusConfig(_Section):
    url: Url = "http://localhost:9090"
    job: str = JOB


class AlertmanagerConfig(_Section):
    # several: alerts are merged and deduplicated by fingerprint
    urls: list[Url] = msgspec.field(default_factory=lambda: ["http://localhost:9093"])


class GrafanaConfig(_Section):
    url: Url = "http://localhost:3000"


class MysqlConfig(_Section):
    host: str = "localhost"
    port: Port = 3306
    user: str = "genesis_user"
    # the environment variable that holds the password
    password_env: EnvName = "GENESIS_MYSQL_PASSWORD"
    database: str = "genesis"


class RedisConfig(_Section):
    url: Annotated[str, msgspec.Meta(pattern=r"^rediss?://")] = "redis://localhost:6379/0"


class TemporalConfig(_Section):
    address: Annotated[str, msgspec.Meta(pattern=r"^[^\s:]+:\d+$")] = "localhost:7233"


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


class SlackConfig(_Section):
    webhook_url_env: EnvName = "GENESIS_SLACK_WEBHOOK_URL"


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


def load_yaml(text: str, file: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse YAML into plain data and a map from each key path to its 1-based line."""
    lines: dict[tuple[Any, ...], int] = {}
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, lines

            def build(n: yaml.Node, path: tuple[Any, ...]) -> Any:
                lines.setdefault(path, n.start_mark.line + 1)
                if isinstance(n, yaml.MappingNode):
                    out: dict[Any, Any] = {}
                    loader.flatten_mapping(n)
                    for key_node, value_node in n.value:
                        key = loader.construct_object(key_node, deep=True)
                        if not isinstance(key, str | int | float | bool) and key is not None:
                            raise ConfigError(
                                file,
                                "a key must be a plain value",
                                ".".join(map(str, path)),
                                key_node.start_mark.line + 1,
                            )
                        lines[path + (key,)] = key_node.start_mark.line + 1
                        out[key] = build(value_node, path + (key,))
                    return out
                if isinstance(n, yaml.SequenceNode):
                    return [build(item, path + (i,)) for i, item in enumerate(n.value)]
                return loader.construct_object(n, deep=True)

            return build(node, ()), lines
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(file, f"not valid YAML: {exc.problem or exc}", "", line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(file, f"not valid YAML: {exc}") from None


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


def explain(exc: msgspec.ValidationError, file: str, lines: dict[tuple[Any, ...], int]):
    """Turn a msgspec ValidationError into a ConfigError with key path and line."""
    match = _AT.match(str(exc))
    assert match is not None
    message = match.group("msg")
    parts = _split_path(match.group("path") or "")
    unknown = re.match(r"Object contains unknown field `([^`]+)`", message)
    if unknown:
        parts.append(unknown.group(1))
        message = "unknown key"
    line = None
    for depth in range(len(parts), -1, -1):
        line = lines.get(tuple(parts[:depth]))
        if line:
            break
    return ConfigError(file, message, _path_text(parts), line)


def decode(data: Any, cls: type, file: str, lines: dict[tuple[Any, ...], int]) -> Any:
    """Convert plain data into a Struct, raising ConfigError with key and line."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(file, "the top level must be a mapping of keys", "", 1)
    try:
        return msgspec.convert(data, cls, strict=False)
    except msgspec.ValidationError as exc:
        raise explain(exc, file, lines) from None


def _check(config: Config, file: str, lines: dict[tuple[Any, ...], int]) -> None:
    def fail(path: tuple[Any, ...], message: str) -> None:
        raise ConfigError(file, message, _path_text(list(path)), lines.get(path))

    if not config.orchestrator.restart_command:
        fail(("orchestrator", "restart_command"), "must name a program to run (an argv list)")
    if not config.alertmanager.urls:
        fail(("alertmanager", "urls"), "must list at least one Alertmanager URL")
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


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot read: {exc}") from None


def load_environments(path: Path | None) -> Environments:
    """Every environment of the config file (the defaults, one environment, when there is none)."""
    if path is None:
        config = Config()
        return Environments("<defaults>", {config.environment: config}, config.environment, True)
    return parse_environments(_read(path), str(path))


def load_config(path: Path | None, env: str | None = None) -> Config:
    """Load the config file (the environment `env`, else $GENESIS_ENV, else the default),
    or the defaults when there is none."""
    return load_environments(path).pick(env)


def secret(env_name: str) -> str | None:
    """The secret held by an environment variable, or None when unset or empty."""
    value = os.environ.get(env_name, "")
    return value or None
