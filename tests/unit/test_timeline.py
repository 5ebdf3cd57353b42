"""The war-room timeline without Redis: the local file, rendering, audit merge and the CLI."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from console import commands, paths
from console.audit import AuditLog
from console.cli import build_command_parser, main
from console.clock import FrozenClock, format_rfc3339
from console.timeline import (
    Entry,
    Timeline,
    audit_entry_id,
    entries_from_audit,
    entry_from_audit,
    render_json,
    render_markdown,
)

T0 = datetime(2025, 3, 14, 7, 0, 0, tzinfo=UTC).timestamp()
ALICE = {"user": "alice", "host": "ops1", "ssh_client": "10.0.0.5"}
BOB = {"user": "bob", "host": "ops2", "ssh_client": None}


class Clock:
    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def record_session(path, start: float) -> list[Entry]:
    """An orchestrator-down incident as two engineers would leave it in the timeline."""
    clock = Clock(start)
    alice = Timeline(path, clock=clock, person=ALICE)
    bob = Timeline(path, clock=clock, person=BOB)
    out = []

    def at(offset, who, *args):
        clock.at = start + offset
        out.append(who.add(*args))

    at(
        0,
        alice,
        "alert_firing",
        "GenesisOrchestratorDown (critical) | job=genesis",
        {"alertname": "GenesisOrchestratorDown", "severity": "critical"},
    )
    at(35, alice, "incident", "incident opened: P0 complete outage", {"class": "P0"})
    at(60, bob, "note", "looking at it | **not** a <script>drill</script> \x1b[2J")
    at(120, alice, "incident", "upgraded? no: P0 → P1", {"class": "P1", "previous": "P0"})
    at(
        252,
        alice,
        "alert_resolved",
        "GenesisOrchestratorDown resolved",
        {"alertname": "GenesisOrchestratorDown"},
    )
    at(
        260,
        alice,
        "incident",
        "all clear after 4m 12s",
        {"class": None, "previous": "P1", "recovery_seconds": 252},
    )
    return out


def test_add_then_entries_sorted_and_persisted(tmp_path):
    path = tmp_path / "timeline.jsonl"
    clock = Clock(T0)
    tl = Timeline(path, clock=clock, person=ALICE)
    clock.at = T0 + 10
    late = tl.add("note", "second")
    clock.at = T0
    early = tl.add("note", "first\nline two", {"k": 1})
    assert [e.text for e in tl.entries()] == ["first line two", "second"]
    # another object on the same file (a restarted console) sees the same story
    again = Timeline(path)
    assert [e.id for e in again.entries()] == [early.id, late.id]
    assert again.entries()[0].who == ALICE
    assert again.entries()[0].data == {"k": 1}
    assert len(early.id) == 32 and early.id != late.id


def test_unknown_kind_refused(tmp_path):
    with pytest.raises(ValueError, match="kind"):
        Timeline(tmp_path / "t.jsonl").add("gossip", "x")


def test_dedup_by_id(tmp_path):
    path = tmp_path / "timeline.jsonl"
    tl = Timeline(path, clock=Clock(T0), person=ALICE)
    first = tl.add("note", "once", entry_id="fixed-id")
    tl.add("note", "once again", entry_id="fixed-id")
    # the same line written twice (two consoles sharing one file) still reads once
    with path.open("a") as handle:
        handle.write(json.dumps({**first.to_json(), "sync": "remote"}) + "\n")
    assert [e.text for e in tl.entries()] == ["once"]


def test_torn_last_line_is_tolerated(tmp_path):
    path = tmp_path / "timeline.jsonl"
    tl = Timeline(path, clock=Clock(T0), person=ALICE)
    tl.add("note", "before the crash")
    with path.open("a") as handle:
        handle.write('{"id": "torn", "time": 1, "kind": "no')  # crash mid-write
    after = Timeline(path, clock=Clock(T0 + 1), person=ALICE)
    after.add("note", "after the crash")
    assert [e.text for e in after.entries()] == ["before the crash", "after the crash"]


def test_since_filters(tmp_path):
    path = tmp_path / "timeline.jsonl"
    clock = Clock(T0)
    tl = Timeline(path, clock=clock, person=ALICE)
    for minutes in (0, 30, 90, 150):
        clock.at = T0 + minutes * 60
        tl.add("note", f"at {minutes}m")
    assert [e.text for e in tl.entries(since=T0 + 60 * 60)] == ["at 90m", "at 150m"]
    assert len(tl.entries()) == 4


def test_untrusted_entry_json_is_checked(tmp_path):
    good = Entry("abc", T0, "note", ALICE, "hi", {"x": 1})
    assert Entry.from_json(json.dumps(good.to_json())) == good
    for bad in (
        {**good.to_json(), "kind": "rm -rf"},
        {**good.to_json(), "id": "../../etc"},
        {**good.to_json(), "time": "yesterday"},
        ["not", "an", "object"],
    ):
        with pytest.raises(ValueError):
            Entry.from_json(json.dumps(bad))


def test_markdown_of_a_recorded_session(tmp_path):
    path = tmp_path / "timeline.jsonl"
    record_session(path, T0)
    text = render_markdown(
        Timeline(path).entries(), title="Orchestrator down", since=T0 - 60, until=T0 + 3600
    )
    lines = text.splitlines()
    assert lines[0] == "# Orchestrator down"
    assert "2025-03-14 06:59:00 → 2025-03-14 08:00:00 UTC" in text
    summary = next(line for line in lines if line.startswith("**Summary:**"))
    assert "incident classes P0, P1" in summary
    assert "1 alert fired, 1 resolved" in summary
    assert "1 note" in summary
    assert "time to recovery 4m 12s" in summary
    assert "| time (UTC) | who | what |" in lines
    rows = [line for line in lines if line.startswith("| 2025-")]
    assert len(rows) == 6
    assert rows[0].startswith("| 2025-03-14 07:00:00 | alice@ops1 (10.0.0.5) | **FIRING**")
    assert "GenesisOrchestratorDown (critical) \\| job=genesis" in rows[0]
    assert rows[2].startswith("| 2025-03-14 07:01:00 | bob@ops2 | **NOTE**")
    assert "**RESOLVED** GenesisOrchestratorDown resolved" in rows[4]
    # untrusted text: pipes, Markdown and HTML escaped, control characters gone
    note = rows[2]
    assert "\\| \\*\\*not\\*\\* a &lt;script&gt;drill&lt;/script&gt;" in note
    assert "\x1b" not in text and "<script>" not in text
    for row in rows:  # every row still has exactly three cells
        assert row.replace("\\|", "").count("|") == 4


def test_markdown_with_actions_from_the_audit_log(tmp_path):
    path = tmp_path / "timeline.jsonl"
    record_session(path, T0)
    audit = tmp_path / "audit.jsonl"
    log = AuditLog(audit)
    log.append(restart_record(T0 + 200, "ok", "restarted in 4.1 s"))
    log.append(restart_record(T0 + 150, "failed", "exit 1: unit not found"))
    entries = Timeline(path).entries() + entries_from_audit(audit)
    text = render_markdown(entries, title="t")
    assert "2 actions (1 failed, 1 ok)" in text
    assert (
        "| 2025-03-14 07:03:20 | carol@ops3 (192.0.2.7) | **ACTION** restart "
        "genesis-orchestrator: ok (restarted in 4.1 s) |" in text
    )
    assert "restart genesis-orchestrator: failed (exit 1: unit not found)" in text


def restart_record(at: float, outcome: str, message: str) -> dict:
    return {
        "time": format_rfc3339(at),
        "user": "carol",
        "host": "ops3",
        "ssh_client": "192.0.2.7",
        "action": "restart",
        "target": "genesis-orchestrator",
        "plan": {"argv": ["systemctl", "restart", "genesis-orchestrator"]},
        "outcome": outcome,
        "message": message,
        "duration": 4.1,
        "undo": None,
    }


def test_audit_entries_have_deterministic_ids(tmp_path):
    record = restart_record(T0, "ok", "done")
    entry = entry_from_audit(record)
    assert entry.id == audit_entry_id(record) == audit_entry_id(dict(record))
    assert entry.id != audit_entry_id({**record, "outcome": "failed"})
    assert entry.kind == "action" and entry.time == pytest.approx(T0)
    assert entry.data["outcome"] == "ok" and entry.data["duration"] == 4.1
    # the app adds the same entry to its timeline: it is shown once with the audit's copy
    path = tmp_path / "timeline.jsonl"
    Timeline(path).add_entry(entry)
    audit = tmp_path / "audit.jsonl"
    AuditLog(audit).append(record)
    from console.timeline import merge

    assert len(merge(Timeline(path).entries(), entries_from_audit(audit))) == 1
    # unreadable times are skipped, not fatal
    assert entry_from_audit({**record, "time": "soon"}) is None


def test_json_round_trip(tmp_path):
    path = tmp_path / "timeline.jsonl"
    session = record_session(path, T0)
    parsed = json.loads(render_json(Timeline(path).entries()))
    assert [Entry.from_json(item) for item in parsed] == session
    assert parsed[2]["text"].startswith("looking at it | **not** a <script>")  # kept literally


def test_without_redis_nothing_is_pending(tmp_path):
    tl = Timeline(tmp_path / "t.jsonl", clock=Clock(T0), person=ALICE)
    tl.add("note", "local only")
    assert tl.pending == []
    assert tl.status == "war room: local timeline only"


#: the moment the CLI tests run `timeline` at: any day, the calendar outside does not matter
NOW = T0 + 40 * 86400


def timeline_at(now: float, *args: str) -> int:
    """`genesis-console timeline ARGS` with its window computed at `now`."""
    options = build_command_parser("timeline").parse_args(list(args))
    return commands.timeline(options, clock=FrozenClock(now))


def test_cli_timeline_markdown(capsys):
    now = NOW
    record_session(paths.default_timeline_file(), now - 3600)
    record_session(paths.default_timeline_file(), now - 5 * 3600)  # outside --since 2h
    AuditLog(paths.default_audit_file()).append(restart_record(now - 3500, "ok", "restarted"))
    assert timeline_at(now, "--since", "2h", "--format", "markdown") == 0
    out = capsys.readouterr().out
    assert out.startswith("# GENESIS war-room timeline\n")
    rows = [line for line in out.splitlines() if line.startswith("| 20")]
    assert len(rows) == 7
    assert sum("**FIRING** GenesisOrchestratorDown" in r for r in rows) == 1
    assert any("**ACTION** restart genesis-orchestrator: ok (restarted)" in r for r in rows)
    assert "time to recovery 4m 12s" in out


def test_cli_timeline_json(capsys):
    now = NOW
    record_session(paths.default_timeline_file(), now - 600)
    assert timeline_at(now, "--since", "90m", "--format", "json") == 0
    parsed = json.loads(capsys.readouterr().out)
    assert [item["kind"] for item in parsed][:2] == ["alert_firing", "incident"]
    assert len(parsed) == 6


def test_cli_timeline_empty_is_fine(capsys):
    assert main(["timeline"]) == 0
    assert "No entries in this window" in capsys.readouterr().out


def test_cli_timeline_bad_duration(capsys):
    assert main(["timeline", "--since", "two hours"]) == 2
    captured = capsys.readouterr()
    assert "--since" in captured.err and "not a duration" in captured.err
    assert "Traceback" not in captured.err


def test_cli_timeline_with_unreachable_war_room(tmp_path, capsys):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "config.yaml"
    config.write_text(f"warroom:\n  redis_url: redis://127.0.0.1:{port}/0\n")
    record_session(paths.default_timeline_file(), NOW - 600)
    started = time.monotonic()
    assert timeline_at(NOW, "--config", str(config), "--since", "1h") == 0
    assert time.monotonic() - started < 5
    captured = capsys.readouterr()
    assert "war room offline" in captured.err and "connection refused" in captured.err
    assert "showing the local timeline" in captured.err
    assert captured.out.count("| 20") == 6


def test_cli_timeline_window_follows_the_clock_it_is_given(capsys):
    """A story recorded on one calendar is found when read on that calendar, and not on
    a later one: the window comes from the clock the command is handed, not the wall."""
    record_session(paths.default_timeline_file(), T0)
    assert timeline_at(T0 + 3600, "--since", "1d", "--format", "json") == 0
    assert len(json.loads(capsys.readouterr().out)) == 6
    assert timeline_at(T0 + 3 * 86400, "--since", "1d", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_cli_timeline_until_cuts_the_window(capsys):
    record_session(paths.default_timeline_file(), T0)
    # the first 100 seconds of the session, by absolute times and by "how long ago"
    assert (
        timeline_at(
            NOW,
            "--since",
            "2025-03-14T06:59:00Z",
            "--until",
            "2025-03-14T07:01:40Z",
            "--format",
            "json",
        )
        == 0
    )
    early = json.loads(capsys.readouterr().out)
    assert [e["kind"] for e in early] == ["alert_firing", "incident", "note"]
    assert timeline_at(T0 + 3600, "--since", "2h", "--until", "3500s", "--format", "json") == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_cli_timeline_bad_until(capsys):
    assert main(["timeline", "--until", "yesterday-ish"]) == 2
    captured = capsys.readouterr()
    assert "--until" in captured.err and "Traceback" not in captured.err


def test_an_unverified_entry_never_displaces_one_that_counts():
    from console.timeline import merge

    real = Entry("firing-x-1", T0, "alert_firing", ALICE, "real", verified=True)
    squat = Entry("firing-x-1", T0, "alert_firing", BOB, "forged", verified=False)
    ours = Entry("firing-x-1", T0, "alert_firing", ALICE, "from our audit log")  # no verdict
    assert [e.text for e in merge([squat], [real])] == ["real"]
    assert [e.text for e in merge([real], [squat])] == ["real"]
    assert [e.text for e in merge([squat], [ours])] == ["from our audit log"]
    assert [e.text for e in merge([squat])] == ["forged"]  # kept when it is all there is


def test_signatures_follow_the_documented_rule():
    import hashlib
    import hmac

    from console.timeline import canonical, sign, signature_ok

    entry = {"text": "ça va ✓", "id": "a", "time": 1, "data": {"b": 2, "a": [1.5, None]}}
    assert canonical({**entry, "sig": "x"}) == (
        '{"data":{"a":[1.5,null],"b":2},"id":"a","text":"ça va ✓","time":1}'.encode()
    )
    sig = sign(entry, b"k")
    assert sig == hmac.new(b"k", canonical(entry), hashlib.sha256).hexdigest()
    assert signature_ok({**entry, "sig": sig}, b"k")
    for bad in ({**entry, "sig": sig.upper()}, {**entry, "sig": None}, entry):
        assert not signature_ok(bad, b"k")
    assert not signature_ok({**entry, "text": "changed", "sig": sig}, b"k")
    assert not signature_ok({**entry, "sig": sig}, b"another key")
    assert not signature_ok({**entry, "sig": "é" * 64}, b"k")  # never raises
    assert not signature_ok({**entry, "time": float("nan"), "sig": sig}, b"k")


def test_own_entries_count_with_a_key_and_the_local_file_keeps_the_verdicts(tmp_path):
    path = tmp_path / "timeline.jsonl"
    keyed = Timeline(path, clock=Clock(T0), person=ALICE, key=b"room key")
    note = keyed.add("note", "ours")
    assert note.verified is True
    keyed.add_entry(entry_from_audit(restart_record(T0 + 1, "ok", "done")))
    with path.open("a") as handle:  # pulled earlier, as a console records them
        for verdict in (True, False, None):
            pulled = Entry(f"pulled-{verdict}", T0 + 2, "note", BOB, f"pulled {verdict}")
            handle.write(
                json.dumps({**pulled.to_json(), "sync": "remote", "verified": verdict}) + "\n"
            )
    verdicts = {e.text: e.verified for e in Timeline(path, key=b"room key").entries()}
    assert verdicts == {
        "ours": True,
        "restart genesis-orchestrator: ok (done)": True,
        "pulled True": True,
        "pulled False": False,
        "pulled None": False,  # pulled without a key: nobody vouched for it
    }
    assert {e.verified for e in Timeline(path).entries()} == {None}  # no key: all count


def test_a_silenced_alert_is_exported_as_silenced_not_resolved(tmp_path):
    clock = Clock(T0)
    alice = Timeline(tmp_path / "timeline.jsonl", clock=clock, person=ALICE)
    alice.add(
        "alert_firing",
        "critical GenesisOrchestratorDown firing: down",
        {"alertname": "GenesisOrchestratorDown"},
    )
    clock.at = T0 + 7
    alice.add(
        "alert_silenced",
        "critical GenesisOrchestratorDown silenced by alice for 2h30m "
        "(until 2025-03-14 09:30 UTC): db failover; still firing",
        {"alertname": "GenesisOrchestratorDown", "created_by": "alice"},
    )
    clock.at = T0 + 60
    alice.add(
        "alert_firing",
        "critical GenesisOrchestratorDown firing again: no longer silenced",
        {"alertname": "GenesisOrchestratorDown", "again": True},
    )
    text = render_markdown(alice.entries())
    summary = next(line for line in text.splitlines() if line.startswith("**Summary:**"))
    assert "1 alert fired, 0 resolved, 1 silenced" in summary
    assert "**SILENCED** critical GenesisOrchestratorDown silenced by alice for 2h30m" in text
    assert "**RESOLVED**" not in text
    assert [e["kind"] for e in json.loads(render_json(alice.entries()))] == [
        "alert_firing",
        "alert_silenced",
        "alert_firing",
    ]
