"""Connections to a real company's stack: TLS, basic auth, client certificates, path prefixes.

Real Prometheus 2.42 and Alertmanager 0.25 behind `--web.config.file` (a CA made in the
test, a bcrypt basic-auth user, and a client-certificate-required Alertmanager), and
loopback servers for redirects and bearer tokens. No mocks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from console.actions.silence import plan_silence
from console.config import load_config, parse_config
from console.model import Status
from console.sources.alertmanager import AlertmanagerSource, list_silences
from console.sources.prometheus import PrometheusSource, SlaSource
from console.sources.registry import build_sources
from tests.integration.fixtures_monitoring import (
    SECURE_PASSWORD,
    SECURE_USER,
    SecuredStack,
    tls_context,
)

pytestmark = pytest.mark.stack

PASSWORD_ENV = "GENESIS_TEST_AM_PASSWORD"


def _config_text(secured: SecuredStack, *, password_env: str = PASSWORD_ENV, ca=None) -> str:
    ca_file = ca or secured.pki.ca_file
    pki = secured.pki
    return f"""\
environment: staging
timeout_seconds: 3
prometheus:
  url: {secured.prometheus.url}
  http:
    basic_auth: {{username: {SECURE_USER}, password_env: {password_env}}}
    tls_config: {{ca_file: {ca_file}}}
alertmanager:
  urls:
    - {secured.alertmanager.url}
    - url: {secured.mtls_alertmanager.url}
      name: mtls
      http:
        tls_config: {{ca_file: {ca_file}, cert_file: {pki.client_cert}, key_file: {pki.client_key}}}
  http:
    basic_auth: {{username: {SECURE_USER}, password_env: {password_env}}}
    tls_config: {{ca_file: {ca_file}}}
