"""Simulated sources for what the demo does not serve over HTTP: MySQL, Redis, Temporal, ports, host.

Each has the name, status rules, detail sentences and data shape of its real
counterpart in `console.sources`, but reads the World instead of a socket. Each also
reports a simulated latency, so a frozen clock gives the same screen every time.
"""

from __future__ import annotations

from console.clock import format_age, format_utc
from console.demo.world import PORT_OWNERS, Snapshot, World
from console.model import MysqlData, PortData, ProbeResult, Status, TemporalData
from console.sources.base import Source
from console.sources.host import HostSource
from console.sources.host import _detail as host_detail
from console.sources.mysql import DEADLOCK_WINDOW_SECONDS
from console.sources.redis import redis_result

#: the simulated Redis' maxmemory
REDIS_MAXMEMORY = 1024 * 1024 * 1024
#: queries running longer than this count as slow, as in the real MySQL source
SLOW_AFTER_SECONDS = 10

#: the processes the port table shows as listeners
LISTENERS = {
    "orchestrator": ("genesis-orchestrator", 2114),
    "prometheus": ("prometheus", 1020),
    "alertmanager": ("alertmanager", 1042),
    "grafana": ("grafana", 1187),
    "mysql": ("mariadbd", 873),
    "redis": ("redis-server", 944),
    "temporal": ("temporal", 1311),
}


class _WorldSource(Source):
    """A source that answers from the world's current snapshot."""

    #: typical round trip of the real check, in milliseconds
    base_latency_ms = 1.0

    def __init__(self, world: World) -> None:
        self.world = world

    async def _probe(self) -> ProbeResult:
        state = self.world.snapshot()
        result = self.read(state)
        wobble = 1.0 + 0.2 * self.world.jitter(f"latency:{self.name}", state.time)
        return ProbeResult(
            result.name,
            result.status,
            result.detail,
            latency_ms=round(self.base_latency_ms * wobble, 1),
            data=result.data,
        )

    def read(self, state: Snapshot) -> ProbeResult:
        """The result the real source would give for this state of the world."""
        raise NotImplementedError


class MysqlDemoSource(_WorldSource):
    """MySQL as `MysqlSource` reports it: threads, slow queries, latest deadlock."""

    name = "mysql"
    base_latency_ms = 2.4
    where = "localhost:3306"

    def read(self, state: Snapshot) -> ProbeResult:
        if state.mysql_refusing:
            return ProbeResult(
                self.name, Status.CRITICAL, f"MySQL at {self.where} refused: too many connections"
            )
        threads, slow = state.mysql_threads, state.mysql_slow_queries
        status = Status.OK
        parts = ["SELECT 1 ok", f"{threads} thread{'s' if threads != 1 else ''} connected"]
        if slow:
            status = Status.WARNING
            parts.append(
                f"{slow} quer{'ies' if slow != 1 else 'y'} running > {SLOW_AFTER_SECONDS}s"
            )
        deadlock_at = None
        if state.mysql_deadlock_at is None:
            parts.append("no deadlock seen")
        else:
            deadlock_at = format_utc(state.mysql_deadlock_at)
            age = state.wall - state.mysql_deadlock_at
            parts.append(f"deadlock at {deadlock_at} ({format_age(age)} ago)")
            if age < DEADLOCK_WINDOW_SECONDS:
                status = Status.WARNING
        data = MysqlData(threads_connected=threads, slow_queries=slow, deadlock_at=deadlock_at)
        return ProbeResult(self.name, status, " · ".join(parts), data=data)


class RedisDemoSource(_WorldSource):
    """Redis as `RedisSource` reports it: PONG, hit rate, memory, clients."""

    name = "redis"
    base_latency_ms = 0.6
    where = "localhost:6379/0"

    def read(self, state: Snapshot) -> ProbeResult:
        if not state.redis_up:
            return ProbeResult(
                self.name,
                Status.CRITICAL,
                f"Redis at {self.where} refused the connection (is it running?)",
            )
        hit_rate = None if state.cache_hit_rate is None else round(100.0 * state.cache_hit_rate, 1)
        return redis_result(
            self.name,
            hit_rate=hit_rate,
            used=state.redis_memory_bytes,
            maxmemory=REDIS_MAXMEMORY,
            clients=state.redis_clients,
        )


class TemporalDemoSource(_WorldSource):
    """Temporal as `TemporalSource` reports it: the gRPC health of the WorkflowService."""

    name = "temporal"
    base_latency_ms = 1.7
    address = "localhost:7233"

    def read(self, state: Snapshot) -> ProbeResult:
        if state.temporal == "SERVING":
            return ProbeResult(
                self.name, Status.OK, "SERVING", data=TemporalData(serving="SERVING")
            )
        if state.temporal == "NOT_SERVING":
            return ProbeResult(
                self.name,
                Status.CRITICAL,
                f"Temporal at {self.address} says NOT_SERVING",
                data=TemporalData(serving="NOT_SERVING"),
            )
        return ProbeResult(
            self.name,
            Status.CRITICAL,
            f"Temporal at {self.address} refused the connection (is it running?)",
            data=TemporalData(serving="UNAVAILABLE"),
        )


class PortDemoSource(_WorldSource):
    """One runbook port as `PortSource` reports it: listening and accepting, or not."""

    base_latency_ms = 0.3

    def __init__(self, world: World, port: int) -> None:
        super().__init__(world)
        self.port = port
        self.name = f"port:{port}"

    def read(self, state: Snapshot) -> ProbeResult:
        owner = PORT_OWNERS.get(self.port)
        where = f"127.0.0.1:{self.port}"
        if owner is None or not state.port_open(self.port):
            data = PortData(listening=False, accepts=False, pid=None, process=None)
            detail = f"nothing listening on {where} (cannot connect: Connection refused)"
            return ProbeResult(self.name, Status.CRITICAL, detail, data=data)
        process, pid = LISTENERS[owner]
        data = PortData(listening=True, accepts=True, pid=pid, process=process)
        detail = f"listening ({process}, pid {pid}) and accepting connections"
        return ProbeResult(self.name, Status.OK, detail, data=data)


class HostDemoSource(_WorldSource):
    """The host as `HostSource` reports it, with the world's CPU, memory and processes."""

    name = "host"
    base_latency_ms = 4.0

    def read(self, state: Snapshot) -> ProbeResult:
        host = state.host
        return ProbeResult(self.name, HostSource._status(host), host_detail(host), data=host)


def simulated_sources(world: World, ports: list[int]) -> list[Source]:
    """The simulated MySQL, Redis, Temporal, port and host sources for this world."""
    return [
        MysqlDemoSource(world),
        RedisDemoSource(world),
        TemporalDemoSource(world),
        *(PortDemoSource(world, port) for port in ports),
        HostDemoSource(world),
    ]


__all__ = [
    "HostDemoSource",
    "MysqlDemoSource",
    "PortDemoSource",
    "RedisDemoSource",
    "TemporalDemoSource",
    "simulated_sources",
]
