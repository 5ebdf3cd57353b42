"""Real Prometheus + Alertmanager around a stand-in orchestrator, on free loopback ports.

Session-scoped: the stack starts once (about 7 s until the first alert reaches
Alertmanager) and every process is stopped by PID at the end.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.procs import Proc, free_port, need, wait_for
from tests.standin_orchestrator import StandinOrchestrator

JOB = "genesis-orchestrator"

ALERT_RULES = f"""\
groups:
  - name: genesis
    rules:
      - alert: GenesisOrchestratorDown
        # the "or up == 0" half fires when the process dies and its series vanish
        expr: genesis_orchestrator_up{{job="{JOB}"}} == 0 or up{{job="{JOB}"}} == 0
        labels:
          severity: critical
        annotations:
          summary: "GENESIS orchestrator is down on {{{{ $labels.instance }}}}"
      - alert: GenesisHighErrorRate
        expr: >-
          100 * sum(rate(genesis_orchestrator_failed_runs{{job="{JOB}"}}[1m]))
          / sum(rate(genesis_orchestrator_total_runs{{job="{JOB}"}}[1m])) > 1
        labels:
          severity: warning
        annotations:
          summary: "GENESIS error rate is above 1 %"
"""

ALERTMANAGER_CONFIG = """\
route:
  receiver: "null"
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: "null"
"""

#: Alertmanager with an inhibit rule: a critical alert mutes the warnings of its service
INHIBIT_CONFIG = """\
route:
  receiver: "null"
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [service]
receivers:
  - name: "null"
"""


def http_ok(url: str) -> bool:
    """Whether a GET of `url` answers 200 within a second."""
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:
            return reply.status == 200
    except OSError:
        return False


@dataclass
class Server:
    """A real server process on a fixed port, restartable with the same arguments."""

    name: str
    port: int
    proc: Proc

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 15.0) -> None:
        try:
            wait_for(lambda: http_ok(self.url + "/-/ready"), timeout, self.name)
        except TimeoutError:
            raise TimeoutError(f"{self.name} not ready:\n{self.proc.tail()}") from None

    def restart(self) -> None:
        """Start the stopped process again (same port, same data) and wait until ready."""
        self.proc.start()
        self.wait_ready()


def _ready(server: Server) -> Server:
    """Wait until the server answers; stop it if it never does."""
    try:
        server.wait_ready()
    except BaseException:
        server.proc.stop()
        raise
    return server


def start_alertmanager(folder: Path, port: int | None = None, config: str | None = None) -> Server:
    """A real Alertmanager with clustering off and a null receiver (or `config`); waits
    until ready."""
    binary = need("prometheus-alertmanager")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alertmanager.yml").write_text(config or ALERTMANAGER_CONFIG)
    port = port or free_port()
    proc = Proc(
        [
            binary,
            f"--config.file={folder / 'alertmanager.yml'}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        folder / "alertmanager.log",
    )
    return _ready(Server("alertmanager", port, proc))


def start_prometheus(folder: Path, scrape_target: str, alertmanager_port: int) -> Server:
    """A real Prometheus scraping `scrape_target` every second and alerting to Alertmanager."""
    binary = need("prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rules.yml").write_text(ALERT_RULES)
    (folder / "prometheus.yml").write_text(
        f"""\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - {folder / "rules.yml"}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:{alertmanager_port}"]
scrape_configs:
  - job_name: {JOB}
    static_configs:
      - targets: ["{scrape_target}"]
