"""Issue 15, acknowledge: `a` is "I'm on it", a short silence kept alive while the alert
fires and expired within a refresh of it resolving, against a real Alertmanager 0.25
with an inhibit rule and several routes. Time is advanced on the console's clock (the
silence's own times are Alertmanager's), so a 15-minute ack is extended in seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from console.audit import AuditLog
from console.clock import Clock, format_rfc3339, parse_rfc3339
from console.commands import alert_counts
from console.config import load_config
from console.ui.app import GenesisApp
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.confirm import ConfirmScreen
from tests.integration.fixtures_monitoring import Server, start_alertmanager
from tests.pilot import wait_until

AM_CONFIG = """\
route:
  receiver: "null"
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      group_by: [alertname, instance]
    - matchers: ['team="db"']
      receiver: db
      group_by: [team]
inhibit_rules:
  - source_matchers: ['alertname="GenesisOrchestratorDown"']
    target_matchers: ['alertname="GenesisHighErrorRate"']
    equal: [instance]
receivers:
  - name: "null"
  - name: pager
  - name: db
"""

DISK = {"alertname": "DiskFull", "severity": "critical", "instance": "db1:9100", "team": "db"}


class OffsetClock(Clock):
    """Real time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset


@dataclass
class Stack:
    folder: Path
    servers: list[Server]

    @property
    def am(self) -> str:
        return self.servers[0].url

    def post(self, labels: dict, *, resolved: bool = False, url: str | None = None) -> None:
        now = time.time()
        body = [
            {
                "labels": labels,
                "annotations": {"summary": "disk full"},
                "startsAt": format_rfc3339(now - 120),
                **({"endsAt": format_rfc3339(now - 1)} if resolved else {}),
            }
        ]
        for target in [url] if url else [s.url for s in self.servers]:
            httpx.post(target + "/api/v2/alerts", json=body, timeout=2).raise_for_status()

    def silences(self, url: str | None = None, state: str = "active") -> list[dict]:
        found = httpx.get((url or self.am) + "/api/v2/silences", timeout=2).json()
        return [s for s in found if s["status"]["state"] == state]

    def app(self, clock=None, **extra) -> GenesisApp:
        data = {
            "environment": "staging",
            "refresh_seconds": 0.5,
            "timeout_seconds": 2,
            "alertmanager": {"urls": [s.url for s in self.servers]},
            "ports": [],
            "audit": {"path": str(self.folder / "audit.jsonl")},
            **extra,
        }
        path = self.folder / "config.yaml"
        path.write_text(yaml.safe_dump(data))
        config = load_config(path)

        def factory():
            from console.sources.registry import build_sources

            return [s for s in build_sources(config) if s.name == "alertmanager"]

        return GenesisApp(
            config,
            sources_factory=factory,
            clock=clock,
            timeline_path=self.folder / "timeline.jsonl",
        )


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    servers = []
    try:
        for index in range(2):
            servers.append(start_alertmanager(tmp_path / f"am{index}", config=AM_CONFIG))
        yield Stack(tmp_path, servers)
    finally:
        for server in servers:
            server.proc.stop()


def alert_named(app: GenesisApp, name: str):
    data = app.state.alerts
    return next((a for a in (data.alerts if data else ()) if a.name == name), None)


async def select(app, pilot, name: str) -> None:
    await wait_until(pilot, lambda: alert_named(app, name), 10, f"{name} on screen")
    table = app.query_one(AlertsPane).table
    table.focus()
    table.move_cursor(row=table.get_row_index(alert_named(app, name).fingerprint))
    await pilot.pause()


