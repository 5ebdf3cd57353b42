"""Issue 9: silencing is not resolving, and a silence lasts exactly what was typed.

A real Alertmanager (fresh per test) and a stand-in orchestrator that stays down: the
engineer silences GenesisOrchestratorDown while the orchestrator is still down. The
timeline must say who silenced it and for how long (not "no longer firing"), the
Markdown export must not count it as resolved, and the incident, its clock and its
recovery time must carry on: silencing is not recovery.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from textual.widgets import Input

from console.audit import AuditLog
from console.clock import format_rfc3339
from console.config import load_config
from console.timeline import render_markdown
from console.ui.app import GenesisApp
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.confirm import ConfirmScreen
from console.ui.screens.silence import SilenceScreen
from tests.integration.fixtures_monitoring import Server, start_alertmanager
from tests.pilot import wait_until
from tests.standin_orchestrator import StandinOrchestrator

DOWN = {
    "alertname": "GenesisOrchestratorDown",
    "severity": "critical",
    "job": "genesis-orchestrator",
    "instance": "orch1:8000",
}


@dataclass
class Stack:
    folder: Path
    alertmanager: Server
    orchestrator: StandinOrchestrator

    @property
    def am(self) -> str:
        return self.alertmanager.url

    def post_alert(self, labels: dict, started_ago: float = 60) -> None:
        body = [
            {
                "labels": labels,
                "annotations": {"summary": "the orchestrator is down"},
                "startsAt": format_rfc3339(time.time() - started_ago),
            }
        ]
        httpx.post(self.am + "/api/v2/alerts", json=body, timeout=2).raise_for_status()

    def silence(self, labels: dict, *, author: str, seconds: float, comment: str) -> str:
        now = time.time()
        body = {
            "matchers": [
                {"name": k, "value": v, "isRegex": False, "isEqual": True}
                for k, v in labels.items()
            ],
            "startsAt": format_rfc3339(now),
            "endsAt": format_rfc3339(now + seconds),
            "createdBy": author,
            "comment": comment,
        }
        reply = httpx.post(self.am + "/api/v2/silences", json=body, timeout=2)
        reply.raise_for_status()
        return reply.json()["silenceID"]

    def silences(self) -> list[dict]:
        found = httpx.get(self.am + "/api/v2/silences", timeout=2).json()
        return [s for s in found if s["status"]["state"] == "active"]

    def app(self) -> GenesisApp:
        data = {
            "environment": "staging",
            "refresh_seconds": 0.5,
            "timeout_seconds": 2,
            "orchestrator": {"url": self.orchestrator.url},
            "alertmanager": {"urls": [self.am]},
            "ports": [],
            "audit": {"path": str(self.folder / "audit.jsonl")},
        }
        path = self.folder / "config.yaml"
        path.write_text(yaml.safe_dump(data))
        config = load_config(path)

        def factory():
            from console.sources.registry import build_sources

            wanted = {"orchestrator", "alertmanager"}
            return [s for s in build_sources(config) if s.name in wanted]

        return GenesisApp(
            config, sources_factory=factory, timeline_path=self.folder / "timeline.jsonl"
        )

    def audit_records(self) -> list[dict]:
        return list(AuditLog(self.folder / "audit.jsonl").records())


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    orchestrator = StandinOrchestrator().start()
    orchestrator.ready = False  # down for the whole test: nothing here recovers
    alertmanager = start_alertmanager(tmp_path / "alertmanager")
    try:
        yield Stack(tmp_path, alertmanager, orchestrator)
    finally:
        alertmanager.proc.stop()
        orchestrator.stop()


def alert_named(app: GenesisApp, name: str):
    data = app.state.alerts
    return next((a for a in (data.alerts if data else ()) if a.name == name), None)


def kinds(app: GenesisApp) -> list[str]:
    return [e.kind for e in app.timeline.entries()]


async def test_silencing_the_down_alert_is_not_resolving_it(stack):
    stack.post_alert(DOWN)
    app = stack.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: (
                (alert_named(app, DOWN["alertname"]) or None)
                and alert_named(app, DOWN["alertname"]).display_state == "active"
            ),
            10,
            "the down alert, firing",
        )
        await wait_until(pilot, lambda: "alert_firing" in kinds(app), 5, "firing on the timeline")
        assert app.incident.tracker.open_since is not None
        await wait_until(pilot, lambda: app.incident.classes.current == "P0", 5, "P0")

        stack.silence(DOWN, author="alice", seconds=2 * 3600 + 30 * 60, comment="db failover")
        await wait_until(
            pilot,
            lambda: alert_named(app, DOWN["alertname"]).display_state == "silenced",
            10,
            "the down alert, silenced",
        )
        await wait_until(pilot, lambda: "alert_silenced" in kinds(app), 5, "silenced entry")
        for _ in range(4):  # a few more polls: nothing may decide it recovered
            await pilot.pause(0.5)

        entries = app.timeline.entries()
        assert [e.kind for e in entries if e.kind.startswith("alert_")] == [
            "alert_firing",
            "alert_silenced",
        ], [(e.kind, e.text) for e in entries]
        (silenced,) = [e for e in entries if e.kind == "alert_silenced"]
        assert "GenesisOrchestratorDown" in silenced.text
        assert "alice" in silenced.text
        assert "2h30m" in silenced.text
        assert "db failover" in silenced.text
        assert not any("no longer firing" in e.text for e in entries)
        assert not any("all clear" in e.text for e in entries)

        # the incident, its clock and the recovery time carry on while it is down
        assert app.incident.tracker.open_since is not None
        assert app.incident.tracker.last_recovery_seconds is None
        assert app.incident.classes.current == "P0"
        recovery = app.incident.recovery_value(app.clock.time())
        assert recovery.status in ("open", "overdue"), recovery
        app.main.tick()
        await pilot.pause()
        assert "P0 open" in app.query_one("#header").incident

    story = render_markdown(app.timeline.entries())
    assert "0 resolved" in story, story
    assert "1 silenced" in story, story
    assert "**SILENCED**" in story
    assert "**RESOLVED**" not in story


async def test_a_suppressed_critical_still_opens_the_incident(stack):
    """A console opened after the silence still sees the incident it hides."""
    stack.post_alert(DOWN, started_ago=300)
    stack.silence(DOWN, author="bob", seconds=3600, comment="known")
    app = stack.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: (
                (alert_named(app, DOWN["alertname"]) or None)
                and alert_named(app, DOWN["alertname"]).display_state == "silenced"
            ),
            10,
            "the down alert, silenced",
        )
        await wait_until(pilot, lambda: app.incident.classes.current == "P0", 5, "P0")
        assert app.incident.tracker.open_since is not None
        # the clock runs from the alert's start, not from when it was silenced
        assert app.incident.tracker.open_for(app.clock.time()) >= 290
        assert app.incident.recovery_value(app.clock.time()).status == "overdue"


async def test_a_silence_of_2h30m_is_confirmed_reported_and_audited_as_2h30m(stack):
    stack.orchestrator.ready = True
    labels = {"alertname": "DiskFull", "severity": "warning", "instance": "db1:9100"}
    stack.post_alert(labels)
    app = stack.app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: alert_named(app, "DiskFull"), 10, "the alert")
        pane = app.query_one(AlertsPane)
        table = pane.table
        table.move_cursor(row=table.get_row_index(alert_named(app, "DiskFull").fingerprint))
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, SilenceScreen)
        form.query_one("#duration", Input).value = "2h30m"
        form.query_one("#comment", Input).value = "disk cleanup"
        await pilot.pause()
        form.submit()
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        shown = "\n".join(confirm.plan.lines)
        assert "for 2h30m" in shown, shown
        await pilot.press("y")
        await wait_until(pilot, lambda: len(stack.silences()) == 1, 5, "silence created")
        (made,) = stack.silences()
        from console.clock import parse_rfc3339

        # Alertmanager moves a start in the past to when it received the silence
        length = parse_rfc3339(made["endsAt"]) - parse_rfc3339(made["startsAt"])
        assert length == pytest.approx(9000, abs=5)
        await wait_until(
            pilot,
            lambda: any("silenced for" in n.message for n in app.told),
            5,
            "the toast",
        )
        toast = next(n.message for n in app.told if "silenced for" in n.message)
        assert "silenced for 2h30m" in toast, toast
    (record,) = [r for r in stack.audit_records() if r["action"] == "silence"]
    text = str(record)
    assert "2h30m" in text, text
    assert "for 2h " not in text and "for 2h," not in text, text
