"""Issue 15, "why is this muted?": against a real Alertmanager 0.25 with an inhibit rule
(a critical alert mutes the warnings of its service), the alert detail names the silence
that mutes an alert (author, comment, ends in) and the alert that inhibits it; the
silences view flags a silence that matches nothing and lists one expired through the API.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
import yaml

from console.config import load_config
from console.muting import why_muted
from console.sources.alertmanager import AlertmanagerSource, format_rfc3339
from console.ui.app import GenesisApp
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.alert_detail import AlertDetailScreen
from console.ui.screens.muted import MutedLine
from console.ui.screens.silences import SilencesScreen
from tests.pilot import wait_until

API_DOWN = {"alertname": "ApiDown", "severity": "critical", "service": "api", "instance": "a1"}
API_SLOW = {"alertname": "ApiSlow", "severity": "warning", "service": "api", "instance": "a2"}
DISK_FULL = {"alertname": "DiskFull", "severity": "warning", "service": "db", "instance": "d1"}
#: hostile on purpose: markup, an escape sequence and a bidi override must show literally
COMMENT = "swap the disk [red]tonight[/red]\x1b[2J\u202e"


def post_alerts(url: str, *labels: dict) -> None:
    now = time.time()
    body = [
        {"labels": lab, "annotations": {"summary": "s"}, "startsAt": format_rfc3339(now - 60)}
        for lab in labels
    ]
    httpx.post(url + "/api/v2/alerts", json=body, timeout=2).raise_for_status()


def add_silence(url: str, matchers: dict, author: str, comment: str, hours: float = 2) -> str:
    now = time.time()
    body = {
        "matchers": [
            {"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in matchers.items()
        ],
        "startsAt": format_rfc3339(now),
        "endsAt": format_rfc3339(now + hours * 3600),
        "createdBy": author,
        "comment": comment,
    }
    reply = httpx.post(url + "/api/v2/silences", json=body, timeout=2)
    reply.raise_for_status()
    return reply.json()["silenceID"]


def expire(url: str, silence_id: str) -> None:
    httpx.delete(f"{url}/api/v2/silence/{silence_id}", timeout=2).raise_for_status()


async def read(url: str):
    """The alerts and silences as the console's own source reads them."""
    source = AlertmanagerSource([url], timeout=2)
    try:
        result = await source.probe()
    finally:
        await source.close()
    assert result.data is not None, result.detail
    return result.data


async def read_until(url: str, predicate, what: str):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        data = await read(url)
        if predicate(data):
            return data
        time.sleep(0.2)
    raise AssertionError(f"not within 10s: {what}")


def named(data, name: str):
    return next(a for a in data.alerts if a.name == name)


@pytest.fixture
def muted_world(inhibiting_alertmanager):
    """ApiDown (critical) inhibits ApiSlow (warning, same service); DiskFull is silenced
    by alice; a weekly maintenance silence matches nothing; an old silence is expired."""
    url = inhibiting_alertmanager.url
    post_alerts(url, API_DOWN, API_SLOW, DISK_FULL)
    ids = {
        "disk": add_silence(url, {"alertname": "DiskFull"}, "alice", COMMENT),
        "weekly": add_silence(url, {"job": "weekly-maintenance"}, "bob", "weekly patching", 4),
        "old": add_silence(url, {"alertname": "ApiDown"}, "carol", "deploy earlier"),
    }
    expire(url, ids["old"])
    return url, ids


