"""The commented config `genesis-console init` writes, generated from the config schema.

Every key of `console.config.Config` is written with its default, walked from the
msgspec structs themselves, so a key added to the schema appears here without anyone
remembering to; what each key is for comes from DOCS (by key path, then by key name),
and a test fails when a key has no words in DOCS.
"""

from __future__ import annotations

import textwrap
from typing import Any

import msgspec
import yaml

#: what each key is for, by dotted key path; a key path not here is looked up by its
#: last part in NAME_DOCS (e.g. every `tls_config.ca_file` shares one sentence)
DOCS: dict[str, str] = {
    "environment": 'shown in the header; "production" gets an unmistakable cue and '
    "typed confirmations for restart and escalate",
    "refresh_seconds": "how often every source is polled, in seconds",
    "timeout_seconds": "how long one probe may take before it counts as timed out",
    "read_only": "show everything, act on nothing (also: --read-only)",
    "theme": "colour theme: a bundled one or one in ~/.config/genesis-console/themes/",
    "keymap": "key bindings: a bundled one or one in ~/.config/genesis-console/keymaps/",
    "orchestrator": "the GENESIS orchestrator: its HTTP API and how to restart it",
    "orchestrator.name": "what production confirmations ask the engineer to type",
    "orchestrator.url": "base URL of the orchestrator's HTTP API (/health/ready, /api/cache/clear)",
    "orchestrator.restart_command": "argv the restart action runs, never through a shell",
    "orchestrator.restart_timeout_seconds": "seconds the restart command may take before it "
    "is stopped",
    "orchestrator.ready_deadline_seconds": "seconds to wait for /health/ready after a restart "
    "(the runbook's recovery target)",
    "prometheus": "the Prometheus that scrapes the orchestrator (SLA values)",
    "prometheus.url": "base URL of Prometheus",
    "prometheus.job": "the orchestrator's scrape job; the default SLA queries select it",
    "alertmanager": "where the alerts come from",
    "alertmanager.urls": "one or more Alertmanagers: alerts are merged and deduplicated",
    "alertmanager.cluster": "true: the URLs are peers of one HA cluster (silence once)",
    "grafana": "Grafana, probed for health and linked from alerts",
    "grafana.url": "base URL of Grafana",
    "mysql": "the orchestrator's MySQL database",
    "mysql.host": "MySQL host name or address",
    "mysql.port": "MySQL port",
    "mysql.user": "MySQL user the console connects as (read-only rights are enough)",
    "mysql.password_env": "the environment variable that holds the MySQL password",
    "mysql.database": "the orchestrator's database",
    "redis": "the orchestrator's Redis cache (the cache-clear action, health)",
    "redis.url": "redis:// or rediss:// URL, without the password",
    "redis.password_env": "the environment variable that holds the Redis password (null: none)",
    "temporal": "the Temporal frontend the orchestrator runs workflows on",
    "temporal.address": "host:port of Temporal's gRPC frontend",
    "ports": "TCP ports on this host that must be listening",
    "sla": "the SLA targets of the runbook",
    "sla.availability_percent": "monthly availability target, percent",
    "sla.p95_latency_seconds": "95th percentile request latency target, seconds",
    "sla.error_rate_percent": "failed runs as a percent of all runs, at most",
    "sla.recovery_minutes": "from the first critical alert to all clear, at most",
    "sla.queries": "override the PromQL behind availability, p95_latency, error_rate",
    "escalation": "where escalations go",
    "escalation.pagerduty": "PagerDuty Events API v2",
    "escalation.pagerduty.url": "the Events API endpoint",
    "escalation.pagerduty.routing_key_env": "the environment variable that holds the routing key",
    "escalation.slack": "a Slack incoming webhook",
    "escalation.slack.webhook_url_env": "the environment variable that holds the webhook URL",
    "audit": "the audit log of every action",
    "audit.path": "JSONL file (default under $XDG_STATE_HOME; with environments, one file "
    "per environment)",
    "warroom": "sharing the timeline, presence and action locks between consoles",
    "warroom.redis_url": "set to share the timeline, presence and action locks between "
    "consoles (null: this console only)",
    "warroom.key_env": "the environment variable holding the HMAC key that signs timeline "
    "entries; unsigned entries show as unverified",
    "warroom.password_env": "the environment variable holding the war-room Redis password "
    "(null: none)",
    "notifications": "what a new critical alert does besides showing up",
    "notifications.bell": "ring the terminal bell",
    "notifications.desktop": "send an OSC 9 / OSC 777 desktop notification",
}

#: sentences for keys that appear in several places (HTTP and TLS settings, entries)
NAME_DOCS: dict[str, str] = {
    "url": "base URL",
    "name": "a short name shown on screen and in `check` output",
    "http": "how to connect: like Prometheus's http_config (secrets only via *_env or *_file)",
    "basic_auth": "HTTP basic authentication",
    "username": "the user name",
    "password": "refused if set: secrets never live in this file; use password_env or password_file",
    "password_env": "the environment variable that holds the password",
    "password_file": "a file that holds the password",
    "authorization": "an Authorization header",
    "type": "the scheme, e.g. Bearer",
    "credentials": "refused if set: use credentials_env or credentials_file",
    "credentials_env": "the environment variable that holds the credentials",
    "credentials_file": "a file that holds the credentials",
    "headers": "extra request headers",
    "tls_config": "TLS settings (CA, client certificate)",
    "ca_file": "CA certificate file that signs the server's certificate",
    "cert_file": "client certificate file",
    "key_file": "client key file",
    "server_name": "the name expected in the server's certificate",
    "insecure_skip_verify": "do not check the server's certificate (never in production)",
    "proxy_url": "an HTTP proxy to go through",
}

