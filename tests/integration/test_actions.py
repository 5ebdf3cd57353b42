"""Actions end to end (issue 4): keys → confirmation → real servers → audit log.

Real Alertmanager (a fresh one per test: it starts in about 0.1 s, so silences never
leak between tests), the session's stand-in orchestrator (counts cache clears), the
session's throwaway Redis (hit rate, war-room lock), and a loopback receiver standing
in for PagerDuty and Slack. The restart command is a real argv that appends a line to
a marker file, so "did it run, and how often" is read from the disk.
"""

from __future__ import annotations

import getpass
import html
import json
import logging
import os
import re
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import yaml
from textual import events
from textual.widgets import Button, Checkbox, DataTable, Input, Static

from console.audit import AuditLog
from console.config import load_config
from console.ui.app import GenesisApp
from console.ui.header import StatusHeader
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.confirm import ConfirmScreen
from console.ui.screens.silence import SilenceScreen
from console.ui.screens.silences import SilencesScreen
from tests.integration.fixtures_monitoring import Server, start_alertmanager
from tests.pilot import wait_until
from tests.standin_receiver import Receiver

PD_ENV = "GENESIS_TEST_PAGERDUTY_KEY"
SLACK_ENV = "GENESIS_TEST_SLACK_WEBHOOK"
ROUTING_KEY = "R0UTINGkey-zq81-4f7c-sekrit"
SLACK_PATH = "/services/T0GENESIS/B0CONSOLE/XXwebhookSEKRITzz"
NAME = "genesis-orchestrator"

#: the restart command: sleeps, appends a line to the marker file, exits with a code
RESTART_SCRIPT = (
    "import sys, time; time.sleep(float(sys.argv[2])); "
    "open(sys.argv[1], 'a').write('ran\\n'); sys.exit(int(sys.argv[3]))"
)


# --- a loopback receiver for PagerDuty and Slack ---------------------------------------


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


# --- the world one test acts on ------------------------------------------------------


@dataclass
class World:
    folder: Path
    alertmanager: Server
    standin: object
    receiver: Receiver
    redis_port: int
    marker: Path
    audit: Path
    apps: list = field(default_factory=list)

    @property
    def am(self) -> str:
        return self.alertmanager.url

    def config(
        self,
        *,
        environment: str = "staging",
        read_only: bool = False,
        sleep: float = 0.0,
        exit_code: int = 0,
        warroom: bool = False,
        name: str = "config.yaml",
    ) -> Path:
        data = {
            "environment": environment,
            "refresh_seconds": 0.5,
            "timeout_seconds": 2,
            "read_only": read_only,
            "orchestrator": {
                "name": NAME,
                "url": self.standin.url,
                "restart_command": [
                    sys.executable,
                    "-c",
                    RESTART_SCRIPT,
                    str(self.marker),
                    str(sleep),
                    str(exit_code),
                ],
                "restart_timeout_seconds": 10,
                "ready_deadline_seconds": 1,
            },
            "alertmanager": {"urls": [self.am]},
            "redis": {"url": f"redis://127.0.0.1:{self.redis_port}/0"},
            "ports": [],
            "escalation": {
                "pagerduty": {"url": self.receiver.url + "/v2/enqueue", "routing_key_env": PD_ENV},
                "slack": {"webhook_url_env": SLACK_ENV},
            },
            "audit": {"path": str(self.audit)},
        }
        if warroom:
            data["warroom"] = {"redis_url": f"redis://127.0.0.1:{self.redis_port}/0"}
        path = self.folder / name
        path.write_text(yaml.safe_dump(data))
        return path

    def app(self, *, flag_read_only: bool | None = None, **config) -> GenesisApp:
        loaded = load_config(self.config(**config))
        wanted = {"orchestrator", "alertmanager", "redis"}

        def factory():
            from console.sources.registry import build_sources

            return [s for s in build_sources(loaded) if s.name in wanted]

        app = GenesisApp(loaded, sources_factory=factory, read_only=flag_read_only)
        self.apps.append(app)
        return app

    # what happened, as the outside world saw it

    def restarts(self) -> int:
        return len(self.marker.read_text().splitlines()) if self.marker.exists() else 0

    def silences(self, state: str | None = "active") -> list[dict]:
        found = httpx.get(self.am + "/api/v2/silences", timeout=2).json()
        return [s for s in found if state is None or s["status"]["state"] == state]

    def post_alert(self, labels: dict, annotations: dict | None = None) -> None:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
        body = [{"labels": labels, "annotations": annotations or {}, "startsAt": now}]
        httpx.post(self.am + "/api/v2/alerts", json=body, timeout=2).raise_for_status()

    def audit_records(self) -> list[dict]:
        return list(AuditLog(self.audit).records())