"""
    )
    port = free_port()
    proc = Proc(
        [
            binary,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--rules.alert.resend-delay=1s",
            "--log.level=warn",
        ],
        folder / "prometheus.log",
    )
    return _ready(Server("prometheus", port, proc))


@dataclass
class MonitoringStack:
    """The stand-in orchestrator, Prometheus scraping it, and Alertmanager behind Prometheus."""

    standin: StandinOrchestrator
    prometheus: Server
    alertmanager: Server


@pytest.fixture(scope="session")
def standin():
    """The stand-in orchestrator, served from a thread of the test process."""
    server = StandinOrchestrator().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def monitoring(tmp_path_factory, standin) -> MonitoringStack:
    """Alertmanager, then Prometheus (so the first alerts find it up); stopped by PID."""
    need("prometheus")
    need("prometheus-alertmanager")
    folder = tmp_path_factory.mktemp("monitoring")
    alertmanager = start_alertmanager(folder / "alertmanager")
    try:
        prometheus = start_prometheus(
            folder / "prometheus", f"127.0.0.1:{standin.port}", alertmanager.port
        )
    except BaseException:
        alertmanager.proc.stop()
        raise
    yield MonitoringStack(standin, prometheus, alertmanager)
    prometheus.proc.stop()
    alertmanager.proc.stop()


@pytest.fixture
def inhibiting_alertmanager(tmp_path):
    """A fresh Alertmanager 0.25 with INHIBIT_CONFIG (no alerts, no silences); stopped by PID."""
    need("prometheus-alertmanager")
    server = start_alertmanager(tmp_path / "inhibiting-alertmanager", config=INHIBIT_CONFIG)
    yield server
    server.proc.stop()


# --- secured servers: TLS, basic auth and client certificates via --web.config.file ---

#: the basic-auth user and password of the secured servers (the password must never
#: appear in anything the console prints)
SECURE_USER = "oncall"
SECURE_PASSWORD = "s3cret-Zebra-Pw-7731"


@dataclass
class Pki:
    """A CA made for the test, the server certificate it signs, a client certificate,
    and a CA that signed nothing (for the wrong-CA case); all as PEM files."""

    folder: Path
    ca_file: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    wrong_ca_file: Path


def make_pki(folder: Path) -> Pki:
    import trustme

    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("oncall@genesis.example")
    pki = Pki(
        folder,
        folder / "ca.pem",
        folder / "server.pem",
        folder / "server.key",
        folder / "client.pem",
        folder / "client.key",
        folder / "wrong-ca.pem",
    )
    ca.cert_pem.write_to_path(str(pki.ca_file))
    server.cert_chain_pems[0].write_to_path(str(pki.server_cert))
    server.private_key_pem.write_to_path(str(pki.server_key))
    client.cert_chain_pems[0].write_to_path(str(pki.client_cert))
    client.private_key_pem.write_to_path(str(pki.client_key))
    trustme.CA().cert_pem.write_to_path(str(pki.wrong_ca_file))
    return pki


def web_config(pki: Pki, *, basic_auth: bool = True, client_cert: bool = False) -> str:
    """An exporter-toolkit web config (Prometheus 2.42, Alertmanager 0.25)."""
    import bcrypt

    text = f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
    if client_cert:
        text += f"  client_ca_file: {pki.ca_file}\n  client_auth_type: RequireAndVerifyClientCert\n"
    if basic_auth:
        hashed = bcrypt.hashpw(SECURE_PASSWORD.encode(), bcrypt.gensalt(rounds=8)).decode()
        text += f'basic_auth_users:\n  {SECURE_USER}: "{hashed}"\n'
    return text


@dataclass
class SecuredServer:
    """A server behind TLS (and basic auth or client certificates), under a path prefix."""

    name: str
    port: int
    prefix: str
    proc: Proc

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}{self.prefix}/"


def tls_context(pki: Pki, client_cert: bool = False):
    """An SSL context trusting the test CA (and showing the client certificate)."""
    import ssl

    context = ssl.create_default_context(cafile=str(pki.ca_file))
    if client_cert:
        context.load_cert_chain(str(pki.client_cert), str(pki.client_key))
    return context


def _secure_ready(server: SecuredServer, pki: Pki, basic_auth: bool, client_cert: bool):
    import httpx

    def ready() -> bool:
        auth = (SECURE_USER, SECURE_PASSWORD) if basic_auth else None
        reply = httpx.get(
            server.url + "-/ready", verify=tls_context(pki, client_cert), auth=auth, timeout=1
        )
        return reply.status_code == 200

    try:
        wait_for(ready, 20, server.name)
    except BaseException:
        server.proc.stop()
        raise TimeoutError(f"{server.name} not ready:\n{server.proc.tail()}") from None
    return server


def start_secured_alertmanager(
    folder: Path, pki: Pki, *, basic_auth: bool = True, client_cert: bool = False
) -> SecuredServer:
    """A real Alertmanager 0.25 under /alertmanager, behind `--web.config.file`."""
    binary = need("prometheus-alertmanager")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alertmanager.yml").write_text(ALERTMANAGER_CONFIG)
    (folder / "web.yml").write_text(web_config(pki, basic_auth=basic_auth, client_cert=client_cert))
    port = free_port()
    proc = Proc(
        [
            binary,
            f"--config.file={folder / 'alertmanager.yml'}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--web.config.file={folder / 'web.yml'}",
            f"--web.external-url=https://127.0.0.1:{port}/alertmanager/",
            "--web.route-prefix=/alertmanager",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        folder / "alertmanager.log",
    )
    server = SecuredServer("secured alertmanager", port, "/alertmanager", proc)
    return _secure_ready(server, pki, basic_auth, client_cert)


def start_secured_prometheus(folder: Path, pki: Pki, scrape_target: str) -> SecuredServer:
    """A real Prometheus 2.42 under /prometheus, TLS and basic auth, scraping `scrape_target`."""
    binary = need("prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "web.yml").write_text(web_config(pki))
    (folder / "prometheus.yml").write_text(
        f"""\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: {JOB}
    static_configs:
      - targets: ["{scrape_target}"]
"""
    )
    port = free_port()
    proc = Proc(
        [
            binary,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--web.config.file={folder / 'web.yml'}",
            f"--web.external-url=https://127.0.0.1:{port}/prometheus/",
            "--web.route-prefix=/prometheus",
            "--log.level=warn",
        ],
        folder / "prometheus.log",
    )
    server = SecuredServer("secured prometheus", port, "/prometheus", proc)
    return _secure_ready(server, pki, True, False)


@dataclass
class SecuredStack:
    """TLS + basic-auth Prometheus and Alertmanager, and a client-certificate Alertmanager."""

    pki: Pki
    prometheus: SecuredServer
    alertmanager: SecuredServer
    mtls_alertmanager: SecuredServer


@pytest.fixture(scope="session")
def secured(tmp_path_factory, standin) -> SecuredStack:
    """One server per variant, shared by every test that needs one; stopped by PID."""
    need("prometheus")
    need("prometheus-alertmanager")
    folder = tmp_path_factory.mktemp("secured")
    pki = make_pki(folder / "pki")
    started: list[SecuredServer] = []
    try:
        started.append(start_secured_alertmanager(folder / "am", pki))
        started.append(
            start_secured_alertmanager(folder / "am-mtls", pki, basic_auth=False, client_cert=True)
        )
        started.append(start_secured_prometheus(folder / "prom", pki, f"127.0.0.1:{standin.port}"))
    except BaseException:
        for server in started:
            server.proc.stop()
        raise
    yield SecuredStack(pki, started[2], started[0], started[1])
    for server in started:
        server.proc.stop()