ENVIRONMENTS_EXAMPLE = """\
# Several environments in one file (optional). Keys outside `environments:` are shared
# defaults; each environment's block overrides them (mappings merge key by key, lists
# are replaced). An environment's `environment:` defaults to its name, and each one
# keeps its own audit log, timeline file and war-room stream. Pick one with --env NAME
# or $GENESIS_ENV; switch live from the command palette (ctrl+p).
# environments:
#   production: {}
#   staging:
#     read_only: true
#     alertmanager: {urls: ["http://staging-alertmanager:9093"]}
#     prometheus: {url: "http://staging-prometheus:9090"}
# default_env: production        # picked when neither --env nor $GENESIS_ENV names one
"""

_WIDTH = 88


def doc_for(path: tuple[str, ...]) -> str | None:
    """What the key at `path` is for, or None when DOCS has no words for it."""
    return DOCS.get(".".join(path)) or NAME_DOCS.get(path[-1])


def _value(value: Any) -> str:
    if isinstance(value, msgspec.Struct):
        value = msgspec.to_builtins(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
    return text.removesuffix("\n...\n").strip()


def _structs_in(t: msgspec.inspect.Type) -> list[msgspec.inspect.StructType]:
    """Every struct type a field's type can hold (through unions, lists and dict values)."""
    if isinstance(t, msgspec.inspect.StructType):
        return [t]
    if isinstance(t, msgspec.inspect.UnionType):
        return [s for member in t.types for s in _structs_in(member)]
    if isinstance(t, (msgspec.inspect.ListType, msgspec.inspect.SetType)):
        return _structs_in(t.item_type)
    if isinstance(t, msgspec.inspect.DictType):
        return _structs_in(t.value_type)
    return []


def _default(field: msgspec.inspect.Field) -> Any:
    if field.default is not msgspec.NODEFAULT:
        return field.default
    if field.default_factory is not msgspec.NODEFAULT:
        return field.default_factory()
    return msgspec.NODEFAULT


def schema_paths(
    stype: msgspec.inspect.StructType | None = None, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """The key path of every key the schema has, nested ones included."""
    if stype is None:
        stype = _config_type()
    out: list[tuple[str, ...]] = []
    for field in stype.fields:
        path = prefix + (field.encode_name,)
        out.append(path)
        for inner in _structs_in(field.type):
            out.extend(schema_paths(inner, path))
    return out


def _config_type() -> msgspec.inspect.StructType:
    from console.config import Config

    info = msgspec.inspect.type_info(Config)
    assert isinstance(info, msgspec.inspect.StructType)
    return info


def _comment(lines: list[str], indent: str, text: str, marker: str) -> None:
    for line in textwrap.wrap(text, _WIDTH - len(indent) - 2):
        lines.append(f"{indent}# {line}")


def _render(
    stype: msgspec.inspect.StructType,
    instance: Any,
    path: tuple[str, ...],
    depth: int,
    lines: list[str],
    marker: str = "",
) -> None:
    """Write the struct's keys at `depth`; `marker` "# " comments them all out."""
    indent = "  " * depth
    for field in stype.fields:
        key = field.encode_name
        here = path + (key,)
        value = getattr(instance, field.name) if instance is not None else _default(field)
        if depth == 0 and lines and lines[-1] != "":
            lines.append("")
        doc = doc_for(here)
        if doc and not marker:
            _comment(lines, indent, doc, marker)
        # in a commented-out block, what a key is for follows it on its line
        tail = f"  # {doc}" if doc and marker else ""
        inner = _structs_in(field.type)
        if isinstance(value, msgspec.Struct):
            lines.append(f"{indent}{marker}{key}:{tail}")
            nested = msgspec.inspect.type_info(type(value))
            assert isinstance(nested, msgspec.inspect.StructType)  # value is a Struct
            _render(nested, value, here, depth + 1, lines, marker)
            continue
        if value is None and inner:
            # an optional block: off by default, its keys shown commented out
            if not marker:
                lines.append(f"{indent}{key}: null")
            lines.append(f"{indent}# {key}:{tail}")
            for struct in inner:
                _render(struct, None, here, depth + 1, lines, "# ")
            continue
        shown = "" if value is msgspec.NODEFAULT else " " + _value(value)
        lines.append(f"{indent}{marker}{key}:{shown}{tail}")
        for struct in inner:
            lines.append(f"{indent}# (an entry may also be a mapping with these keys:)")
            _render(struct, None, here, depth + 1, lines, "# ")


def render_config_template() -> str:
    """The commented config with every key and its default, valid as it is."""
    from console import __version__

    lines = [
        f"# genesis-console config, written by `genesis-console init` ({__version__}).",
        "# Every key is here with its default (the runbook's localhost layout): change what",
        "# differs on your stack, delete the rest if you like (an empty file is valid).",
        "# Secrets are never values here: *_env keys name the environment variables that",
        "# hold them. Check the file with `genesis-console validate`, then run",
        "# `genesis-console check`.",
        "",
    ]
    _render(_config_type(), None, (), 0, lines)
    lines.append("")
    return "\n".join(lines) + "\n" + ENVIRONMENTS_EXAMPLE
