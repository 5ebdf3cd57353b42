"""Issue 10, attack 14: an alert storm on a real Alertmanager 0.25.

10,200 warnings with runbook-sized labels and annotations, plus GenesisOrchestratorDown
(critical): the reply is about 9 MB, over the 8 MiB the console used to allow, which
then kept stale data and let `check` say "0 critical". The old cap is given to the
source here to cut the list through the real server; the default cap reads it whole.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest
import yaml

from console.commands import _alerts_sentence, alert_counts, verdict
from console.config import load_config
from console.model import Status
from console.poller import GRACE_SECONDS
from console.sources.alertmanager import AlertmanagerSource
from console.ui.app import GenesisApp
from console.ui.header import StatusHeader
from console.ui.panes.alerts import MAX_ROWS, AlertsPane
from tests.integration.fixtures_monitoring import start_alertmanager
from tests.pilot import wait_until

STORM = 10_200
OLD_CAP = 8 * 1024 * 1024


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def storm(tmp_path_factory):
    """A real Alertmanager holding 10,201 alerts (reply about 9 MB), stopped by PID."""
    server = start_alertmanager(tmp_path_factory.mktemp("storm") / "alertmanager")
    now = time.time()
    times = {"startsAt": _stamp(now - 600), "endsAt": _stamp(now + 3600)}
    alerts = [
        {
            "labels": {
                "alertname": "GenesisOrchestratorDown",
                "severity": "critical",
                "instance": "genesis-orchestrator:8000",
                "job": "genesis-orchestrator",
            },
            "annotations": {"summary": "GENESIS orchestrator is down"},
            **times,
        }
    ]
    for i in range(STORM):
        alerts.append(
            {
                "labels": {
                    "alertname": "GenesisWorkflowStuck",
                    "severity": "warning",
                    "workflow_id": f"wf-{i:06d}-" + "x" * 40,
                    "instance": f"genesis-worker-{i % 50}.internal:9100",
                    "job": "genesis-orchestrator",
                    "team": "platform",
                },
                "annotations": {
                    "summary": f"Workflow wf-{i:06d} stuck for over 15 minutes in validate",
                    "description": "The GENESIS workflow engine reports no progress " + "y" * 200,
                    "runbook_url": "https://runbooks.internal/genesis/workflow-stuck",
                },
                **times,
            }
        )
    try:
        with httpx.Client(timeout=30) as client:
            for start in range(0, len(alerts), 2000):
                reply = client.post(
                    server.url + "/api/v2/alerts", json=alerts[start : start + 2000]
                )
                reply.raise_for_status()
            size = len(client.get(server.url + "/api/v2/alerts").content)
    except BaseException:
        server.proc.stop()
        raise
    assert size > OLD_CAP, f"the storm's reply is only {size} bytes"
    yield server
    server.proc.stop()


async def probe(url: str, **options):
    source = AlertmanagerSource([url], timeout=5, **options)
    started = time.monotonic()
    try:
        result = await source.probe()
    finally:
        await source.close()
    # within what the poller waits for it, decode included
    took = time.monotonic() - started
    assert took < source.timeout + GRACE_SECONDS, f"reading the storm took {took:.1f}s"
    return result


async def test_a_storm_over_the_cap_is_shown_in_part_and_never_reads_as_calm(storm):
    result = await probe(storm.url, max_bytes=OLD_CAP)
    data = result.data
    assert data is not None, result.detail  # was: "reply too large", and no alerts at all
    assert data.cut == (storm.url,)
    assert 9_000 < len(data.alerts) < STORM + 1
    assert f"list cut: showing {len(data.alerts):,} alerts of more" in result.detail
    assert "reply was over 8 MiB" in result.detail
    # the rest is unread: the source is not OK whatever the part read says
    assert result.status is Status.UNKNOWN
    # Alertmanager sends alerts sorted by fingerprint; this one's is in the first 8 MiB
    down = [a for a in data.alerts if a.name == "GenesisOrchestratorDown"]
    assert down and down[0].severity == "critical", "the critical is in the cut-off part"

    counts = alert_counts([result])
    assert counts["critical"] == 1 and counts["partial"] is True
    assert counts["cut"] == [storm.url] and counts["unreachable"] == []
    assert counts["warning"] == len(data.alerts) - 1
    assert verdict([result], counts) is Status.CRITICAL  # never "0 critical", never OK
    sentence = _alerts_sentence(counts, [result])
    assert sentence.startswith("1 critical,") and "partial: list cut after" in sentence


async def test_the_default_cap_reads_the_whole_storm(storm):
    result = await probe(storm.url)
    data = result.data
    assert result.status is Status.OK, result.detail
    assert len(data.alerts) == STORM + 1 and not data.cut and not data.partial
    counts = alert_counts([result])
    assert counts == {"critical": 1, "warning": STORM, "silenced": 0, "acked": 0}
    assert verdict([result], counts) is Status.CRITICAL


async def test_the_screen_says_the_list_is_cut_and_stays_responsive(storm, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "environment": "staging",
                "alertmanager": {"urls": [storm.url]},
                "ports": [],
                "audit": {"path": str(tmp_path / "audit.jsonl")},
            }
        )
    )
    config = load_config(path)
    app = GenesisApp(
        config,
        sources_factory=lambda: [AlertmanagerSource([storm.url], timeout=5, max_bytes=OLD_CAP)],
        autostart=False,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await app.poll_once()
        pane = app.query_one(AlertsPane)
        await wait_until(pilot, lambda: app.state.alerts is not None, 30, "the storm")
        read = len(app.state.alerts.alerts)
        assert read > 9_000
        title = str(pane.border_title)
        assert f"LIST CUT: read {read:,} of more" in title and "1+ critical" in title, title
        # the rows drawn are the first (critical first), so the screen is not frozen
        assert f"rows: first {MAX_ROWS:,}" in title
        assert pane.table.row_count == MAX_ROWS
        assert pane.selected is None or pane.table.get_row_at(0)[0].plain == "✖ CRIT"
        problem = str(pane.query_one("#alerts-problem").render())
        assert "list cut" in problem and "over 8 MiB" in problem, problem
        header = app.query_one(StatusHeader)
        app.main.tick()
        assert "ALERT LIST CUT" in str(header.render())
        # the screen still answers keys promptly
        await pilot.pause()
        pane.table.focus()
        started = time.monotonic()
        await pilot.press("down")
        await pilot.pause()
        assert time.monotonic() - started < 1.0
        assert pane.table.cursor_row == 1


async def test_the_same_storm_again_is_the_same_alerts_and_no_wire_copy_is_kept(storm):
    """A refresh with nothing changed hands back the very alerts it read before (the
    screen then redraws nothing), and what the wire said is not kept beside them."""
    import gc

    from console.sources.alertmanager import _Alert

    source = AlertmanagerSource([storm.url], timeout=5)
    try:
        first = await source.probe()
        again = await source.probe()
        gc.collect()
        kept = sum(isinstance(o, _Alert) for o in gc.get_objects())
    finally:
        await source.close()
    assert len(first.data.alerts) == STORM + 1
    assert again.data.alerts is first.data.alerts
    assert again.data.endpoints == first.data.endpoints
    assert kept == 0
    assert not hasattr(first.data.alerts[0], "__dict__")  # no per-alert dict in a storm
