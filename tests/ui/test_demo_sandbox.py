"""The demo never touches the real world (issue 9): whatever the environment and the
user's config hold, its escalation reaches only the demo's own receiver, its audit log
and timeline stay in its own folder, and it never talks to a configured war room."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from console import commands, paths
from console.cli import build_command_parser, main
from console.clock import FrozenClock
from console.model import Status
from console.ui.screens.confirm import ConfirmScreen
from tests.pilot import wait_until
from tests.standin_receiver import Receiver
from tests.ui.conftest import NIGHT

REAL_ROUTING_KEY = "R3AL-routing-key-that-pages-people"


def demo_options(*argv: str):
    return build_command_parser("demo").parse_args(list(argv))


def notifications(app) -> list[str]:
    return [n.message for n in app.told]


@pytest.fixture
def real_world(tmp_path: Path, monkeypatch) -> Iterator[Receiver]:
    """An engineer's shell: real escalation secrets and a real config exported, every
    endpoint of which is a stand-in that must hear nothing while the demo runs."""
    outside = Receiver()
    monkeypatch.setenv("GENESIS_SLACK_WEBHOOK_URL", outside.url + "/services/T0/B0/real")
    monkeypatch.setenv("GENESIS_PAGERDUTY_ROUTING_KEY", REAL_ROUTING_KEY)
    config = tmp_path / "production.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "environment": "production",
                "escalation": {"pagerduty": {"url": outside.url + "/v2/enqueue"}},
                "warroom": {"redis_url": f"redis://127.0.0.1:{outside.port}/0"},
                "alertmanager": {"urls": [outside.url]},
                "audit": {"path": str(tmp_path / "production-audit.jsonl")},
            }
        )
    )
    monkeypatch.setenv("GENESIS_CONSOLE_CONFIG", str(config))
    yield outside
    outside.stop()


async def test_demo_escalation_goes_to_the_demo_receiver_never_to_the_real_one(real_world):
    stack, app = commands.demo_app(
        demo_options("--scenario", "orchestrator-down", "--seed", "7"), clock=FrozenClock(NIGHT)
    )
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await app.poll_once()
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)  # the demo is no production: y is enough
            prompt = "\n".join(app.screen.plan.lines)
            assert "demo receiver" in prompt, prompt
            assert real_world.url not in prompt
            await pilot.press("y")
            await wait_until(
                pilot,
                lambda: len(stack.world.escalations) == 2 and not app.runner.running,
                5,
                "the demo receiver got the page and the message",
            )
            await pilot.pause()
    finally:
        stack.stop()
    assert real_world.connections == 0, real_world.requests
    page, message = stack.world.escalations
    assert page.channel == "PagerDuty" and message.channel == "Slack"
    assert page.body["routing_key"] != REAL_ROUTING_KEY
    assert page.body["payload"]["summary"].startswith("GENESIS")
    assert "(demo)" in page.body["payload"]["summary"]
    # the engineer is told where it went and what it carried
    said = next(n for n in notifications(app) if "escalated" in n)
    assert "demo receiver" in said, said
    assert page.body["payload"]["summary"][:40] in said, said
    # and the console never reached for the configured war room or the machine's datastores
    assert app.config.warroom.redis_url is None
    assert app.timeline.redis_url is None
    simulated = [s for s in app.poller.sources if s.name in ("mysql", "redis", "temporal")]
    simulated += [s for s in app.poller.sources if s.name.startswith("port:")]
    assert simulated and all(type(s).__module__ == "console.demo.sources" for s in simulated)


async def test_demo_actions_stay_out_of_the_real_audit_log_and_timeline(capsys):
    # the real clock: the real `timeline` command would show these actions if they leaked
    stack, app = commands.demo_app(demo_options("--scenario", "orchestrator-down"))
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await app.poll_once()
            await pilot.press("c")
            await pilot.pause()
            await pilot.press("y")
            await wait_until(
                pilot,
                lambda: stack.audit_path.exists() and not app.runner.running,
                5,
                "the cache clear is on the demo's record",
            )
            await pilot.press("n")
            await pilot.pause()
            await pilot.press(*"trying the demo", "enter")
            await pilot.pause()
            assert any("Note added" in n for n in notifications(app))
        demo_records = [json.loads(line) for line in stack.audit_path.read_text().splitlines()]
        demo_entries = [json.loads(line) for line in stack.timeline_path.read_text().splitlines()]
    finally:
        stack.stop()
    assert [r["action"] for r in demo_records] == ["cache_clear"]
    assert all(r["demo"] is True for r in demo_records)
    assert any(e.get("kind") == "note" for e in demo_entries)
    assert all(e["data"]["demo"] is True for e in demo_entries if "kind" in e)
    # the real state files were never written, and the real timeline has nothing of it
    assert not paths.default_audit_file().exists()
    assert not paths.default_timeline_file().exists()
    capsys.readouterr()
    assert main(["timeline", "--since", "1d", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    # and the demo's folder goes with it
    assert not stack.state_dir.exists()


async def test_orchestrator_down_shows_its_incident_within_seconds_at_the_default_start():
    clock = FrozenClock(NIGHT)
    stack, app = commands.demo_app(
        demo_options("--scenario", "orchestrator-down", "--seed", "7"),
        clock=clock,
        autostart=False,
    )
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await app.poll_once()
            app.main.tick()
            assert app.state.results["orchestrator"].status is Status.OK  # a few calm seconds
            for _ in range(6):
                clock.advance(1)
                stack.settle()
                await app.poll_once()
                app.main.tick()
            await pilot.pause()
            assert app.state.results["orchestrator"].status is Status.CRITICAL
            assert app.incident.classes.current is not None
    finally:
        stack.stop()


async def test_at_zero_keeps_the_whole_orchestrator_down_story():
    clock = FrozenClock(NIGHT)
    stack, app = commands.demo_app(
        demo_options("--scenario", "orchestrator-down", "--seed", "7", "--at", "0"),
        clock=clock,
        autostart=False,
    )
    try:
        assert stack.world.now() == 0
        async with app.run_test(size=(120, 36)) as pilot:
            await app.poll_once()
            await pilot.pause()
            assert app.state.results["orchestrator"].status is Status.OK
            assert app.state.alerts is not None and app.state.alerts.alerts == ()
    finally:
        stack.stop()