@pytest.fixture
def world(tmp_path, standin, receiver, redis_server, monkeypatch) -> Iterator[World]:
    monkeypatch.setenv(PD_ENV, ROUTING_KEY)
    monkeypatch.setenv(SLACK_ENV, receiver.url + SLACK_PATH)
    alertmanager = start_alertmanager(tmp_path / "alertmanager")
    receiver.requests.clear()
    try:
        yield World(
            tmp_path,
            alertmanager,
            standin,
            receiver,
            redis_server.port,
            tmp_path / "restarted.txt",
            tmp_path / "audit.jsonl",
        )
    finally:
        alertmanager.proc.stop()


# --- driving the app -----------------------------------------------------------------


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await pilot.pause()


async def type_text(pilot, text: str) -> None:
    """Type `text` key by key, as an engineer would."""
    names = {"-": "minus", " ": "space", ".": "full_stop"}
    await press(pilot, *(names.get(char, char) for char in text))


def alert_by_name(app: GenesisApp, name: str):
    data = app.state.alerts
    return next((a for a in (data.alerts if data else ()) if a.name == name), None)


async def select_alert(pilot, app: GenesisApp, name: str) -> None:
    await wait_until(pilot, lambda: alert_by_name(app, name) is not None, 5, f"alert {name}")
    pane = app.query_one(AlertsPane)
    table = pane.table
    table.move_cursor(row=table.get_row_index(alert_by_name(app, name).fingerprint))
    await pilot.pause()
    assert pane.selected.name == name


def screen_text(app: GenesisApp) -> str:
    """What the terminal shows, as text (the SVG screenshot, unescaped)."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def notifications(app: GenesisApp) -> list[str]:
    return [n.message for n in app.told]


def confirm_screen(app: GenesisApp) -> ConfirmScreen:
    assert isinstance(app.screen, ConfirmScreen), type(app.screen).__name__
    return app.screen


# --- each action: how to open its prompt, and what it does to the world -------------


async def open_prompt(pilot, app: GenesisApp, world: World, action: str) -> None:
    """Press the action's key(s) until its ConfirmScreen is up."""
    if action == "restart":
        await press(pilot, "r")
    elif action == "cache_clear":
        await press(pilot, "c")
    elif action == "maintenance":
        await press(pilot, "m")
    elif action == "escalate":
        await press(pilot, "e")
    elif action == "silence":
        await select_alert(pilot, app, "ActionTarget")
        await press(pilot, "s")
        assert isinstance(app.screen, SilenceScreen)
        await press(pilot, *"fix", "enter")
    elif action in ("expire", "extend"):
        await press(pilot, "S")
        assert isinstance(app.screen, SilencesScreen)
        await press(pilot, "x" if action == "expire" else "plus")
    confirm_screen(app)


def effect(world: World, action: str, standin, base: dict) -> int:
    """How many times the action has happened since `base` was taken."""
    if action == "restart":
        return world.restarts()
    if action == "cache_clear":
        return standin.cache_clears - base["cache"]
    if action in ("silence", "maintenance"):
        return len(world.silences(None)) - base["silences"]
    if action == "expire":
        return len(world.silences("expired"))
    if action == "extend":
        (silence,) = world.silences(None)
        return int(silence["endsAt"] != base["ends_at"])
    if action == "escalate":
        return len(world.receiver.to("/v2/enqueue"))
    raise AssertionError(action)


ACTIONS = ["restart", "cache_clear", "silence", "maintenance", "escalate", "expire", "extend"]


