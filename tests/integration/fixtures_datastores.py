"""Throwaway MariaDB, Redis and Temporal servers on free loopback ports, stopped by PID.

Session fixtures (`mariadb`, `redis_server`, `temporal_server`) are shared by every test
that only reads. Tests that kill a server use the function-scoped `fresh_redis` or
`fresh_temporal`, whose `kill()` / `start()` restart the same server on the same port.

TLS variants, session-scoped as well: `tls_certs` (a test CA, server and client
certificates), `redis_tls` (TLS only, `requirepass`), `redis_mtls` (TLS, client
certificate required), `mariadb_tls` (`--ssl-ca/--ssl-cert/--ssl-key`, users that
`REQUIRE SSL` and `REQUIRE X509`) and `grpc_health_tls` / `grpc_health_mtls` (a gRPC
server serving `grpc.health.v1` over TLS and mutual TLS, standing in for a Temporal
frontend: the Temporal dev server has no TLS).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.procs import Proc, free_port, missing, need, port_open, wait_for

# what `from ... import *` in conftest.py picks up: the fixtures, nothing else
__all__ = [
    "mariadb",
    "fresh_mariadb",
    "redis_server",
    "fresh_redis",
    "temporal_server",
    "fresh_temporal",
    "tls_certs",
    "redis_tls",
    "redis_mtls",
    "mariadb_tls",
    "grpc_health_tls",
    "grpc_health_mtls",
    "grpc_health_named",
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


# --- TLS -------------------------------------------------------------------------------

#: the password of the TLS Redis servers (`requirepass`)
REDIS_PASSWORD = "r3dis-Pa55word-tq"
#: MariaDB users of `mariadb_tls`: one that must use TLS, one that must show a client cert
MYSQL_TLS_USER = "tls_user"
MYSQL_TLS_PASSWORD = "tls-Pa55word-mv"
MYSQL_X509_USER = "x509_user"
MYSQL_X509_PASSWORD = "x509-Pa55word-hb"
#: the service a Temporal frontend's health check is asked about
WORKFLOW_SERVICE = "temporal.api.workflowservice.v1.WorkflowService"


@dataclass
class Certs:
    """PEM files: a test CA, a server certificate for 127.0.0.1 and localhost, a client
    certificate, and a second CA (with its own server and client certificates) that the
    servers do not trust. trustme's certificates are valid until the year 3000, so the
    suite also passes with the calendar moved years ahead."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path
    other_client_cert: Path
    other_client_key: Path
    #: a server certificate that names only `db.internal` (for tls_config.server_name)
    named_cert: Path
    named_key: Path


@pytest.fixture(scope="session")
def tls_certs(tmp_path_factory) -> Certs:
    try:
        import trustme
    except ImportError:
        missing("trustme is not installed (pip install -e .[dev])")
    folder = tmp_path_factory.mktemp("tls")

    def write(name: str, blob) -> Path:
        path = folder / name
        blob.write_to_path(str(path))
        path.chmod(0o600)
        return path

    ca, other = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("genesis-console@example.test")
    other_client = other.issue_cert("genesis-console@example.test")
    named = ca.issue_cert("db.internal")
    return Certs(
        ca=write("ca.pem", ca.cert_pem),
        server_cert=write("server.pem", server.cert_chain_pems[0]),
        server_key=write("server.key", server.private_key_pem),
        client_cert=write("client.pem", client.cert_chain_pems[0]),
        client_key=write("client.key", client.private_key_pem),
        other_ca=write("other-ca.pem", other.cert_pem),
        other_client_cert=write("other-client.pem", other_client.cert_chain_pems[0]),
        other_client_key=write("other-client.key", other_client.private_key_pem),
        named_cert=write("named.pem", named.cert_chain_pems[0]),
        named_key=write("named.key", named.private_key_pem),
    )


def _redis_tls(workdir: Path, certs: Certs, *, client_certs: bool) -> Server:
    binary = str(Path(need("redis-server")).absolute())
    port = free_port()
    argv = [
        binary,
        "--port",
        "0",  # TLS only: no plaintext port at all
        "--tls-port",
        str(port),
        "--tls-cert-file",
        str(certs.server_cert),
        "--tls-key-file",
        str(certs.server_key),
        "--tls-ca-cert-file",
        str(certs.ca),
        "--tls-auth-clients",
        "yes" if client_certs else "no",
        "--requirepass",
        REDIS_PASSWORD,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(workdir),
    ]
    return Server("redis-tls", argv, port, workdir)


