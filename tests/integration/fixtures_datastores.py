"""Throwaway MariaDB, Redis and Temporal servers on free loopback ports, stopped by PID.

Session fixtures (`mariadb`, `redis_server`, `temporal_server`) are shared by every test
that only reads. Tests that kill a server use the function-scoped `fresh_redis` or
`fresh_temporal`, whose `kill()` / `start()` restart the same server on the same port.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.procs import Proc, free_port, need, port_open, wait_for

# what `from ... import *` in conftest.py picks up: the fixtures, nothing else
__all__ = [
    "mariadb",
    "fresh_mariadb",
    "redis_server",
    "fresh_redis",
    "temporal_server",
    "fresh_temporal",
]

#: a real application user with a password, created in the throwaway MariaDB
MYSQL_USER = "genesis_user"
MYSQL_PASSWORD = "s3cret-Pa55word-zq"
#: a user without the PROCESS privilege (sees only its own sessions, no InnoDB status)
MYSQL_PLAIN_USER = "plain_user"
MYSQL_PLAIN_PASSWORD = "plain-Pa55word-xk"
MYSQL_DATABASE = "genesis"


@dataclass
class Server:
    """One real server process: its port, how to start it again, and its log."""

    name: str
    argv: list[str]
    port: int
    workdir: Path
    ready_timeout: float = 15.0
    proc: Proc | None = field(default=None, init=False)

    def start(self) -> None:
        """Start (or start again) on the same port, and wait until it accepts connections."""
        self.proc = Proc(self.argv, self.workdir / f"{self.name}.log", cwd=self.workdir)
        try:
            wait_for(self._ready, self.ready_timeout, f"{self.name} on port {self.port}")
        except TimeoutError:
            log = self.proc.tail()
            self.stop()
            raise RuntimeError(f"{self.name} did not start:\n{log}") from None

    def _ready(self) -> bool:
        assert self.proc is not None
        if not self.proc.alive():
            raise RuntimeError(f"{self.name} exited:\n{self.proc.tail()}")
        return port_open(self.port)

    def kill(self) -> None:
        """SIGKILL the server (a crash) and wait until its port is closed."""
        if self.proc is not None:
            self.proc.kill()
        wait_for(lambda: not port_open(self.port), 5, f"{self.name} port {self.port} closed")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL; by PID, never by name."""
        if self.proc is not None:
            self.proc.stop()


def _mariadb(workdir: Path) -> Server:
    install = str(Path(need("mariadb-install-db")).absolute())
    mariadbd = str(Path(need("mariadbd")).absolute())
    data = workdir / "data"
    done = subprocess.run(
        [
            install,
            "--no-defaults",
            "--user=root",
            f"--datadir={data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
        ],
        capture_output=True,
        timeout=60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"mariadb-install-db failed:\n{done.stdout[-2000:]!r}")
    port = free_port()
    argv = [
        mariadbd,
        "--no-defaults",
        "--user=root",
        f"--datadir={data}",
        f"--socket={workdir / 'sock'}",
        f"--pid-file={workdir / 'pid'}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        "--skip-name-resolve",
        "--innodb-buffer-pool-size=64M",
        f"--log-error={workdir / 'err.log'}",
        "--innodb-lock-wait-timeout=20",
    ]
    return Server("mariadb", argv, port, workdir)


def mysql_root(server: Server, **kwargs):
    """A pymysql connection as root (no password in the throwaway server)."""
    import pymysql

    return pymysql.connect(
        host="127.0.0.1",
        port=server.port,
        user="root",
        password="",
        connect_timeout=5,
        read_timeout=30,
        write_timeout=5,
        autocommit=True,
        **kwargs,
    )


def _setup_mariadb(server: Server) -> None:
    conn = mysql_root(server)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS {MYSQL_DATABASE}")
            for user, password in (
                (MYSQL_USER, MYSQL_PASSWORD),
                (MYSQL_PLAIN_USER, MYSQL_PLAIN_PASSWORD),
            ):
                cur.execute(
                    f"CREATE USER IF NOT EXISTS '{user}'@'%%' IDENTIFIED BY %s", (password,)
                )
                cur.execute(f"GRANT ALL ON {MYSQL_DATABASE}.* TO '{user}'@'%'")
            cur.execute(f"GRANT PROCESS ON *.* TO '{MYSQL_USER}'@'%'")
    finally:
        conn.close()


def _redis(workdir: Path, port: int | None = None) -> Server:
    binary = str(Path(need("redis-server")).absolute())
    port = port or free_port()
    argv = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(workdir),
    ]
    return Server("redis", argv, port, workdir)


def _grpc_health_ready(port: int) -> bool:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(
                service="temporal.api.workflowservice.v1.WorkflowService"
            ),
            timeout=1,
        )
    return reply.status == health_pb2.HealthCheckResponse.SERVING


class TemporalServer(Server):
    """`temporal server start-dev`, ready only once its health check says SERVING."""

    def _ready(self) -> bool:
        return super()._ready() and _grpc_health_ready(self.port)


def _temporal(workdir: Path) -> Server:
    binary = str(Path(need("temporal")).absolute())
    port = free_port()
    argv = [
        binary,
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--headless",  # no Web UI, so no UI port to collide with
        "--http-port",
        str(free_port()),
        "--metrics-port",
        str(free_port()),
        "--log-level",
        "warn",
    ]
    return TemporalServer("temporal", argv, port, workdir, ready_timeout=30)


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory) -> Iterator[Server]:
    """A throwaway MariaDB with `genesis_user` (PROCESS granted) and `plain_user` (not)."""
    server = _mariadb(tmp_path_factory.mktemp("mariadb"))
    server.start()
    try:
        _setup_mariadb(server)
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_mariadb(tmp_path) -> Iterator[Server]:
    """A MariaDB of this test's own (about 1 s to create), for state that must not leak."""
    server = _mariadb(tmp_path)
    server.start()
    try:
        _setup_mariadb(server)
        yield server
    finally:
        server.stop()


def _running(server: Server) -> Iterator[Server]:
    """Start a server for a fixture and stop it by PID afterwards."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[Server]:
    """A throwaway Redis shared by the session; do not kill it."""
    yield from _running(_redis(tmp_path_factory.mktemp("redis")))


@pytest.fixture
def fresh_redis(tmp_path) -> Iterator[Server]:
    """A Redis of this test's own, which the test may kill and start again."""
    yield from _running(_redis(tmp_path))


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory) -> Iterator[Server]:
    """A real Temporal dev server shared by the session; do not stop it."""
    yield from _running(_temporal(tmp_path_factory.mktemp("temporal")))


@pytest.fixture
def fresh_temporal(tmp_path) -> Iterator[Server]:
    """A Temporal dev server of this test's own, which the test may stop."""
    yield from _running(_temporal(tmp_path))
