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


def start_alertmanager(folder: Path, port: int | None = None) -> Server:
    """A real Alertmanager with clustering off and a null receiver; waits until ready."""
    binary = need("prometheus-alertmanager")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alertmanager.yml").write_text(ALERTMANAGER_CONFIG)
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