@pytest.mark.parametrize("action", ACTIONS)
async def test_n_escape_and_cancel_do_nothing_and_y_acts_exactly_once(world, standin, action):
    world.post_alert(
        {"alertname": "ActionTarget", "severity": "critical", "job": NAME, "run": uuid.uuid4().hex}
    )
    if action in ("expire", "extend"):
        world.post_alert({"alertname": "Other", "severity": "warning"})
        created = httpx.post(
            world.am + "/api/v2/silences",
            json={
                "matchers": [{"name": "alertname", "value": "Other", "isRegex": False}],
                "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "endsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1800)),
                "createdBy": "test",
                "comment": "pre-existing",
            },
        )
        created.raise_for_status()
    base = {
        "cache": standin.cache_clears,
        "silences": len(world.silences(None)),
        "ends_at": (world.silences(None) or [{"endsAt": None}])[0]["endsAt"],
    }
    app = world.app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.state.alerts is not None, 5, "alerts")
        if action in ("expire", "extend"):
            await wait_until(pilot, lambda: app.state.alerts.silences, 5, "silences")
        for way in ("n", "escape", "button"):
            await open_prompt(pilot, app, world, action)
            screen = confirm_screen(app)
            cancel = screen.query_one("#cancel", Button)
            assert screen.focused is cancel, f"{action}: focus on {screen.focused!r}"
            if way == "button":
                await pilot.click("#cancel")
                await pilot.pause()
            else:
                await press(pilot, way)
            assert not isinstance(app.screen, ConfirmScreen), (action, way)
            await pilot.pause(0.1)
            assert effect(world, action, standin, base) == 0, (action, way)
            assert any("Cancelled" in n for n in notifications(app)), (action, way)
        await open_prompt(pilot, app, world, action)
        await press(pilot, "y")
        await wait_until(
            pilot, lambda: effect(world, action, standin, base) >= 1, 5, f"{action} ran"
        )
        await wait_until(pilot, lambda: not app.runner.running, 5, "the action finished")
        await pilot.pause(0.2)
        assert effect(world, action, standin, base) == 1, action

    records = world.audit_records()
    assert [r["outcome"] for r in records] == ["cancelled"] * 3 + ["ok"], records
    kinds = {
        "expire": "expire_silence",
        "extend": "extend_silence",
        "maintenance": "silence",
    }
    assert {r["action"] for r in records} == {kinds.get(action, action)}


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def add_silence(world: World, alertname: str, minutes: float = 30) -> str:
    reply = httpx.post(
        world.am + "/api/v2/silences",
        json={
            "matchers": [{"name": "alertname", "value": alertname, "isRegex": False}],
            "startsAt": iso(time.time()),
            "endsAt": iso(time.time() + minutes * 60),
            "createdBy": "test",
            "comment": "made by the test",
        },
        timeout=2,
    )
    reply.raise_for_status()
    return reply.json()["silenceID"]


@pytest.mark.parametrize("action", ["restart", "escalate"])
async def test_production_needs_the_typed_name_and_a_paste_never_counts(world, action):
    world.post_alert({"alertname": "GenesisOrchestratorDown", "severity": "critical"})
    app = world.app(environment="production")

    def happened() -> int:
        return world.restarts() if action == "restart" else len(world.receiver.requests)

    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: alert_by_name(app, "GenesisOrchestratorDown"), 5, "alert")
        key = "r" if action == "restart" else "e"
        await press(pilot, key)
        screen = confirm_screen(app)
        typed = screen.query_one("#typed", Input)
        assert screen.focused is typed  # the name field has the focus from the start
        assert f"type {NAME} and press Enter" in screen_text(app)
        assert not screen.query("#confirm")  # no button that confirms without the name

        await press(pilot, "y")  # y alone: a letter of the name here, not a confirmation
        assert isinstance(app.screen, ConfirmScreen)
        assert typed.value == "y"
        await type_text(pilot, "genesis")  # a wrong name
        assert screen.focused is typed
        await press(pilot, "enter")
        assert typed.value == ""
        assert any("nothing ran" in n for n in notifications(app))

        app.post_message(events.Paste(NAME))  # a paste of the right name never counts
        await pilot.pause()
        assert typed.value == ""
        await press(pilot, "enter")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.pause(0.2)
        assert happened() == 0

        await press(pilot, "escape")  # escape still cancels
        assert not isinstance(app.screen, ConfirmScreen)

        await press(pilot, key)
        await type_text(pilot, NAME)
        await press(pilot, "enter")
        await wait_until(pilot, lambda: happened() >= 1, 5, f"{action} ran")
        await wait_until(pilot, lambda: not app.runner.running, 5, "finished")
        await pilot.pause(0.2)
        expected = 1 if action == "restart" else 2  # PagerDuty and Slack, once each
        assert happened() == expected
    assert [r["outcome"] for r in world.audit_records()] == ["cancelled", "ok"]


