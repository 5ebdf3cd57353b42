"""`genesis-console report` against a real Prometheus holding 30 days of made-up history.

The expected availability, error budget and error rate are computed from the scenario
(what the test put into the history), not from Prometheus.
"""

from __future__ import annotations

import json
import time
from argparse import Namespace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from console import commands
from console.clock import FrozenClock
from tests.integration.sla_history import (
    DAY,
    Scenario,
    expected_error_rate,
)

TARGET = 99.9


def _config(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"prometheus:\n  url: {url}\naudit:\n  path: {tmp_path / 'audit.jsonl'}\n" + extra,
        encoding="utf-8",
    )
    return path


def run_report(tmp_path, url, at, days, fmt="json", capsys=None, extra="", output=None):
    options = Namespace(
        config=str(_config(tmp_path, url, extra)),
        env=None,
        days=days,
        format=fmt,
        output=output,
    )
    code = commands.report(options, clock=FrozenClock(at))
    return code


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def _expected_percent(scenario: Scenario, days: int) -> tuple[float, int, int]:
    last = 30 * 1440
    monitored, down = scenario.expected(last - days * 1440, last)
    return 100.0 * (1 - down / monitored), monitored, down


@pytest.mark.parametrize(
    ("days", "code", "status"),
    [(30, 2, "BREACHED"), (7, 1, "AT_RISK"), (3, 0, "OK"), (1, 2, "BREACHED")],
)
def test_report_json_matches_the_history(history, tmp_path, capsys, days, code, status):
    scenario, server = history
    got = run_report(tmp_path, server.url, scenario.end, days)
    data = _json(capsys)
    expected, monitored, down = _expected_percent(scenario, days)
    assert data["actual_availability_percent"] == pytest.approx(expected, abs=0.01)
    assert data["target_availability_percent"] == TARGET
    allowed = (100 - TARGET) / 100 * days * 1440
    budget = data["error_budget_minutes"]
    assert budget["allowed"] == pytest.approx(allowed, abs=0.01)
    assert budget["spent"] == pytest.approx(down, abs=0.01)
    assert budget["left"] == pytest.approx(allowed - down, abs=0.01)
    assert data["monitored_minutes"] == monitored
    assert data["window"]["days"] == days
    assert data["window"]["end"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(scenario.end))
    assert len(data["days"]) == days
    assert data["error_rate_percent"] == pytest.approx(
        expected_error_rate(scenario, scenario.end - days * DAY, scenario.end), abs=0.01
    )
    # 90 of 100 requests a minute under 0.5 s, 9 under 1 s: p95 interpolates to 0.5 + 0.5 * 5/9
    assert data["p95_latency_seconds"] == pytest.approx(0.5 + 0.5 * 5 / 9, abs=0.01)
    assert data["status"] == status
    assert got == code


def test_a_vanished_target_counts_as_down_and_a_prometheus_outage_is_left_out(
    history, tmp_path, capsys
):
    scenario, server = history
    run_report(tmp_path, server.url, scenario.end, 30)
    data = _json(capsys)
    # 20 + 4 + 4 + 2 minutes at up == 0, and 12 minutes with no scrape of the orchestrator
    assert data["error_budget_minutes"]["spent"] == pytest.approx(42.0, abs=0.01)
    assert data["unmonitored_minutes"] == 90  # Prometheus itself was down for 90 minutes
    naive = 100 * (1 - 30 / 43110)  # what avg_over_time(up[30d]) says: the 12 minutes ignored
    assert data["actual_availability_percent"] < naive - 0.02
    day10 = data["days"][9]
    assert day10["error_budget_minutes"]["spent"] == pytest.approx(12.0, abs=0.01)
    assert day10["availability_percent"] == pytest.approx(100 * (1 - 12 / 1440), abs=0.01)
    day15 = data["days"][14]
    assert day15["unmonitored_minutes"] == 90
    assert day15["availability_percent"] == 100.0
    assert [d["date"] for d in data["days"]] == [
        time.strftime("%Y-%m-%d", time.gmtime(scenario.start + i * DAY)) for i in range(30)
    ]
    # the recovery target (5 min) was missed by the 20- and 12-minute outages
    assert data["statuses"]["availability"] == "AT_RISK"
    assert data["statuses"]["recovery"] == "BREACHED"