"""


def _post_alert(server, pki, name: str, *, client_cert: bool = False) -> None:
    """Put an alert into a secured Alertmanager, as Prometheus would."""
    reply = httpx.post(
        server.url + "api/v2/alerts",
        json=[{"labels": {"alertname": name, "severity": "warning"}}],
        verify=tls_context(pki, client_cert),
        auth=None if client_cert else (SECURE_USER, SECURE_PASSWORD),
        timeout=3,
    )
    assert reply.status_code == 200, reply.text


def _source(sources, name):
    return next(s for s in sources if s.name == name)


async def _sla(source: SlaSource):
    """The SLA once Prometheus has scraped the stand-in at least once."""
    deadline = time.monotonic() + 20
    while True:
        result = await source.probe()
        availability = result.data.values[0].value if result.data else None
        if availability is not None or time.monotonic() > deadline:
            return result
        await _sleep(0.5)


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def test_the_console_reads_alerts_and_sla_and_silences_through_tls_and_auth(
    secured, monkeypatch
):
    monkeypatch.setenv(PASSWORD_ENV, SECURE_PASSWORD)
    _post_alert(secured.alertmanager, secured.pki, "SecuredBasicAuthAlert")
    _post_alert(secured.mtls_alertmanager, secured.pki, "SecuredClientCertAlert", client_cert=True)
    config = parse_config(_config_text(secured))
    sources = build_sources(config)
    try:
        prometheus = await _source(sources, "prometheus").probe()
        assert prometheus.status == Status.OK, prometheus.detail

        sla = await _sla(_source(sources, "sla"))
        assert sla.data.values[0].value == pytest.approx(100.0), sla.detail

        alerts = await _source(sources, "alertmanager").probe()
        assert alerts.status in (Status.OK, Status.WARNING), alerts.detail
        assert all(e.ok for e in alerts.data.endpoints), alerts.data.endpoints
        names = {a.name: a.sources for a in alerts.data.alerts}
        # each alert came through its own Alertmanager: basic auth, and a client certificate
        assert names["SecuredBasicAuthAlert"] == (secured.alertmanager.url.rstrip("/"),)
        assert names["SecuredClientCertAlert"] == (secured.mtls_alertmanager.url.rstrip("/"),)
    finally:
        for source in sources:
            await source.close()

    matchers = [{"name": "alertname", "value": "Secured.*", "isRegex": True, "isEqual": True}]
    plan = plan_silence(
        config,
        matchers,
        starts_at=time.time(),
        duration=600,
        author="oncall",
        comment="TLS test",
        would_silence=2,
    )
    outcome = await plan.execute(lambda _: None)
    assert outcome.ok, outcome.message
    made = outcome.data["silence_ids"]
    for endpoint in config.alertmanager.endpoints():
        listed = await list_silences(endpoint, timeout=3)
        assert made[endpoint.url] in {s.id for s in listed}
    assert SECURE_PASSWORD not in outcome.message + "\n".join(plan.lines)


async def test_a_wrong_password_is_one_sentence_naming_the_key(secured, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    config = parse_config(_config_text(secured))
    alertmanager = AlertmanagerSource(config.alertmanager.endpoints()[:1], timeout=3)
    prometheus = PrometheusSource(config.prometheus.endpoint(), timeout=3)
    try:
        result = await alertmanager.probe()
        assert result.status == Status.UNKNOWN
        assert result.detail == "401 unauthorized: check alertmanager.http.basic_auth"
        result = await prometheus.probe()
        assert result.detail == "401 unauthorized: check prometheus.http.basic_auth"
    finally:
        await alertmanager.close()
        await prometheus.close()


async def test_an_unset_password_variable_is_named(secured, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    config = parse_config(_config_text(secured))
    source = PrometheusSource(config.prometheus.endpoint(), timeout=3)
    try:
        result = await source.probe()
    finally:
        await source.close()
    assert result.detail == f"prometheus.http.basic_auth.password_env: ${PASSWORD_ENV} is not set"


async def test_a_wrong_ca_is_a_certificate_sentence(secured, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, SECURE_PASSWORD)
    config = parse_config(_config_text(secured, ca=secured.pki.wrong_ca_file))
    source = AlertmanagerSource(config.alertmanager.endpoints()[:1], timeout=3)
    try:
        result = await source.probe()
    finally:
        await source.close()
    assert "certificate signed by unknown authority" in result.detail
    assert "alertmanager.http.tls_config.ca_file" in result.detail
    assert "Traceback" not in result.detail and "SSLCertVerificationError" not in result.detail


async def test_the_system_cas_do_not_trust_a_private_ca(secured, monkeypatch):
    """Without ca_file the system's CAs decide, and they never heard of the test's CA."""
    monkeypatch.setenv(PASSWORD_ENV, SECURE_PASSWORD)
    source = PrometheusSource(secured.prometheus.url, timeout=3)
    try:
        result = await source.probe()
    finally:
        await source.close()
    assert "certificate signed by unknown authority" in result.detail


async def test_a_missing_client_certificate_is_named(secured):
    config = parse_config(
        f"alertmanager:\n  urls: [{secured.mtls_alertmanager.url}]\n"
        f"  http: {{tls_config: {{ca_file: {secured.pki.ca_file}}}}}\n"
    )
    source = AlertmanagerSource(config.alertmanager.endpoints(), timeout=3)
    try:
        result = await source.probe()
    finally:
        await source.close()
    assert "requires a client certificate" in result.detail, result.detail
    assert "alertmanager.http.tls_config.cert_file" in result.detail


async def test_insecure_skip_verify_works_and_says_so(secured, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, SECURE_PASSWORD)
    config = parse_config(
        f"prometheus:\n  url: {secured.prometheus.url}\n  http:\n"
        f"    basic_auth: {{username: {SECURE_USER}, password_env: {PASSWORD_ENV}}}\n"
        "    tls_config: {insecure_skip_verify: true}\n"
    )
    source = PrometheusSource(config.prometheus.endpoint(), timeout=3)
    try:
        result = await source.probe()
    finally:
        await source.close()
    assert result.status == Status.OK
    assert result.detail.startswith("TLS NOT VERIFIED (insecure_skip_verify)")


def _check(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console.cli", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def test_check_never_prints_the_password_and_names_a_401(secured, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(_config_text(secured))
    good = _check(path, {PASSWORD_ENV: SECURE_PASSWORD})
    bad = _check(path, {PASSWORD_ENV: SECURE_PASSWORD[::-1]})
    for done in (good, bad):
        assert SECURE_PASSWORD not in done.stdout + done.stderr
        assert SECURE_PASSWORD[::-1] not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
    prometheus_line = next(line for line in good.stdout.splitlines() if " prometheus " in line)
    assert "OK" in prometheus_line and "ready" in prometheus_line
    assert "401 unauthorized: check prometheus.http.basic_auth" in bad.stdout
    assert "401 unauthorized: check alertmanager.http.basic_auth" in bad.stdout


def test_a_password_in_the_url_works_is_redacted_and_validate_warns(secured, tmp_path):
    host_path = secured.alertmanager.url.removeprefix("https://")
    path = tmp_path / "config.yaml"
    path.write_text(
        f"alertmanager:\n  urls: [https://{SECURE_USER}:{SECURE_PASSWORD}@{host_path}]\n"
        f"  http: {{tls_config: {{ca_file: {secured.pki.ca_file}}}}}\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "console.cli", "check", "--config", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert SECURE_PASSWORD not in done.stdout + done.stderr
    report = json.loads(done.stdout)
    alertmanager = next(c for c in report["checks"] if c["name"] == "alertmanager")
    assert alertmanager["status"] in ("ok", "warning"), alertmanager
    assert report["alerts"]["critical"] is not None

    validated = subprocess.run(
        [sys.executable, "-m", "console.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    out = validated.stdout + validated.stderr
    assert validated.returncode == 0, out
    assert SECURE_PASSWORD not in out
    assert "password_env" in out and "basic_auth" in out
    assert config_endpoint_repr_is_clean(path)


def config_endpoint_repr_is_clean(path: Path) -> bool:
    """Even a debugging repr of the parsed endpoints leaves the password out."""
    return SECURE_PASSWORD not in repr(load_config(path).alertmanager.endpoints())


# --- loopback servers: redirects and bearer tokens ----------------------------------


class Recorder:
    """A loopback HTTP server that records each request's path and Authorization header."""

    def __init__(self, answer) -> None:
        self.seen: list[tuple[str, str | None]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _any(self) -> None:
                recorder.seen.append((self.path, self.headers.get("Authorization")))
                status, headers, body = answer(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _any  # noqa: N815 - http.server's names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorders():
    made: list[Recorder] = []

    def make(answer) -> Recorder:
        made.append(Recorder(answer))
        return made[-1]

    yield make
    for recorder in made:
        recorder.stop()


async def test_a_redirect_to_another_host_does_not_carry_the_credentials(recorders, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, SECURE_PASSWORD)
    elsewhere = recorders(lambda h: (200, {"Content-Type": "application/json"}, b"[]"))

    def origin(handler):
        if handler.path.startswith("/am/"):
            # within the origin: followed, with the credentials (a path prefix move)
            return 308, {"Location": "/am2/" + handler.path[4:]}, b""
        return 302, {"Location": elsewhere.url + handler.path}, b""

    configured = recorders(origin)
    config = parse_config(
        f"alertmanager:\n  urls: [{configured.url}/am/]\n  http:\n"
        f"    basic_auth: {{username: {SECURE_USER}, password_env: {PASSWORD_ENV}}}\n"
        "    headers: {X-Scope-OrgID: genesis}\n"
    )
    source = AlertmanagerSource(config.alertmanager.endpoints(), timeout=3)
    try:
        result = await source.probe()
    finally:
        await source.close()
    # the configured origin got the credentials, on the first request and the same-origin hop
    assert configured.seen and all(
        auth and auth.startswith("Basic ") for _, auth in configured.seen
    )
    assert any(path.startswith("/am2/") for path, _ in configured.seen)
    # the other host got nothing at all, and the row says why
    assert elsewhere.seen == []
    assert "redirected to another origin" in result.detail
    assert f"127.0.0.1:{elsewhere.port}" in result.detail
    assert SECURE_PASSWORD not in result.detail


async def test_a_bearer_token_file_is_read_again_when_it_changes(recorders, tmp_path):
    token = tmp_path / "token"
    token.write_text("first-token\n")
    server = recorders(lambda h: (200, {}, b"Prometheus Server is Ready."))
    config = parse_config(
        f"prometheus:\n  url: {server.url}\n  http:\n"
        f"    authorization: {{credentials_file: {token}}}\n"
    )
    source = PrometheusSource(config.prometheus.endpoint(), timeout=3)
    try:
        assert (await source.probe()).status == Status.OK
        # a projected token is replaced by a rename, as the kubelet does it
        fresh = tmp_path / "token.new"
        fresh.write_text("second-token-longer\n")
        fresh.replace(token)
        assert (await source.probe()).status == Status.OK
    finally:
        await source.close()
    assert [auth for _, auth in server.seen] == ["Bearer first-token", "Bearer second-token-longer"]


async def test_a_401_from_a_bearer_token_names_the_authorization_key(recorders, monkeypatch):
    monkeypatch.setenv("GENESIS_TEST_TOKEN", "expired")
    server = recorders(lambda h: (401, {}, b"Unauthorized"))
    config = parse_config(
        f"grafana:\n  url: {server.url}\n  http:\n"
        "    authorization: {credentials_env: GENESIS_TEST_TOKEN}\n"
    )
    from console.sources.grafana import GrafanaSource

    source = GrafanaSource(config.grafana.endpoint(), timeout=3)
    try:
        result = await source.probe()
    finally:
        await source.close()
    assert result.detail == "401 unauthorized: check grafana.http.authorization"
    assert server.seen == [("/api/health", "Bearer expired")]


@pytest.mark.parametrize(("server_name", "ok"), [("localhost", True), ("am.example.org", False)])
async def test_server_name_is_the_name_the_certificate_must_carry(
    secured, monkeypatch, server_name, ok
):
    monkeypatch.setenv(PASSWORD_ENV, SECURE_PASSWORD)
    config = parse_config(
        f"prometheus:\n  url: {secured.prometheus.url}\n  http:\n"
        f"    basic_auth: {{username: {SECURE_USER}, password_env: {PASSWORD_ENV}}}\n"
        f"    tls_config: {{ca_file: {secured.pki.ca_file}, server_name: {server_name}}}\n"
    )
    source = PrometheusSource(config.prometheus.endpoint(), timeout=3)
    try:
        result = await source.probe()
    finally:
        await source.close()
    if ok:
        assert result.status == Status.OK, result.detail
    else:
        assert "not valid for this name" in result.detail
        assert "prometheus.http.tls_config.server_name" in result.detail