@pytest.mark.parametrize("how", ["config", "flag"])
async def test_read_only_runs_nothing_whatever_is_pressed(world, standin, how):
    world.post_alert({"alertname": "ActionTarget", "severity": "critical", "job": NAME})
    silence_id = add_silence(world, "ActionTarget")
    before = world.silences(None)
    clears = standin.cache_clears
    app = world.app(read_only=True) if how == "config" else world.app(flag_read_only=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.state.alerts and app.state.alerts.silences, 5, "data")
        assert "READ-ONLY" in str(app.query_one(StatusHeader).render())
        await select_alert(pilot, app, "ActionTarget")
        for key in ("r", "c", "s", "m", "e"):
            await press(pilot, key)
            assert not isinstance(app.screen, (ConfirmScreen, SilenceScreen)), key
            await press(pilot, "y")
        for key in ("x", "plus"):
            await press(pilot, "S")
            assert isinstance(app.screen, SilencesScreen)
            await press(pilot, key)
            assert not isinstance(app.screen, ConfirmScreen), key
            await press(pilot, "y", "escape")
        assert (
            sum("read-only" in n for n in notifications(app)) >= 5
        )  # x and + are not even offered in read-only (hidden), so they say nothing
        await pilot.pause(0.3)
    assert world.restarts() == 0
    assert standin.cache_clears == clears
    assert world.silences(None) == before
    assert world.silences()[0]["id"] == silence_id
    assert world.receiver.requests == []
    assert world.audit_records() == []


async def test_a_second_restart_while_one_runs_is_refused(world):
    app = world.app(sleep=1.0)
    async with app.run_test(size=(160, 48)) as pilot:
        await press(pilot, "r")
        await press(pilot, "y")
        await wait_until(pilot, lambda: app.runner.busy("restart"), 2, "restart running")
        await press(pilot, "r")
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("already running" in n for n in notifications(app))
        await wait_until(pilot, lambda: not app.runner.running, 5, "restart finished")
    assert world.restarts() == 1


async def test_the_war_room_lock_refuses_a_second_console_and_names_the_holder(world, redis_server):
    import redis

    # the first restart holds the lock long enough for a busy machine to drive the second
    first = world.app(sleep=6, warroom=True)
    second = world.app(warroom=True, name="second.yaml")
    client = redis.Redis(port=redis_server.port)
    async with first.run_test(size=(160, 48)) as one, second.run_test(size=(160, 48)) as two:
        await press(one, "r")
        await press(one, "y")
        await wait_until(
            one, lambda: client.get("genesis-console:lock:restart"), 3, "the lock is taken"
        )
        await press(two, "r")
        await press(two, "y")
        await wait_until(
            two,
            lambda: any("already running" in n for n in notifications(second)),
            5,
            "the second console is refused",
        )
        refusal = next(n for n in notifications(second) if "already running" in n)
        user = os.environ.get("SUDO_USER") or getpass.getuser()
        assert f"{user}@{socket.gethostname()}" in refusal
        assert f"Restart {NAME}" in refusal
        await wait_until(one, lambda: not first.runner.running, 15, "first restart finished")
    assert world.restarts() == 1
    assert client.get("genesis-console:lock:restart") is None  # released
    outcomes = [(r["outcome"], r["message"]) for r in world.audit_records()]
    assert sorted(o for o, _ in outcomes) == ["busy", "ok"]  # waiting is not failing


