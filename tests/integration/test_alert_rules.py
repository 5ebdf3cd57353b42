"""The alerting rules pass promtool's check and unit tests, and cover every runbook alert."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.procs import need

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "monitoring" / "alert_rules" / "genesis.yml"
TESTS = ROOT / "monitoring" / "alert_rules" / "genesis_test.yml"

CRITICAL = {
    "GenesisOrchestratorDown",
    "SLAAvailabilityBreach",
    "CriticalFailureRate",
    "CriticalOrchestrationLatency",
}
WARNING = {
    "HighOrchestrationLatency",
    "HighFailureRate",
    "StabilityScoreDropped",
    "RouterEfficiencyLow",
}
ALERTS = CRITICAL | WARNING
JOB_SELECTOR = 'job="genesis-orchestrator"'


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [need("promtool"), *args], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def rules() -> dict[str, dict]:
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return {r["alert"]: r for g in data["groups"] for r in g["rules"] if "alert" in r}


def test_promtool_check_rules_accepts_the_rules_file():
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in result.stdout


def test_promtool_unit_tests_pass():
    result = promtool("test", "rules", str(TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    ("alert", "line", "moved"),
    [
        # the error-rate expression ends in "[5m]))", the latency one in "[5m])))"
        ("CriticalFailureRate", "[5m]))\n          > 5\n", "[5m]))\n          > 4.5\n"),
        ("CriticalOrchestrationLatency", "[5m])))\n          > 5\n", "[5m])))\n          > 4.5\n"),
        ("HighFailureRate", "[5m]))\n          > 1\n", "[5m]))\n          > 0.8\n"),
        ("HighOrchestrationLatency", "[5m])))\n          > 2\n", "[5m])))\n          > 1.9\n"),
    ],
)
def test_promtool_unit_tests_fail_when_a_threshold_is_wrong(tmp_path, alert, line, moved):
    """The fixtures are tight enough that moving a threshold a little below its line breaks them."""
    text = RULES.read_text(encoding="utf-8")
    assert text.count(line) == 1, line
    broken = text.replace(line, moved)
    (tmp_path / RULES.name).write_text(broken, encoding="utf-8")
    (tmp_path / TESTS.name).write_text(TESTS.read_text(encoding="utf-8"), encoding="utf-8")
    result = promtool("test", "rules", str(tmp_path / TESTS.name))
    assert result.returncode != 0
    assert alert in result.stdout + result.stderr


def test_thresholds_are_the_sre_decision():
    """Warnings at the SLA targets, criticals at a clear multiple (the demo simulates the same)."""
    defined = rules()
    expected = {
        "HighFailureRate": ("> 1", "10m"),
        "CriticalFailureRate": ("> 5", "2m"),
        "HighOrchestrationLatency": ("> 2", "10m"),
        "CriticalOrchestrationLatency": ("> 5", "2m"),
        "StabilityScoreDropped": ("< 0.85", "15m"),
        "RouterEfficiencyLow": ("< 0.7", "15m"),
    }
    for name, (tail, wait) in expected.items():
        assert " ".join(defined[name]["expr"].split()).endswith(tail), name
        assert defined[name]["for"] == wait, name
    assert defined["StabilityScoreDropped"]["expr"].startswith(
        "genesis_orchestrator_stability_score{"
    )


def test_rules_file_defines_the_eight_runbook_alerts_with_labels_and_annotations():
    defined = rules()
    assert set(defined) == ALERTS
    for name, rule in defined.items():
        expected = "critical" if name in CRITICAL else "warning"
        assert rule["labels"] == {"severity": expected, "team": "genesis"}, name
        notes = rule["annotations"]
        assert notes["summary"].strip(), name
        assert "$value" in notes["description"], name
        assert notes["runbook_url"].endswith(f"/{name}"), name
        assert JOB_SELECTOR in rule["expr"], name
        assert rule.get("for"), name


def test_down_alert_survives_the_exporter_dying():
    down = rules()["GenesisOrchestratorDown"]
    assert down["for"] == "30s"
    assert f"or up{{{JOB_SELECTOR}}} == 0" in " ".join(down["expr"].split())


def test_tests_file_fires_and_clears_every_alert():
    data = yaml.safe_load(TESTS.read_text(encoding="utf-8"))
    assert data["rule_files"] == [RULES.name]
    fires: set[str] = set()
    quiet: set[str] = set()
    for group in data["tests"]:
        for case in group.get("alert_rule_test", []):
            (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
            for alert in case.get("exp_alerts") or []:
                # exact expectations: every label and annotation is checked
                assert set(alert["exp_labels"]) >= {"severity", "team", "job"}
                assert set(alert["exp_annotations"]) == {"summary", "description", "runbook_url"}
    assert fires == ALERTS
    assert quiet == ALERTS


SLO_RULES = ROOT / "monitoring" / "alert_rules" / "genesis_slo.yml"
SLO_TESTS = ROOT / "monitoring" / "alert_rules" / "genesis_slo_test.yml"


def test_slo_burn_rate_rules_pass_promtool():
    check = promtool("check", "rules", str(SLO_RULES))
    assert check.returncode == 0, check.stdout + check.stderr
    result = promtool("test", "rules", str(SLO_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("factor", "moved"), [("14.4", "20"), ("(3 *", "(5 *")])
def test_slo_tests_fail_when_a_burn_threshold_is_wrong(tmp_path, factor, moved):
    text = SLO_RULES.read_text(encoding="utf-8")
    assert factor in text
    (tmp_path / SLO_RULES.name).write_text(text.replace(factor, moved), encoding="utf-8")
    (tmp_path / SLO_TESTS.name).write_text(SLO_TESTS.read_text(encoding="utf-8"))
    result = promtool("test", "rules", str(tmp_path / SLO_TESTS.name))
    assert result.returncode != 0


def test_slo_rules_use_the_workbook_windows_and_thresholds():
    data = yaml.safe_load(SLO_RULES.read_text(encoding="utf-8"))
    found = {
        r["alert"]: " ".join(r["expr"].split())
        for g in data["groups"]
        for r in g["rules"]
        if "alert" in r
    }
    fast, slow = found["GenesisErrorBudgetBurnFast"], found["GenesisErrorBudgetBurnSlow"]
    for window, factor in (("1h", "14.4"), ("5m", "14.4"), ("6h", "6"), ("30m", "6")):
        assert f"ratio_rate{window}{{{JOB_SELECTOR}}} > ({factor} * 0.001)" in fast
    for window, factor in (("1d", "3"), ("2h", "3"), ("3d", "1"), ("6h", "1")):
        assert f"ratio_rate{window}{{{JOB_SELECTOR}}} > ({factor} * 0.001)" in slow
