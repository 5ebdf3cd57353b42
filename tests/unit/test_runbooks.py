"""Runbook procedures: the bundled eight parse, overrides win, hostile names are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console import paths
from console.runbooks import ACTIONS, available, load_procedure, parse_procedure
from tests.pilot import EIGHT_ALERTS

ALERTS = EIGHT_ALERTS
SECTIONS = ["Immediate response", "Investigation", "Escalation"]


def user_runbooks() -> Path:
    folder = paths.user_dir("runbooks")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_every_runbook_alert_has_a_bundled_procedure():
    assert set(ALERTS) <= set(available())


@pytest.mark.parametrize("alert", ALERTS)
def test_bundled_procedure_parses_into_the_three_sections(alert):
    procedure = load_procedure(alert)
    assert procedure is not None
    assert procedure.title == alert
    assert procedure.source == paths.bundled_dir("runbooks") / f"{alert}.md"
    assert procedure.intro and "#" not in procedure.intro
    assert [s.title for s in procedure.sections] == SECTIONS
    for section in procedure.sections:
        assert section.steps, f"{alert}: {section.title} has no steps"
        for step in section.steps:
            assert step.text and not step.text.startswith(("[action:", "```", "1."))
            assert step.action is None or step.action in ACTIONS
            for command in step.commands:
                assert command.strip() == command and command
                assert not command.startswith(("#", "```"))
    # escalation follows the matrix, and every procedure offers a console action
    escalation = procedure.section("Escalation")
    assert escalation is not None
    assert any(s.action == "escalate" for s in escalation.steps)
    assert procedure.action_steps()
    assert any(step.commands for s in procedure.sections for step in s.steps)


@pytest.mark.parametrize("alert", ALERTS)
def test_bundled_procedures_use_alertmanager_api_v2_only(alert):
    procedure = load_procedure(alert)
    assert procedure is not None
    commands = [c for s in procedure.sections for step in s.steps for c in step.commands]
    assert not [c for c in commands if ":9093/api/v1" in c]
    # amtool silences need a comment, and a regex needs =~
    for command in commands:
        if re.search(r"\bamtool\b.*\bsilence add\b", command):
            assert "--comment" in command
            assert '=".*' not in command


def test_down_procedure_restarts_and_shows_the_commands_to_copy():
    procedure = load_procedure("GenesisOrchestratorDown")
    assert procedure is not None
    immediate = procedure.section("immediate response")
    assert immediate is not None
    [restart] = [s for s in immediate.steps if s.action == "restart"]
    assert "three times" in restart.text
    assert restart.commands == [
        "sudo systemctl restart genesis-orchestrator",
        "curl -s --max-time 5 http://localhost:8000/health/ready",
    ]
    escalation = procedure.section("Escalation")
    assert escalation is not None
    assert "CTO" in escalation.steps[0].text


def test_user_override_replaces_the_bundled_procedure():
    (user_runbooks() / "HighFailureRate.md").write_text(
        "# HighFailureRate (our team)\n\nOur own words.\n\n"
        "## Immediate response\n1. [action:silence] Silence it, we know.\n",
        encoding="utf-8",
    )
    procedure = load_procedure("HighFailureRate")
    assert procedure is not None
    assert procedure.title == "HighFailureRate (our team)"
    assert procedure.intro == "Our own words."
    assert procedure.source == user_runbooks() / "HighFailureRate.md"
    assert [s.title for s in procedure.sections] == ["Immediate response"]
    [step] = procedure.sections[0].steps
    assert (step.text, step.action, step.commands) == ("Silence it, we know.", "silence", [])
    # the others still come from the bundle
    other = load_procedure("HighOrchestrationLatency")
    assert other is not None and other.source is not None
    assert other.source.parent == paths.bundled_dir("runbooks")


def test_user_procedure_for_a_new_alert_is_listed_and_loaded():
    (user_runbooks() / "DiskAlmostFull.md").write_text("# DiskAlmostFull\n", encoding="utf-8")
    assert "DiskAlmostFull" in available()
    procedure = load_procedure("DiskAlmostFull")
    assert procedure is not None and procedure.sections == []


def test_unreadable_override_falls_back_to_the_bundled_procedure():
    (user_runbooks() / "RouterEfficiencyLow.md").write_bytes(b"# Router\xff\xfe\n")
    procedure = load_procedure("RouterEfficiencyLow")
    assert procedure is not None
    assert procedure.title == "RouterEfficiencyLow"


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "a/b",
        "a\\b",
        "..",
        "...",
        ".hidden",
        "",
        "/etc/passwd",
        "Genesis\x00Down",
        "name with space",
        "x" * 200,
        None,
    ],
)
def test_hostile_alertnames_return_none(name):
    # files a traversal would reach, so only the name check can refuse them
    runbooks = user_runbooks()
    for reachable in (runbooks / "../../etc/passwd.md", runbooks / "a" / "b.md"):
        reachable.resolve().parent.mkdir(parents=True, exist_ok=True)
        reachable.resolve().write_text("# Pwned\n", encoding="utf-8")
    assert load_procedure(name) is None  # type: ignore[arg-type]


def test_traversal_to_an_existing_file_is_refused():
    target = user_runbooks().parent / "secret.md"
    target.write_text("# Secret\n", encoding="utf-8")
    assert load_procedure("../secret") is None
    assert "secret" not in available()


def test_unknown_alert_has_no_procedure():
    assert load_procedure("NoSuchAlert") is None


def test_parser_steps_tags_fences_and_continuations():
    procedure = parse_procedure(
        "# Title\n\nFirst paragraph\nwraps.\n\nSecond one.\n\n"
        "## Immediate response\n"
        "1. [action:cache_clear] Clear the cache\n"
        "   when the hit rate is low.\n"
        "   ```sh\n"
        "   # a comment is not a command\n"
        "   redis-cli info stats\n"
        "   curl -s -X POST \\\n"
        "     http://localhost:8000/api/cache/clear\n"
        "   ```\n"
        "2. [action:reboot-the-world] An unknown tag stays visible.\n"
        "   ```text\n"
        "   output, not a command\n"
        "   ```\n"
        "\nProse between steps is not a step.\n"
        "## Escalation\n"
        "- [action:escalate] Page the senior engineer.\n",
        fallback_title="Unused",
    )
    assert procedure.title == "Title"
    assert procedure.intro == "First paragraph wraps.\n\nSecond one."
    first, second = procedure.sections[0].steps
    assert first.action == "cache_clear"
    assert first.text == "Clear the cache when the hit rate is low."
    assert first.commands == [
        "redis-cli info stats",
        "curl -s -X POST http://localhost:8000/api/cache/clear",
    ]
    assert second.action is None
    assert second.text == "[action:reboot-the-world] An unknown tag stays visible."
    assert second.commands == []
    [page] = procedure.sections[1].steps
    assert (page.action, page.text) == ("escalate", "Page the senior engineer.")


def test_parser_without_a_title_uses_the_fallback():
    procedure = parse_procedure("Just text.\n", fallback_title="SomeAlert")
    assert (procedure.title, procedure.intro, procedure.sections) == ("SomeAlert", "Just text.", [])
