"""A password in a URL (`http://user:pass@host`) is used to log in and shown nowhere.

Real Alertmanager and Prometheus ignore basic auth, so URLs carrying a password work
against them; the war-room Redis here requires the password in its URL. The password
must not appear in `check` (text or JSON, reachable or not), a confirmation plan, the
audit log, the timeline (file, Redis stream, `timeline` export), the alert detail
screen or the status panes. It is shown as `user:***@host`.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from rich.console import Console
from textual.widgets import DataTable, Static

from console import paths
from console.config import load_config
from console.ui.app import GenesisApp
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.alert_detail import AlertDetailScreen
from console.ui.screens.confirm import ConfirmScreen
from console.ui.screens.timeline import NoteScreen
from tests.integration.fixtures_datastores import _redis
from tests.integration.fixtures_monitoring import start_alertmanager
from tests.pilot import wait_until
from tests.procs import free_port, wait_for

SECRET = "s3cretpw"
#: a configured URL as it may be shown: its user info masked or left out, never the password
SHOWN_URL = re.compile(r"http://(user:\*\*\*@)?127\.0\.0\.1:\d+")
ALERT = "SecretLeakProbe"


def with_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://user:{SECRET}@{rest}"


@pytest.fixture
def redis_with_password(tmp_path):
    """A Redis of this test's own that refuses anyone without the password."""
    server = _redis(tmp_path / "redis")
    server.workdir.mkdir(parents=True, exist_ok=True)
    server.argv += ["--requirepass", SECRET]
    server.start()
    yield server
    server.stop()


@pytest.fixture
def alertmanager(tmp_path):
    """An Alertmanager of this test's own holding one alert whose links carry the password."""
    server = start_alertmanager(tmp_path / "alertmanager")
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    body = [
        {
            "labels": {"alertname": ALERT, "severity": "critical"},
            "annotations": {"summary": f"see {with_password('http://grafana.example:3000/d/x')}"},
            "startsAt": started,
            "generatorURL": with_password("http://prometheus.example:9090/graph?g0.expr=up"),
        }
    ]
    httpx.post(server.url + "/api/v2/alerts", json=body, timeout=2).raise_for_status()
    wait_for(
        lambda: httpx.get(server.url + "/api/v2/alerts", timeout=2).json(), 10, "the alert posted"
    )
    yield server
    server.proc.stop()


def write_config(
    path: Path,
    *,
    orchestrator: str,
    prometheus: str,
    alertmanagers: list[str],
    grafana: str,
    redis_port: int,
    audit: Path,
) -> Path:
    refused = free_port()
    redis_url = f"redis://:{SECRET}@127.0.0.1:{redis_port}/0"
    path.write_text(
        f"""\
environment: integration
refresh_seconds: 0.5
timeout_seconds: 2
orchestrator:
  url: {orchestrator}
prometheus:
  url: {prometheus}
alertmanager:
  urls: {json.dumps(alertmanagers)}
grafana:
  url: {grafana}
mysql:
  host: 127.0.0.1
  port: {refused}
redis:
  url: {redis_url}
temporal:
  address: 127.0.0.1:{refused}
ports: []
audit:
  path: {audit}
warroom:
  redis_url: {redis_url}
"""
    )
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console.cli", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=dict(os.environ),
    )


def test_check_never_prints_the_password_reachable_or_not(
    monitoring, alertmanager, redis_with_password, tmp_path
):
    refused = f"http://127.0.0.1:{free_port()}"
    path = write_config(
        tmp_path / "config.yaml",
        orchestrator=with_password(monitoring.standin.url),
        prometheus=with_password(monitoring.prometheus.url),
        # one answers, one refuses, one is no Alertmanager at all (Prometheus: HTTP 404)
        alertmanagers=[
            with_password(alertmanager.url),
            with_password(refused),
            with_password(monitoring.prometheus.url),
        ],
        grafana=with_password(refused),
        redis_port=redis_with_password.port,
        audit=tmp_path / "audit.jsonl",
    )
    text = run_cli("check", "--config", str(path))
    done = run_cli("check", "--config", str(path), "--format", "json")
    report = json.loads(done.stdout)
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    # the password logged in where it had to: Redis refuses anyone without it
    assert statuses["redis"] == "ok", report
    assert statuses["prometheus"] == "ok", report
    assert report["alerts"]["critical"] == 1, report
    assert len(report["alerts"]["unreachable"]) == 2, report
    for output in (text.stdout, text.stderr, done.stdout, done.stderr):
        assert SECRET not in output
    # the URLs are named (masked, or without their user info: the password goes as
    # basic auth), so an engineer still sees which server is meant
    assert SHOWN_URL.search(done.stdout) and SHOWN_URL.search(text.stdout)

    # nothing answers at all: every error sentence names the URL it could not reach
    nothing = write_config(
        tmp_path / "nothing.yaml",
        orchestrator=with_password(refused),
        prometheus=with_password(refused),
        alertmanagers=[with_password(refused), with_password(refused + "/am")],
        grafana=with_password(refused),
        redis_port=free_port(),
        audit=tmp_path / "audit.jsonl",
    )
    for args in ((), ("--format", "json")):
        done = run_cli("check", "--config", str(nothing), *args)
        assert done.returncode == 2, done.stdout
        assert SECRET not in done.stdout + done.stderr