async def test_silence_the_selected_alert_then_expire_and_extend_it(world):
    labels = {"alertname": "DiskFull", "severity": "warning", "instance": "db1:9100", "job": NAME}
    world.post_alert(labels)
    world.post_alert({"alertname": "Other", "severity": "warning", "instance": "db2:9100"})
    app = world.app()
    async with app.run_test(size=(160, 48)) as pilot:
        await select_alert(pilot, app, "DiskFull")
        await wait_until(pilot, lambda: alert_by_name(app, "Other"), 5, "both alerts")
        await press(pilot, "s")
        form = app.screen
        assert isinstance(form, SilenceScreen)
        # prefilled from the alert's labels, all used, none regex
        for index, (name, value) in enumerate(form.labels):
            assert labels[name] == value
            assert form.query_one(f"#value-{index}", Input).value == value
            assert form.query_one(f"#use-{index}", Checkbox).value is True
            assert form.query_one(f"#regex-{index}", Checkbox).value is False
        assert {name for name, _ in form.labels} == set(labels)
        assert "would silence 1 current alert:" in str(form.query_one("#preview", Static).render())

        await press(pilot, "enter")  # no comment: refused, like amtool
        assert app.screen is form
        assert "comment is required" in str(form.query_one("#error", Static).render())

        await type_text(pilot, "disk cleanup")
        await press(pilot, "enter")
        confirm = confirm_screen(app)
        assert "would silence 1 current alert" in "\n".join(confirm.plan.lines)
        await press(pilot, "y")
        await wait_until(pilot, lambda: len(world.silences()) == 1, 5, "silence created")
        (made,) = world.silences()
        assert {m["name"]: m["value"] for m in made["matchers"]} == labels
        assert made["comment"] == "disk cleanup"
        assert made["createdBy"] == (os.environ.get("SUDO_USER") or getpass.getuser())
        await wait_until(
            pilot,
            lambda: alert_by_name(app, "DiskFull").display_state == "silenced",
            5,
            "the alert turns silenced in the console",
        )
        assert alert_by_name(app, "Other").display_state == "active"
        await wait_until(pilot, lambda: app.state.alerts.silences, 5, "silences seen")

        # the silences view lists it with its remaining time; x expires it
        await press(pilot, "S")
        view = app.screen
        assert isinstance(view, SilencesScreen)
        table = view.query_one(DataTable)
        assert table.row_count == 1
        ends_in = table.get_row_at(0)[0].plain
        assert ends_in in ("59m", "1h"), ends_in
        assert "Ends in" in screen_text(app)
        await press(pilot, "x")
        await press(pilot, "y")
        await wait_until(pilot, lambda: not world.silences(), 5, "silence expired")
        await wait_until(
            pilot,
            lambda: alert_by_name(app, "DiskFull").display_state == "active",
            5,
            "the alert turns active again",
        )

        # extend: + adds an hour to the current end
        add_silence(world, "Other", minutes=30)
        await wait_until(
            pilot, lambda: alert_by_name(app, "Other").display_state == "silenced", 5, "silenced"
        )
        (old,) = world.silences()
        await press(pilot, "S")
        await press(pilot, "plus")
        await press(pilot, "y")
        await wait_until(
            pilot,
            lambda: [s["endsAt"] for s in world.silences()] not in ([], [old["endsAt"]]),
            5,
            "the end moved",
        )
        (new,) = world.silences()
        moved = parse(new["endsAt"]) - parse(old["endsAt"])
        assert moved == pytest.approx(3600, abs=2), moved
    silence_records = [r for r in world.audit_records() if r["action"] == "silence"]
    assert silence_records[0]["undo"] == f"expire silence {made['id']}"


def parse(stamp: str) -> float:
    from console.clock import parse_rfc3339

    return parse_rfc3339(stamp)