async def test_the_detail_says_which_silence_and_which_alert_mute_it(muted_world):
    url, ids = muted_world
    data = await read_until(
        url,
        lambda d: (
            len(d.alerts) == 3
            and named(d, "ApiSlow").inhibited_by
            and named(d, "DiskFull").silenced_by
        ),
        "ApiSlow inhibited and DiskFull silenced",
    )
    disk, slow, down = (named(data, n) for n in ("DiskFull", "ApiSlow", "ApiDown"))
    silence = next(s for s in data.silences if s.id == ids["disk"])

    # the silence: short id, author, comment (literal, cleaned) and how long it has left,
    # on the clock the console is given (80 minutes before the silence ends)
    (reason,) = why_muted(disk, data.silences, data.alerts, silence.ends_at - 80 * 60)
    assert reason.text.startswith(f"Silence {ids['disk'][:8]} by alice, ends in 1h20m: ")
    assert "swap the disk [red]tonight[/red]\\x1b[2J<U+202E>" in reason.text
    assert "\x1b" not in reason.text and reason.copy == ids["disk"]

    # the inhibition: Alertmanager's fingerprint resolved to the critical alert's name
    # and the label the rule makes them share
    assert slow.inhibited_by == (down.fingerprint,)
    (reason,) = why_muted(slow, data.silences, data.alerts, time.time())
    assert reason.text == 'Inhibited by ApiDown (critical, active): service="api"'
    assert reason.copy == down.fingerprint
    # an inhibitor that is not in the list is named by its fingerprint, never dropped
    (reason,) = why_muted(slow, data.silences, [disk, slow], time.time())
    assert reason.text == f"Inhibited by alert {down.fingerprint} (not in the current list)"
    # an alert nothing mutes has no reasons
    assert why_muted(down, data.silences, data.alerts, time.time()) == []


def console_app(folder, url: str, clock=None, **extra) -> GenesisApp:
    data = {
        "environment": "staging",
        "refresh_seconds": 0.5,
        "timeout_seconds": 2,
        "alertmanager": {"urls": [url]},
        "ports": [],
        "audit": {"path": str(folder / "audit.jsonl")},
        **extra,
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    config = load_config(path)

    def factory():
        from console.sources.registry import build_sources

        return [s for s in build_sources(config) if s.name == "alertmanager"]

    return GenesisApp(
        config, sources_factory=factory, clock=clock, timeline_path=folder / "timeline.jsonl"
    )


def alert_in(app, name: str):
    data = app.state.alerts
    return next((a for a in (data.alerts if data else ()) if a.name == name), None)


async def test_enter_on_a_muted_alert_shows_why(muted_world, tmp_path):
    url, ids = muted_world
    app = console_app(tmp_path, url)
    async with app.run_test(size=(120, 40)) as pilot:
        for name, state in (("DiskFull", "silenced"), ("ApiSlow", "inhibited")):
            await wait_until(
                pilot,
                lambda n=name, s=state: alert_in(app, n) and alert_in(app, n).display_state == s,
                10,
                f"{name} {state}",
            )
        table = app.query_one(AlertsPane).table
        table.focus()
        lines = {}
        for name in ("DiskFull", "ApiSlow"):
            table.move_cursor(row=table.get_row_index(alert_in(app, name).fingerprint))
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, AlertDetailScreen)
            lines[name] = [(line.text, line.value) for line in app.screen.query(MutedLine)]
            await pilot.press("escape")
            await pilot.pause()
        ((text, copy),) = lines["DiskFull"]
        assert re.search(f"^Silence {ids['disk'][:8]} by alice, ends in 1h5[0-9]m: ", text)
        assert "swap the disk [red]tonight[/red]" in text and copy == ids["disk"]
        ((text, copy),) = lines["ApiSlow"]
        assert text.startswith("Inhibited by ApiDown (critical")
        assert copy == alert_in(app, "ApiDown").fingerprint


async def test_the_silences_view_flags_the_idle_silence_and_lists_the_expired(
    muted_world, tmp_path
):
    url, ids = muted_world
    app = console_app(tmp_path, url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: alert_in(app, "DiskFull"), 10, "the alerts read")
        await pilot.press("S")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, SilencesScreen)
        active = view.query_one("#silences-table")
        matches = {str(active.get_row(s.id)[1]): s.id for s in view.silences}
        assert matches == {"1 alert": ids["disk"], "⚠ nothing": ids["weekly"]}
        assert view.query_one("#box").border_title == "Silences · 2 active · 1 matches nothing"

        expired = view.query_one("#expired-table")
        assert expired.display and expired.row_count == 1
        row = expired.get_row(ids["old"])
        assert str(row[1]) == 'alertname="ApiDown"' and str(row[2]) == "carol"
        heading = str(view.query_one("#expired-heading").render())
        assert heading.startswith("Expired in the last 24h: 1")

        # E looks further back, then comes round to the narrowest window
        for within in ("5d", "1h", "24h"):
            await pilot.press("E")
            await pilot.pause()
            heading = str(view.query_one("#expired-heading").render())
            assert heading.startswith(f"Expired in the last {within}: 1"), heading