async def test_ack_creates_extends_and_expires_with_the_alert(stack):
    stack.post(DISK)
    clock = OffsetClock()
    app = stack.app(clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(app, pilot, "DiskFull")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert any("ACK by" in line for line in app.screen.plan.lines)
        await pilot.press("y")
        # in every (independent) Alertmanager, by this engineer, 15 minutes
        for server in stack.servers:
            await wait_until(
                pilot, lambda s=server: stack.silences(s.url, "active"), 10, "the ack silence"
            )
            (ack,) = stack.silences(server.url)
            assert ack["comment"].startswith("ACK by ")
            length = parse_rfc3339(ack["endsAt"]) - parse_rfc3339(ack["startsAt"])
            assert length == pytest.approx(900, abs=2)
        first = stack.silences()[0]
        await wait_until(
            pilot,
            lambda: alert_named(app, "DiskFull").display_state == "acked",
            10,
            "the alert shown as acked",
        )
        row = app.query_one(AlertsPane).table.get_row(alert_named(app, "DiskFull").fingerprint)
        assert "ACK " in str(row[3])
        counts = alert_counts([app.state.results["alertmanager"]])
        assert counts["acked"] == 1 and counts["silenced"] == 0
        # an acked critical still keeps the incident open
        assert app.incident.tracker.open_since is not None

        # 14 minutes on: the ack would end within its renewal window, and it still fires
        clock.offset = 14 * 60
        await wait_until(
            pilot,
            lambda: (
                parse_rfc3339(stack.silences()[0]["endsAt"]) > parse_rfc3339(first["endsAt"]) + 60
            ),
            10,
            "the ack extended",
        )
        (extended,) = stack.silences()
        assert extended["id"] == first["id"]  # the same ack, updated in place

        # the alert resolves: the ack goes within a refresh or two
        stack.post(DISK, resolved=True)
        for server in stack.servers:
            await wait_until(
                pilot, lambda s=server: not stack.silences(s.url), 10, "the ack expired"
            )
        await wait_until(
            pilot,
            lambda: "ack_released" in [e.kind for e in app.timeline.entries()],
            5,
            "the release on the timeline",
        )
    kinds = [e.kind for e in app.timeline.entries()]
    assert "ack" in kinds and "ack_released" in kinds
    records = list(AuditLog(stack.folder / "audit.jsonl").records())
    assert [r["outcome"] for r in records if r["action"] == "ack"] == ["ok"]


async def test_the_same_key_releases_the_ack(stack):
    stack.post(DISK)
    app = stack.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await select(app, pilot, "DiskFull")
        await pilot.press("a", "y")
        await wait_until(
            pilot,
            lambda: alert_named(app, "DiskFull").display_state == "acked",
            10,
            "acked",
        )
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.plan.kind == "unack"
        await pilot.press("y")
        await wait_until(pilot, lambda: not stack.silences(), 10, "the ack released")
        await wait_until(
            pilot,
            lambda: alert_named(app, "DiskFull").display_state == "active",
            10,
            "active again",
        )


async def test_read_only_refuses_to_ack(stack):
    stack.post(DISK)
    app = stack.app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(app, pilot, "DiskFull")
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.pause(1)
    assert stack.silences() == []


async def test_a_cluster_gets_one_ack_not_one_per_peer(stack):
    stack.post(DISK)
    app = stack.app(alertmanager={"urls": [s.url for s in stack.servers], "cluster": True})
    async with app.run_test(size=(120, 40)) as pilot:
        await select(app, pilot, "DiskFull")
        await pilot.press("a", "y")
        await wait_until(pilot, lambda: stack.silences(stack.servers[0].url), 10, "the ack")
        await pilot.pause(1)
        assert stack.silences(stack.servers[1].url) == []


# --- group and sort (issue 15) ---------------------------------------------------------

WEB = {"alertname": "HighLatency", "severity": "warning", "instance": "web1:80", "team": "web"}
WEB2 = {"alertname": "HighLatency", "severity": "warning", "instance": "web2:80", "team": "web"}
DB2 = {"alertname": "SlowQueries", "severity": "warning", "instance": "db2:9100", "team": "db"}


def group_rows(app) -> list[str]:
    table = app.query_one(AlertsPane).table
    return [
        str(table.get_row_at(i)[1])
        for i in range(table.row_count)
        if str(table.coordinate_to_cell_key((i, 0)).row_key.value).startswith("group:")
    ]


async def test_g_groups_as_alertmanager_does_then_by_a_label_and_folds(
    stack, tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for labels in (DISK, WEB, WEB2, DB2):
        stack.post(labels, url=stack.am)
    app = stack.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(
            pilot,
            lambda: app.state.alerts and len(app.state.alerts.alerts) == 4,
            10,
            "four alerts",
        )
        await pilot.press("g")
        expected = httpx.get(stack.am + "/api/v2/alerts/groups", timeout=2).json()
        await wait_until(pilot, lambda: len(group_rows(app)) == len(expected), 10, "AM's groups")
        shown = group_rows(app)
        # the critical route groups by alertname+instance, the db route by team, the rest
        # by alertname: exactly Alertmanager's groups, each with its receiver
        for group in expected:
            labels = ", ".join(f"{k}={v}" for k, v in sorted(group["labels"].items()))
            assert any(labels in row and group["receiver"]["name"] in row for row in shown), (
                labels,
                shown,
            )
        # fold the first group: its alerts leave the table, its header stays with counts
        table = app.query_one(AlertsPane).table
        table.focus()
        table.move_cursor(row=0)
        before = table.row_count
        await pilot.press("o")
        await pilot.pause()
        assert table.row_count < before
        assert str(table.get_row_at(0)[0]).startswith("▸")
        await pilot.press("o")
        await pilot.pause()
        assert table.row_count == before

        # g again asks for a label: group by team
        await pilot.press("g")
        await pilot.pause()
        await pilot.press(*"team", "enter")
        await wait_until(pilot, lambda: len(group_rows(app)) == 2, 5, "two team groups")
        assert sorted(group_rows(app)) == ["team=db", "team=web"]
        # team=db holds the critical: its header counts it and comes first
        assert group_rows(app)[0] == "team=db"
        assert "1 critical" in str(table.get_row_at(0)[2])

        # and back to flat
        await pilot.press("g")
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: group_rows(app) == [] and table.row_count == 4, 5, "flat")


async def test_sorting_holds_still_and_the_cursor_stays_on_its_alert(stack, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for labels in (DISK, WEB, WEB2, DB2):
        stack.post(labels, url=stack.am)
    app = stack.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(
            pilot, lambda: app.state.alerts and len(app.state.alerts.alerts) == 4, 10, "alerts"
        )
        pane = app.query_one(AlertsPane)
        table = pane.table
        table.focus()
        await pilot.press(">", ">")  # severity, then the alert name
        await pilot.pause()
        assert pane.view.sort_column == "alertname"
        names = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert names == sorted(names)
        table.move_cursor(row=2)
        chosen = pane.selected.fingerprint
        # a new alert arrives and sorts above the cursor: the cursor stays on its alert
        stack.post({"alertname": "AAAFirst", "severity": "warning"}, url=stack.am)
        await wait_until(pilot, lambda: table.row_count == 5, 10, "the new alert")
        assert pane.selected.fingerprint == chosen
        # label columns, remembered
        await pilot.press("L")
        await pilot.pause()
        await pilot.press(*"instance", "enter")
        await pilot.pause()
        assert "label:instance" in [str(k.value) for k in table.columns]
    from console.ui.grouping import load_label_columns

    assert load_label_columns() == ("instance",)