@pytest.fixture(scope="session")
def redis_tls(tmp_path_factory, tls_certs) -> Iterator[Server]:
    """A Redis that speaks TLS only and wants `REDIS_PASSWORD`; no client certificate."""
    yield from _running(
        _redis_tls(tmp_path_factory.mktemp("redis-tls"), tls_certs, client_certs=False)
    )


@pytest.fixture(scope="session")
def redis_mtls(tmp_path_factory, tls_certs) -> Iterator[Server]:
    """A Redis that speaks TLS only, wants `REDIS_PASSWORD` and a client certificate."""
    yield from _running(
        _redis_tls(tmp_path_factory.mktemp("redis-mtls"), tls_certs, client_certs=True)
    )


@pytest.fixture(scope="session")
def mariadb_tls(tmp_path_factory, tls_certs) -> Iterator[Server]:
    """A MariaDB with TLS; `tls_user` is REQUIRE SSL and `x509_user` REQUIRE X509."""
    server = _mariadb(tmp_path_factory.mktemp("mariadb-tls"))
    server.argv += [
        f"--ssl-ca={tls_certs.ca}",
        f"--ssl-cert={tls_certs.server_cert}",
        f"--ssl-key={tls_certs.server_key}",
    ]
    server.start()
    try:
        conn = mysql_root(server)
        try:
            with conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE IF NOT EXISTS {MYSQL_DATABASE}")
                for user, password, require in (
                    (MYSQL_TLS_USER, MYSQL_TLS_PASSWORD, "SSL"),
                    (MYSQL_X509_USER, MYSQL_X509_PASSWORD, "X509"),
                ):
                    cur.execute(
                        f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s REQUIRE {require}",
                        (password,),
                    )
                    cur.execute(f"GRANT ALL ON {MYSQL_DATABASE}.* TO '{user}'@'%'")
                    cur.execute(f"GRANT PROCESS ON *.* TO '{user}'@'%'")
                cur.execute("SHOW VARIABLES LIKE 'have_ssl'")
                have_ssl = cur.fetchone()
        finally:
            conn.close()
        if not have_ssl or have_ssl[1] != "YES":
            raise RuntimeError(f"MariaDB did not enable TLS: {have_ssl}")
        yield server
    finally:
        server.stop()


@dataclass
class GrpcHealth:
    """An in-process gRPC server answering `grpc.health.v1` for the WorkflowService."""

    port: int
    server: object

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def _grpc_health(certs: Certs, *, client_certs: bool, named: bool = False) -> GrpcHealth:
    from concurrent import futures

    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    servicer = health.HealthServicer()
    servicer.set(WORKFLOW_SERVICE, health_pb2.HealthCheckResponse.SERVING)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    cert, key = (
        (certs.named_cert, certs.named_key) if named else (certs.server_cert, certs.server_key)
    )
    credentials = grpc.ssl_server_credentials(
        [(key.read_bytes(), cert.read_bytes())],
        root_certificates=certs.ca.read_bytes() if client_certs else None,
        require_client_auth=client_certs,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return GrpcHealth(port, server)


def _serving(health: GrpcHealth) -> Iterator[GrpcHealth]:
    try:
        yield health
    finally:
        health.server.stop(grace=None)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def grpc_health_tls(tls_certs) -> Iterator[GrpcHealth]:
    """A gRPC health server over TLS (no client certificate asked for)."""
    yield from _serving(_grpc_health(tls_certs, client_certs=False))


@pytest.fixture(scope="session")
def grpc_health_mtls(tls_certs) -> Iterator[GrpcHealth]:
    """A gRPC health server over mutual TLS: a client certificate from the test CA is required."""
    yield from _serving(_grpc_health(tls_certs, client_certs=True))


@pytest.fixture
def grpc_health_named(tls_certs) -> Iterator[GrpcHealth]:
    """A gRPC health server whose certificate names only `db.internal`."""
    yield from _serving(_grpc_health(tls_certs, client_certs=False, named=True))