async def test_escalation_payload_field_by_field_and_secrets_never_shown(world, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    world.post_alert(
        {"alertname": "GenesisOrchestratorDown", "severity": "critical", "job": NAME},
        {"summary": "GENESIS orchestrator is down on app1"},
    )
    world.post_alert({"alertname": "GenesisHighErrorRate", "severity": "warning"})
    app = world.app()
    shown = []
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(
            pilot, lambda: app.incident.tracker.open_since is not None, 5, "incident open"
        )
        await wait_until(pilot, lambda: alert_by_name(app, "GenesisHighErrorRate"), 5, "alerts")
        for sent in (2, 4):  # PagerDuty and Slack each time
            await press(pilot, "e")
            shown.append(screen_text(app))
            await press(pilot, "y")
            await wait_until(
                pilot, lambda sent=sent: len(world.receiver.requests) == sent, 5, "escalation sent"
            )
            await wait_until(pilot, lambda: not app.runner.running, 5, "finished")
            shown.append(screen_text(app))
        shown.extend(notifications(app))
        shown.append(str(app.query_one("#action-bar").render()))

    first, second = (r.json() for r in world.receiver.to("/v2/enqueue"))
    assert first["routing_key"] == ROUTING_KEY
    assert first["event_action"] == "trigger"
    assert first["dedup_key"] and first["dedup_key"] == second["dedup_key"]
    payload = first["payload"]
    assert "GenesisOrchestratorDown" in payload["summary"]
    assert payload["severity"] == "critical"
    assert payload["source"] == socket.gethostname()
    firing = payload["custom_details"]["firing_alerts"]
    assert {a["alertname"] for a in firing} == {"GenesisOrchestratorDown", "GenesisHighErrorRate"}
    down = next(a for a in firing if a["alertname"] == "GenesisOrchestratorDown")
    assert down["severity"] == "critical"
    assert down["summary"] == "GENESIS orchestrator is down on app1"
    assert payload["custom_details"]["level"] == "on-call engineer"
    # who escalated travels with the page (outside tmux: $SUDO_USER or $USER)
    user = os.environ.get("SUDO_USER") or os.environ.get("USER") or getpass.getuser()
    by = f"{user}@{socket.gethostname()}"
    assert payload["custom_details"]["escalated_by"].startswith(by)
    slack = world.receiver.to(SLACK_PATH)
    assert len(slack) == 2
    text = slack[0].json()["text"]
    assert f"escalated by {by}" in text
    assert "GenesisOrchestratorDown" in text and "GENESIS orchestrator is down on app1" in text
    assert slack[0].headers["Content-Type"].startswith("application/json")

    out, err = capfd.readouterr()
    everywhere = {
        "screen": "\n".join(shown),
        "audit log": world.audit.read_text(),
        "logs": caplog.text + out + err,
    }
    for where, text in everywhere.items():
        assert ROUTING_KEY not in text, where
        assert SLACK_PATH not in text, where
        assert "XXwebhookSEKRIT" not in text, where
    assert len(world.audit_records()) == 2


async def test_three_failed_restarts_offer_escalation(world):
    world.post_alert({"alertname": "GenesisOrchestratorDown", "severity": "critical"})
    app = world.app(exit_code=1)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.incident.tracker.open_since is not None, 5, "incident")
        for attempt in (1, 2, 3):
            await press(pilot, "r")
            assert f"this is attempt {attempt} of 3" in "\n".join(confirm_screen(app).plan.lines)
            await press(pilot, "y")
            await wait_until(pilot, lambda n=attempt: world.restarts() == n, 5, "attempt ran")
            await wait_until(pilot, lambda: not app.runner.running, 5, "attempt finished")
            await pilot.pause()
            if attempt < 3:
                assert not isinstance(app.screen, ConfirmScreen)
        offer = confirm_screen(app)
        assert offer.plan.kind == "escalate"
        assert "failed 3 times" in offer.note and "escalate" in offer.note
        assert "failed 3 times" in screen_text(app)
        await press(pilot, "n")
    failed = [r for r in world.audit_records() if r["action"] == "restart"]
    assert [r["outcome"] for r in failed] == ["failed"] * 3
    assert "exit 1" in failed[0]["message"]


