"""The SLA report's Markdown (snapshot) and HTML from fixed report data."""

from __future__ import annotations

import os
from pathlib import Path

from console.report_render import html, markdown

SNAPSHOT = Path(__file__).parent / "snapshots" / "report_markdown.md"


def _day(date: str, avail: float | None, down: float | None, status: str) -> dict:
    allowed = 1.44
    return {
        "date": date,
        "availability_percent": avail,
        "downtime_minutes": down,
        "error_budget_minutes": {
            "allowed": allowed,
            "spent": down,
            "left": None if down is None else round(allowed - down, 4),
        },
        "burn_rate": None if down is None else round(down / allowed, 4),
        "p95_latency_seconds": 0.7778,
        "error_rate_percent": 0.05,
        "statuses": {"availability": status},
        "status": status,
    }


DATA = {
    "window": {"start": "2026-11-29T00:00:00Z", "end": "2026-12-02T00:00:00Z", "days": 3},
    "status": "BREACHED",
    "actual_availability_percent": 99.8611,
    "target_availability_percent": 99.9,
    "error_budget_minutes": {"allowed": 4.32, "spent": 6.0, "left": -1.68},
    "burn_rate": 1.3889,
    "monitored_minutes": 4320,
    "unmonitored_minutes": 0,
    "p95_latency_seconds": 0.7778,
    "target_p95_latency_seconds": 2.0,
    "error_rate_percent": 0.05,
    "target_error_rate_percent": 1.0,
    "recovery": {
        "incidents": 1,
        "max_seconds": 360,
        "mean_seconds": 360.0,
        "target_seconds": 300.0,
        "open": 0,
    },
    "statuses": {
        "availability": "BREACHED",
        "p95_latency": "OK",
        "error_rate": "OK",
        "recovery": "BREACHED",
    },
    "days": [
        _day("2026-11-29", 100.0, 0.0, "OK"),
        _day("2026-11-30", 99.5833, 6.0, "BREACHED"),
        _day("2026-12-01", None, None, "UNKNOWN"),
    ],
    "incidents": [
        {
            "class": "P0",
            "start": "2026-11-30T10:00:00Z",
            "end": "2026-11-30T10:06:00Z",
            "down_minutes": 6.0,
            "recovery_seconds": 360,
            "recovery_status": "BREACHED",
            "open": False,
            "who": ["dana|<b>"],
            "actions": ["restarted `x`\u202e"],
        },
    ],
    "worst_hours": [
        {"start": "2026-11-30T10:00:00Z", "downtime_minutes": 6.0, "availability_percent": 90.0}
    ],
    "errors": {},
    "definition": "minutes up / monitored minutes",
}


def test_markdown_snapshot():
    text = markdown(DATA, environment="production")
    if os.environ.get("UPDATE_REPORT_SNAPSHOT"):
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8")


def test_markdown_escapes_what_came_from_outside():
    text = markdown(DATA)
    assert "dana\\|&lt;b>" in text  # a pipe would break the table
    assert "\u202e" not in text and "&lt;U+202E>" in text


def test_html_escapes_outside_text_and_shows_unknown_days_as_unknown():
    page = html(DATA)
    assert "<b>" not in page and "dana|&lt;b&gt;" in page
    assert "2026-12-01: unknown" in page  # a day without data is grey, never a full bar
    assert "<script" not in page
