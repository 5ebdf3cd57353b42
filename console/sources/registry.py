"""Builds the list of sources a config asks for; imported off the first-paint path."""

from __future__ import annotations

from collections.abc import Iterable

from console.config import Config, secret
from console.sources.base import Source


def build_sources(
    config: Config, replace: Iterable[Source] = (), *, history: bool = True
) -> list[Source]:
    """Every source for this config, with `replace` standing in for those of the same name.

    `history`: with the alerts' firing history (the TUI; `check` has no use for it)."""
    from console.sources.alert_history import AlertHistorySource
    from console.sources.alertmanager import AlertmanagerSource
    from console.sources.grafana import GrafanaSource
    from console.sources.host import HostSource
    from console.sources.mysql import MysqlSource
    from console.sources.orchestrator import OrchestratorSource
    from console.sources.ports import PortSource
    from console.sources.prometheus import PrometheusSource, SlaSource
    from console.sources.redis import RedisSource
    from console.sources.temporal import TemporalSource

    _preload()
    timeout = config.timeout_seconds
    mysql = config.mysql
    sources: list[Source] = [
        OrchestratorSource(config.orchestrator.endpoint(), timeout=timeout),
        PrometheusSource(config.prometheus.endpoint(), timeout=timeout),
        AlertmanagerSource(config.alertmanager.endpoints(), timeout=timeout),
        GrafanaSource(config.grafana.endpoint(), timeout=timeout),
        MysqlSource(
            mysql.host,
            mysql.port,
            mysql.user,
            secret(mysql.password_env),
            mysql.database,
            timeout=timeout,
            tls=mysql.tls_config,
        ),
        RedisSource(
            config.redis.url,
            timeout=timeout,
            password=secret(config.redis.password_env) if config.redis.password_env else None,
            tls=config.redis.tls_config,
        ),
        TemporalSource(config.temporal.address, timeout=timeout, tls=config.temporal.tls_config),
        *(PortSource(port, timeout=timeout) for port in config.ports),
        SlaSource(
            config.prometheus.endpoint(),
            queries=config.sla_queries(),
            sla=config.sla,
            timeout=timeout,
            orchestrator=config.orchestrator.endpoint(),
        ),
        HostSource(),
    ]
    if history:
        # a day of every alert's samples: allowed longer than a probe, asked rarely
        sources.append(AlertHistorySource(config.prometheus.endpoint(), timeout=max(timeout, 10.0)))
    replacements = {source.name: source for source in replace}
    return [replacements.pop(s.name, s) for s in sources] + list(replacements.values())


def _preload() -> None:
    """Import the client libraries now, so the first probes measure the network, not imports."""
    import anyio._backends._asyncio  # noqa: F401  (httpx's first request would import these)
    import grpc  # noqa: F401
    import h11  # noqa: F401
    import httpcore._async.http11  # noqa: F401
    import psutil  # noqa: F401
    import pymysql  # noqa: F401
    import redis  # noqa: F401
    from grpc_health.v1 import health_pb2  # noqa: F401