async def test_a_hostile_label_is_shown_literally_and_nothing_runs(world):
    touched = Path(f"/tmp/genesis-hostile-{uuid.uuid4().hex}")
    evil = f"[bold red]BOOM[/] \x1b[31mRED $(touch {touched}) `touch {touched}` " + "A" * 10240
    world.post_alert(
        {"alertname": "Hostile[bold red]Name", "severity": "critical", "evil": evil},
        {"summary": evil},
    )
    world.post_alert({"alertname": "Plain", "severity": "warning"})
    app = world.app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: alert_by_name(app, "Plain"), 5, "alerts")
        await select_alert(pilot, app, "Hostile[bold red]Name")
        text = screen_text(app)
        assert "Hostile[bold red]Name" in text
        assert "[bold red]BOOM[/]" in text
        assert "\x1b" not in text
        assert "\\x1b[31mRED" in text  # the escape is shown, not obeyed
        for title in ("Alerts", "SLA", "Services", "Host"):
            assert title in text
        for pane in ("#alerts", "#sla", "#services", "#host"):
            assert app.query_one(pane).region.height > 2, pane
        table = app.query_one(AlertsPane).table
        assert table.row_count == 2
        assert all(row.height == 1 for row in table.rows.values())

        await press(pilot, "s")
        form = app.screen
        assert isinstance(form, SilenceScreen)
        text = screen_text(app)
        assert "[bold red]BOOM[/]" in text and "\x1b" not in text
        # the matcher keeps the real value, so it still matches the alert
        assert "would silence 1 current alert:" in str(form.query_one("#preview", Static).render())
        await type_text(pilot, "x")
        await press(pilot, "enter")
        confirm_screen(app)  # the prompt's title names the alert, literally too
        text = screen_text(app)
        assert "Silence Hostile[bold red]Name" in text and "\x1b" not in text
        await press(pilot, "n")
        assert not isinstance(app.screen, ConfirmScreen)
    assert not touched.exists()


async def test_audit_log_tells_the_story_and_survives_a_torn_line(world, redis_server, standin):
    import redis

    client = redis.Redis(port=redis_server.port)
    client.set("genesis:warm", "1")
    for key in ("genesis:warm", "genesis:cold"):
        client.get(key)  # at least one hit and one miss: the hit rate is a number
    old = {"time": "2026-01-01T00:00:00.000Z", "action": "restart", "outcome": "ok"}
    world.audit.write_text(json.dumps(old) + "\n" + '{"time": "2026-01-01T00:01:00.0')
    world.post_alert({"alertname": "GenesisOrchestratorDown", "severity": "critical", "job": NAME})
    clears = standin.cache_clears
    app = world.app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: "redis" in app.state.results, 5, "redis probed")
        await press(pilot, "c")
        await press(pilot, "y")
        await wait_until(pilot, lambda: standin.cache_clears == clears + 1, 5, "cache cleared")
        await wait_until(pilot, lambda: not app.runner.running, 5, "finished")
        cleared = next(n for n in notifications(app) if "cache cleared" in n)
        assert "cleared: True" in cleared  # the orchestrator's answer
        before, after = re.search(r"Redis hit rate (\S+) → (\S+)", cleared).groups()
        assert before.endswith("%") and after.endswith("%"), cleared
        assert "cache cleared" in str(app.query_one("#action-bar").render())

        await wait_until(pilot, lambda: alert_by_name(app, NAME) or True, 1, "")
        await press(pilot, "m")
        await press(pilot, "y")
        await wait_until(pilot, lambda: len(world.silences()) == 1, 5, "maintenance silence")
        await wait_until(pilot, lambda: not app.runner.running, 5, "finished")

    lines = world.audit.read_bytes().split(b"\n")
    assert lines[-1] == b""  # every record ends its line
    assert lines[1] == b'{"time": "2026-01-01T00:01:00.0'  # the torn line is left as it was
    records = world.audit_records()
    assert records[0] == old
    assert [r["action"] for r in records[1:]] == ["cache_clear", "silence"]
    user = os.environ.get("SUDO_USER") or getpass.getuser()
    for record in records[1:]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"])
        assert record["user"] == user
        assert record["host"] == socket.gethostname()
        assert "ssh_client" in record
        assert record["outcome"] == "ok"
        assert isinstance(record["duration"], int | float) and record["duration"] >= 0
        assert record["plan"]["lines"] and record["target"]
    cache, silence = records[1:]
    assert cache["plan"]["lines"][0] == f"POST {standin.url}/api/cache/clear"
    assert cache["undo"] is None
    assert silence["target"] == f'job="{NAME}"'
    assert silence["undo"] == f"expire silence {world.silences()[0]['id']}"


