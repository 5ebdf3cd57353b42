"""Shared test settings: isolated XDG folders so no test reads or writes the user's files,
and `--calendar-offset`, which runs the suite with the wall calendar moved."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--calendar-offset",
        default=None,
        metavar="DURATION",
        help=(
            "run with the wall calendar (time.time, datetime.now) moved this far ahead, "
            "e.g. 365d; the monotonic clock, which asyncio and Textual time with, is "
            "untouched. Real servers started by the integration tests keep the real "
            "calendar, so use it with tests/unit and tests/ui."
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    offset = config.getoption("--calendar-offset")
    if not offset:
        return
    import time

    import time_machine

    from console.clock import parse_duration

    try:
        seconds = parse_duration(offset)
    except ValueError as exc:
        raise pytest.UsageError(f"--calendar-offset: {exc}") from None
    traveller = time_machine.travel(time.time() + seconds, tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    offset = config.getoption("--calendar-offset")
    if not offset:
        return None
    from datetime import UTC, datetime

    return f"calendar moved {offset} ahead: today is {datetime.now(UTC):%Y-%m-%d} here"


_TRAVELLER = pytest.StashKey[object]()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.delenv("GENESIS_CONSOLE_CONFIG", raising=False)
    monkeypatch.delenv("GENESIS_ENV", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    # a developer's own shell may hold real escalation secrets, a war-room key or an
    # environment choice: no test may page real people or pick up another setup
    for name in (
        "GENESIS_PAGERDUTY_ROUTING_KEY",
        "GENESIS_SLACK_WEBHOOK_URL",
        "GENESIS_WARROOM_KEY",
        "GENESIS_MYSQL_PASSWORD",
        "GENESIS_ENV",
    ):
        monkeypatch.delenv(name, raising=False)