def test_incidents_come_from_prometheus_and_worst_hours(history, tmp_path, capsys):
    scenario, server = history
    run_report(tmp_path, server.url, scenario.end, 30)
    data = _json(capsys)
    incidents = data["incidents"]
    starts = [
        scenario.start + m * 60
        for m in (2 * 1440 + 600, 9 * 1440 + 300, 25 * 1440 + 200, 26 * 1440 + 900, 29 * 1440 + 720)
    ]
    assert [i["start"] for i in incidents] == [
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) for t in starts
    ]
    assert [i["recovery_seconds"] for i in incidents] == [1200, 720, 240, 240, 120]
    assert all(i["class"] == "P0" for i in incidents)
    assert data["worst_hours"][0]["downtime_minutes"] == pytest.approx(20.0)
    assert data["worst_hours"][0]["start"] == incidents[0]["start"]


def test_incidents_are_enriched_from_the_war_room_timeline(history, tmp_path, capsys):
    scenario, server = history
    at = scenario.start + (2 * 1440 + 603) * 60
    entry = {
        "id": "e1",
        "time": at,
        "kind": "action",
        "who": {"user": "dana", "host": "laptop"},
        "text": "restarted genesis-orchestrator",
        "data": {},
    }
    from console import paths

    timeline = paths.default_timeline_file()
    timeline.parent.mkdir(parents=True, exist_ok=True)
    timeline.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    run_report(tmp_path, server.url, scenario.end, 30)
    first = _json(capsys)["incidents"][0]
    assert first["who"] == ["dana"]
    assert first["actions"] == ["restarted genesis-orchestrator"]


def test_prometheus_unreachable_is_unknown_never_zero(tmp_path, capsys):
    from tests.procs import free_port

    code = run_report(tmp_path, f"http://127.0.0.1:{free_port()}", 1_800_000_000, 7)
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert code == 3
    assert data["status"] == "UNKNOWN"
    assert data["actual_availability_percent"] is None
    assert data["error_budget_minutes"]["spent"] is None
    assert "SLA unknown" in captured.err


def test_cli_writes_the_report_to_output(history, tmp_path, capsys):
    from console.cli import main

    scenario, server = history
    config = _config(tmp_path, server.url)
    out = tmp_path / "r.json"
    # the real clock: the window ends now, the history's last day is inside it
    code = main(
        ["report", "--config", str(config), "--days", "7", "--format", "json", "--output", str(out)]
    )
    data = json.loads(out.read_text())
    assert code in (0, 1, 2)
    assert data["window"]["days"] == 7
    assert capsys.readouterr().out == ""


class _Page(HTMLParser):
    """Collects tags, ids and text of an HTML page, and what it would fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self.fetches: list[str] = []
        self.bars: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for key in ("src", "href"):
            if attrs.get(key):
                self.fetches.append(attrs[key])
        if tag == "rect" and attrs.get("class") == "bar":
            self.bars.append(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_html_report_is_one_self_contained_page_with_figures_and_charts(history, tmp_path, capsys):
    scenario, server = history
    out = tmp_path / "report.html"
    code = run_report(tmp_path, server.url, scenario.end, 30, fmt="html", output=str(out))
    assert code == 2
    page = _Page()
    source = out.read_text(encoding="utf-8")
    page.feed(source)
    text = " ".join(page.text)
    assert "script" not in page.tags
    assert page.fetches == []  # nothing loaded from anywhere
    assert "<style>" in source and "@media print" in source
    expected, _, _ = _expected_percent(scenario, 30)
    assert f"{expected:.3f}%" in text
    assert "spent 42.00 of 43.20, left 1.20" in text
    assert "AT RISK" in text and "BREACHED" in text
    assert {"availability-chart", "budget-chart", "summary", "days", "incidents"} <= page.ids
    # one bar per day; day 3 (20 minutes gone) is the shortest, it and day 10 are red
    assert len(page.bars) == 30
    heights = [float(b["height"]) for b in page.bars]
    assert heights.index(min(heights)) == 2
    assert heights[2] < heights[9] < heights[0] == max(heights)
    assert page.bars[2]["fill"] == page.bars[9]["fill"] == "#b3261e"
    assert page.bars[0]["fill"] == "#2da44e"


def test_markdown_report_for_a_ticket(history, tmp_path, capsys):
    scenario, server = history
    code = run_report(tmp_path, server.url, scenario.end, 7, fmt="markdown")
    text = capsys.readouterr().out
    assert code == 1
    assert text.startswith("## GENESIS SLA report: last 7 days — AT RISK")
    assert "| Availability | 99.901% | ≥ 99.9% | AT RISK |" in text
    assert "| Error budget (min) | spent 10.00 of 10.08, left 0.08 |" in text
    assert text.count("\n| 20") == 7 + 3  # seven days and three incidents
