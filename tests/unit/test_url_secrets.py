"""URL passwords are masked at every boundary where text is stored, sent or signed.

The end-to-end story (real Alertmanager, Prometheus and Redis) is in
tests/integration/test_url_secrets.py; these pin each boundary on its own.
"""

from __future__ import annotations

import json
import logging

from console.actions.plan import Outcome, Plan, scrub
from console.actions.runner import ActionRunner
from console.audit import AuditLog
from console.clock import format_rfc3339
from console.sources.alertmanager import _host
from console.sources.base import SourceError
from console.sources.http import make_client
from console.timeline import Entry, Timeline, canonical, entry_from_audit, render_json, sign
from console.ui.terminal_alerts import osc_sequences

SECRET = "s3cretpw"
URL = f"http://user:{SECRET}@am1:9093"


def test_a_plan_masks_its_lines_title_and_target():
    async def execute(progress):
        return Outcome(True, "done")

    plan = Plan("silence", f"Silence on {URL}", URL, (f"POST {URL}/api/v2/silences",), execute)
    assert plan.lines == ("POST http://user:***@am1:9093/api/v2/silences",)
    assert SECRET not in plan.title + plan.target
    assert json.dumps(plan.record()).count(SECRET) == 0
    assert scrub(f"failed on {URL}", ()) == "failed on http://user:***@am1:9093"


async def test_the_audit_record_carries_no_password(tmp_path):
    async def execute(progress):
        return Outcome(False, f"refused by {URL}", undo=f"DELETE {URL}/api/v2/silence/1")

    audit = AuditLog(tmp_path / "audit.jsonl")
    told = []
    runner = ActionRunner(
        audit, clock=lambda: 1_800_000_000.0, on_record=lambda r, u: told.append(r)
    )
    plan = Plan("silence", "Silence", "x", (f"POST {URL}",), execute)
    outcome = await runner.run(plan)
    assert SECRET not in outcome.message
    text = (tmp_path / "audit.jsonl").read_text()
    assert "user:***@am1" in text and SECRET not in text
    assert SECRET not in json.dumps(told)


def test_timeline_entries_are_masked_before_they_are_written_or_signed(tmp_path):
    key = b"war-room-key"
    story = Timeline(tmp_path / "timeline.jsonl", clock=lambda: 1_800_000_000.0, key=key)
    entry = story.add("note", f"tried {URL} by hand", {"url": URL, "urls": [URL]})
    assert entry.text == "tried http://user:***@am1:9093 by hand"
    assert entry.data == {"url": "http://user:***@am1:9093", "urls": ["http://user:***@am1:9093"]}
    assert SECRET not in (tmp_path / "timeline.jsonl").read_text()
    # what is signed is what is sent: the masked entry
    body = entry.to_json()
    assert SECRET not in canonical(body).decode()
    assert sign(body, key) == sign(json.loads(json.dumps(body)), key)


def test_entries_from_peers_and_the_audit_log_are_masked():
    peer = Entry.from_json(
        {"id": "n1", "time": 1_800_000_000.0, "kind": "note", "who": {}, "text": URL, "data": {}}
    )
    assert SECRET not in peer.text
    record = {
        "time": format_rfc3339(1_800_000_000.0),
        "user": "alice",
        "action": "silence",
        "target": URL,
        "outcome": "failed",
        "message": f"refused by {URL}",
        "plan": {"title": "Silence", "lines": [f"POST {URL}"]},
    }
    entry = entry_from_audit(record, unrecorded=f"cannot write {URL}")
    assert SECRET not in json.dumps(entry.to_json())
    assert SECRET not in render_json([entry, peer])


def test_source_errors_and_alertmanager_sentences_name_no_password():
    assert SourceError(f"cannot connect to {URL}").detail == (
        "cannot connect to http://user:***@am1:9093"
    )
    assert _host(URL + "/prefix/") == "am1:9093/prefix"
    assert _host("http://am1:9093") == "am1:9093"


async def test_httpx_request_logs_name_no_password(caplog):
    client = make_client()
    await client.aclose()
    caplog.set_level(logging.INFO, logger="httpx")
    logging.getLogger("httpx").info("HTTP Request: %s %s", "GET", URL + "/api/v2/alerts")
    assert "GET http://user:***@am1:9093/api/v2/alerts" in caplog.text
    assert SECRET not in caplog.text


def test_desktop_notifications_name_no_password():
    sent = "".join(osc_sequences("GENESIS critical", f"see {URL}/graph", in_tmux=False))
    assert "user:***@am1" in sent and SECRET not in sent
