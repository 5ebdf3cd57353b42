"""Issue 10, attack 15: malformed alerts, through a captured real Alertmanager 0.25 reply.

A real Alertmanager normalises what it is given: it cuts a 5000-digit fraction of a
second to milliseconds and fills a missing `startsAt` with the time it received the
alert (tried on POST /api/v2/alerts; a `startsAt` that is no time at all is refused
with 400). So it never sends these, but a proxy, a fork or a compromised server can.
The test captures a real Alertmanager's reply, alters those fields, and replays it
from a loopback stand-in: one alert with a 5000-digit fraction, one without
`startsAt`, and one whose labels are not strings. One bad alert is skipped and
counted; it never hides the others or fakes an age.
"""

from __future__ import annotations

import html
import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import yaml

from console.config import load_config
from console.model import Status
from console.sources.alertmanager import AlertmanagerSource
from console.ui.app import GenesisApp
from console.ui.header import StatusHeader
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.alert_detail import AlertDetailScreen
from tests.integration.fixtures_monitoring import start_alertmanager
from tests.pilot import wait_until


class Replay:
    """A loopback HTTP server that answers GET paths with fixed bodies."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        bodies = dict(bodies)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                body = bodies.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    """A real Alertmanager's reply with three alerts altered, served by a stand-in."""
    server = start_alertmanager(tmp_path_factory.mktemp("malformed") / "alertmanager")
    now = time.time()
    times = {"startsAt": _stamp(now - 300), "endsAt": _stamp(now + 3600)}
    posted = [
        ("GenesisOrchestratorDown", "critical"),
        ("HighOrchestrationLatency", "warning"),
        ("StabilityScoreDropped", "warning"),
        ("RouterEfficiencyLow", "warning"),
    ]
    try:
        body = [
            {"labels": {"alertname": name, "severity": sev}, "annotations": {}, **times}
            for name, sev in posted
        ]
        httpx.post(server.url + "/api/v2/alerts", json=body, timeout=5).raise_for_status()
        alerts = httpx.get(server.url + "/api/v2/alerts", timeout=5).json()
        silences = httpx.get(server.url + "/api/v2/silences", timeout=5).content
    finally:
        server.proc.stop()
    assert len(alerts) == 4
    by_name = {a["labels"]["alertname"]: a for a in alerts}
    del by_name["GenesisOrchestratorDown"]["startsAt"]
    latency = by_name["HighOrchestrationLatency"]
    latency["startsAt"] = latency["startsAt"][:19] + "." + "7" * 5000 + "Z"
    by_name["RouterEfficiencyLow"]["labels"]["severity"] = 3  # not a string
    stand_in = Replay({"/api/v2/alerts": json.dumps(alerts).encode(), "/api/v2/silences": silences})
    yield stand_in, now - 300
    stand_in.stop()


async def test_a_bad_alert_is_skipped_and_counted_and_hides_no_other(replay):
    stand_in, started = replay
    source = AlertmanagerSource([stand_in.url], timeout=3)
    try:
        result = await source.probe()
    finally:
        await source.close()
    assert result.data is not None, result.detail  # was: the whole source failed
    names = {a.name: a for a in result.data.alerts}
    assert set(names) == {
        "GenesisOrchestratorDown",
        "HighOrchestrationLatency",
        "StabilityScoreDropped",
    }
    assert result.status is Status.WARNING
    assert "1 alert could not be read (skipped)" in result.detail
    assert result.data.unreadable == 1 and result.data.partial
    assert names["HighOrchestrationLatency"].starts_at == pytest.approx(started + 0.777, abs=1)
    assert names["GenesisOrchestratorDown"].starts_at is None  # unknown, never 1970


async def test_an_unknown_start_shows_as_unknown_and_fakes_no_age(replay, tmp_path):
    stand_in, _ = replay
    path = tmp_path / "config.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "environment": "staging",
                "alertmanager": {"urls": [stand_in.url]},
                "ports": [],
                "audit": {"path": str(tmp_path / "audit.jsonl")},
            }
        )
    )
    app = GenesisApp(
        load_config(path),
        sources_factory=lambda: [AlertmanagerSource([stand_in.url], timeout=3)],
        autostart=False,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await app.poll_once()
        pane = app.query_one(AlertsPane)
        await wait_until(pilot, lambda: pane.table.row_count == 3, 10, "three alerts")
        assert "1 unreadable" in str(pane.border_title)
        down = next(a for a in app.state.alerts.alerts if a.name == "GenesisOrchestratorDown")
        row = pane.table.get_row(down.fingerprint)
        assert row[-1].plain == "?"  # was "20789d"
        now = app.clock.time()
        app.main.tick()
        header = str(app.query_one(StatusHeader).render())
        assert "1 ALERT UNREADABLE" in header
        assert "start unknown: timed from first sight" in header, header
        open_for = app.incident.classes.open_for(now)
        assert open_for is not None and open_for < 60  # not an incident open since 1970
        assert app.incident.tracker.open_for(now) < 60
        assert app.incident.recovery_value(now).status != "breached"
        assert not [n for n in app.told if "C-level" in n.message]

        pane.table.focus()
        pane.table.move_cursor(row=pane.table.get_row_index(down.fingerprint))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AlertDetailScreen)
        text = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        assert "time unknown" in text