async def test_escape_sequences_in_severity_state_names_and_ids_never_reach_the_terminal(world):
    """Issue 10, attack 2: a severity of ESC[2J wiped the screen through a real
    Alertmanager 0.25; the toast title `Silence {name}` carried escapes; bidi overrides and
    zero-width characters were obeyed. Everything is shown, nothing is obeyed."""
    name = "Bidi\u202etxt.exe\u200bName\x1b]52;c;aGk=\x07"
    world.post_alert({"alertname": name, "severity": "\x1b[2J", "job": "x"})
    app = world.app()
    async with app.run_test(size=(160, 48)) as pilot:
        await select_alert(pilot, app, name)
        text = screen_text(app)
        for raw in ("\x1b", "\x07", "\u202e", "\u200b"):
            assert raw not in text, repr(raw)
        assert "● \\X1B" in text  # the severity label, visibly
        # shown visibly (the screenshot splits text into spans, so look for each piece)
        assert "Bidi<U+202E>txt.exe" in text and "<U+200B>" in text

        await press(pilot, "enter")  # the detail screen: name, severity label, state
        text = screen_text(app)
        assert "\x1b" not in text and "\u202e" not in text
        assert "Name\\x1b]52;c;aGk=\\x07" in text
        await press(pilot, "escape")

        await press(pilot, "s")
        await type_text(pilot, "x")
        await press(pilot, "enter")
        confirm_screen(app)
        await press(pilot, "y")
        await wait_until(pilot, lambda: not app.runner.running, 5, "silenced")
        await wait_until(pilot, lambda: world.silences(), 5, "silence in Alertmanager")
        titles = [n.title for n in app.told] + notifications(app)
        assert titles, "the silence was announced"
        for title in titles:
            assert "\x1b" not in title and "\x07" not in title and "\u202e" not in title
        assert any("Silence Bidi<U+202E>" in t for t in titles)
        assert "\x1b" not in screen_text(app)


async def test_escape_sequences_in_a_silence_id_are_shown_not_obeyed(world):
    """A silence id is server text too: the expire plan names it literally."""
    from console.actions.silence import plan_expire
    from console.model import Silence
    from console.ui.screens.confirm import ConfirmScreen as Prompt

    app = world.app()
    hostile = Silence(
        id="\x1b]52;c;aGk=\x07\u202eid",
        matchers=(("alertname", "x", False, True),),
        created_by="x",
        comment="x",
        starts_at=0.0,
        ends_at=1.0,
        state="active",
        sources=(world.am,),
    )
    async with app.run_test(size=(120, 40)) as pilot:
        plan = plan_expire(app.config, hostile)
        await app.push_screen(Prompt(plan))
        await pilot.pause()
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert "\\x1b]52;c;aGk=\\x07<U+202E>id" in text
        await press(pilot, "n")


async def test_slack_escalation_escapes_mentions_and_links(world):
    """Issue 10, attack 3: `<!channel>`, `<!here>` and a disguised link in an alert's name
    and summary reached Slack as a mention and a link. They arrive escaped, as text."""
    world.post_alert(
        {"alertname": "GenesisOrchestratorDown<!channel>", "severity": "critical", "job": NAME},
        {"summary": "<!here> <https://evil.example|Click to acknowledge> & more"},
    )
    app = world.app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(
            pilot, lambda: app.incident.tracker.open_since is not None, 5, "incident open"
        )
        await press(pilot, "e")
        await press(pilot, "y")
        await wait_until(pilot, lambda: len(world.receiver.requests) == 2, 5, "escalation sent")
    text = world.receiver.to(SLACK_PATH)[0].json()["text"]
    for raw in ("<!channel>", "<!here>", "<https://", "|Click to acknowledge>"):
        assert raw not in text, raw
    assert "GenesisOrchestratorDown&lt;!channel&gt;" in text
    assert "&lt;!here&gt; &lt;https://evil.example|Click to acknowledge&gt; &amp; more" in text
    payload = world.receiver.to("/v2/enqueue")[0].json()
    assert len(payload["payload"]["summary"]) <= 1024
    assert len(payload["dedup_key"]) <= 255 and len(payload["payload"]["source"]) <= 255
