"""Durations as an engineer typed them: a silence of 2h30m is never shown as 2h."""

from __future__ import annotations

import pytest

from console.actions.silence import plan_silence
from console.clock import format_span, parse_duration
from console.config import Config


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("2h30m", "2h30m"),
        ("90s", "1m30s"),
        ("1h", "1h"),
        ("1d", "1d"),
        ("1d5s", "1d5s"),
        ("45m", "45m"),
        ("2h0m1s", "2h1s"),
        ("3d12h", "3d12h"),
    ],
)
def test_an_exact_span_reads_back_what_was_typed(typed, shown):
    seconds = parse_duration(typed)
    assert format_span(seconds, exact=True) == shown
    assert parse_duration(shown) == seconds


def test_the_short_span_is_unchanged():
    assert format_span(9000) == "2h30m"
    assert format_span(7260) == "2h01m"
    assert format_span(90000) == "1d1h"


@pytest.mark.parametrize(("typed", "shown"), [("2h30m", "for 2h30m"), ("90m", "for 1h30m")])
def test_the_silence_plan_says_the_length_exactly(typed, shown):
    plan = plan_silence(
        Config(),
        [{"name": "alertname", "value": "X", "isRegex": False, "isEqual": True}],
        starts_at=1_800_000_000.0,
        duration=parse_duration(typed),
        author="alice",
        comment="why",
        would_silence=1,
    )
    assert any(line.startswith(shown + ",") for line in plan.lines), plan.lines


NOON = 1_714_564_800.25  # 2024-05-01 12:00:00.25 UTC


def test_one_time_reads_the_same_in_every_form():
    from console.clock import (
        format_iso,
        format_rfc3339,
        parse_api_time,
        parse_iso,
        parse_rfc3339,
        utc_datetime,
        utc_time,
    )

    assert utc_time(NOON) == "12:00:00 UTC"
    assert utc_datetime(NOON) == "2024-05-01 12:00:00 UTC"
    assert format_iso(NOON) == "2024-05-01T12:00:00Z"
    assert format_rfc3339(NOON) == "2024-05-01T12:00:00.250Z"
    for read in (parse_rfc3339, parse_iso, parse_api_time):
        assert read(format_rfc3339(NOON)) == pytest.approx(NOON)
    assert parse_iso("2024-05-01T12:00:00") == pytest.approx(NOON - 0.25)  # no zone: UTC
    assert parse_api_time(" 1714564800.25 ") == NOON


@pytest.mark.parametrize("text", ["", "yesterday", "2024-05-01", "2024-02-31T00:00:00Z"])
def test_a_time_an_api_would_refuse_is_refused(text):
    from console.clock import parse_api_time

    with pytest.raises(ValueError):
        parse_api_time(text)


def test_a_time_no_calendar_has_reads_as_such():
    from console.clock import format_utc, utc_time

    assert format_utc(float("nan")) == "(no such time)"
    assert utc_time(1e18) == "(no such time)"