def screen_text(screen) -> str:
    console = Console(width=200, record=True, file=io.StringIO(), color_system=None)
    for static in screen.query(Static):
        console.print(static.content)
    for table in screen.query(DataTable):
        for row in range(table.row_count):
            console.print(" | ".join(str(cell) for cell in table.get_row_at(row)))
    return console.export_text()


def alert_names(app: GenesisApp) -> list[str]:
    table = app.query_one(AlertsPane).query_one(DataTable)
    return [table.get_row_at(i)[1].plain for i in range(table.row_count)]


async def test_the_console_shows_and_stores_no_password(
    monitoring, alertmanager, redis_with_password, tmp_path, monkeypatch, caplog
):
    monkeypatch.delenv("GENESIS_WARROOM_KEY", raising=False)
    # whoever turns logging on sees every request httpx makes
    caplog.set_level(logging.INFO, logger="httpx")
    refused = f"http://127.0.0.1:{free_port()}"
    audit = tmp_path / "audit.jsonl"
    path = write_config(
        tmp_path / "config.yaml",
        orchestrator=with_password(monitoring.standin.url),
        prometheus=with_password(monitoring.prometheus.url),
        alertmanagers=[with_password(alertmanager.url), with_password(refused)],
        grafana=with_password(refused),
        redis_port=redis_with_password.port,
        audit=audit,
    )
    config = load_config(path)
    timeline_file = paths.default_timeline_file()

    def factory():
        from console.sources.registry import build_sources

        return build_sources(config)

    app = GenesisApp(config, sources_factory=factory, timeline_path=timeline_file)
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_until(pilot, lambda: ALERT in alert_names(app), 15, "the alert shown")
        await wait_until(pilot, lambda: "redis" in app.state.results, 10, "redis probed")

        # the status panes: the failing Alertmanager and Grafana are named, not their password
        panes = screen_text(app.screen)
        assert refused.removeprefix("http://") in panes
        assert SECRET not in panes

        # the alert detail: its Alertmanagers and its Prometheus link
        table = app.query_one(AlertsPane).query_one(DataTable)
        table.focus()
        table.move_cursor(row=alert_names(app).index(ALERT))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AlertDetailScreen)
        detail = screen_text(app.screen)
        assert "http://user:***@prometheus.example:9090/graph" in detail
        assert SECRET not in detail
        await pilot.press("escape")
        await pilot.pause()

        # a confirmation plan names the Alertmanagers it will POST to
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        plan = app.screen.plan
        shown = screen_text(app.screen)
        assert SHOWN_URL.search(shown), shown
        assert SECRET not in shown + "\n".join(plan.lines) + plan.title + plan.target
        await pilot.press("y")
        await wait_until(pilot, lambda: audit.exists() and audit.read_text(), 10, "an audit record")

        # a declined one is on record too
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert SECRET not in screen_text(app.screen)
        await pilot.press("n")
        await wait_until(
            pilot, lambda: len(audit.read_text().splitlines()) == 2, 10, "the declined record"
        )

        # a note that quotes a URL with its password
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*f"tried {with_password(monitoring.prometheus.url)} by hand")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, NoteScreen)

        await app.warroom.sync()
        await wait_until(pilot, lambda: not app.timeline.pending, 10, "the timeline sent")
        assert app.timeline.online, app.timeline.status
        assert SECRET not in app.timeline.status
        texts = [e.text for e in app.timeline.entries()]
        assert any("by hand" in t for t in texts), texts
        assert any("silence" in t.lower() for t in texts), texts

    records = audit.read_text()
    assert SHOWN_URL.search(records)  # the plan's lines are on record, masked
    assert SECRET not in records
    assert SECRET not in timeline_file.read_text()

    import redis

    client = redis.Redis(host="127.0.0.1", port=redis_with_password.port, password=SECRET)
    stream = client.xrange("genesis-console:timeline")
    payloads = [fields[b"entry"].decode() for _, fields in stream]
    assert any("by hand" in p for p in payloads), payloads
    assert all(SECRET not in p for p in payloads), payloads
    client.close()

    logged = caplog.text
    assert re.search(r"HTTP Request: GET http://(user:\*\*\*@)?127\.0\.0\.1", logged)
    assert SECRET not in logged

    export = run_cli("timeline", "--config", str(path), "--since", "1h", "--format", "json")
    assert export.returncode == 0, export.stderr
    assert "by hand" in export.stdout
    assert SECRET not in export.stdout + export.stderr
