"""The audit log under attack: a nearly full disk, a planted symlink, a file others can write.

The full disk is real: the runner appends in a child process whose RLIMIT_FSIZE ends a
hundred bytes past the log's current size (SIGXFSZ ignored), so the kernel cuts the
write short exactly as a nearly full disk does, then refuses the rest with EFBIG.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from console.actions.plan import Outcome, Plan
from console.actions.runner import ActionRunner
from console.audit import AuditLog

#: the child: run one action that succeeds, with writes cut off past `limit` bytes
LIMITED_RUN = """
import asyncio, json, resource, signal, sys
from pathlib import Path
from tests.unit.test_audit_log import run_cache_clear
path, limit = Path(sys.argv[1]), int(sys.argv[2])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
outcome = run_cache_clear(path)
print(json.dumps({"ok": outcome.ok, "message": outcome.message}))
"""


def cache_clear_plan() -> Plan:
    async def execute(progress) -> Outcome:
        return Outcome(True, "cache cleared")

    return Plan(
        kind="cache_clear",
        title="Clear the orchestrator cache",
        target="genesis-orchestrator",
        lines=("POST http://localhost:8000/api/cache/clear", "then: Redis hit rate before/after"),
        execute=execute,
    )


def run_cache_clear(path: Path, **runner_options) -> Outcome:
    """Run one successful action through the one runner, auditing to `path`."""
    runner = ActionRunner(AuditLog(path), **runner_options)
    return asyncio.run(runner.run(cache_clear_plan()))


def run_with_file_size_limit(path: Path, limit: int) -> dict:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", LIMITED_RUN, str(path), str(limit)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_short_write_on_a_nearly_full_disk_is_not_reported_as_on_record(tmp_path):
    audit = tmp_path / "audit.jsonl"
    assert run_cache_clear(audit).ok
    before = audit.read_bytes()

    # room for 101 more bytes: the kernel writes a 101-byte fragment of the record
    result = run_with_file_size_limit(audit, len(before) + 101)

    assert not result["ok"], result
    assert "cache cleared" in result["message"]  # it ran, and the screen says so
    assert "NOT in the audit log" in result["message"]
    assert "File too large" in result["message"]  # and why
    # the whole record, or none of it: no torn fragment is left behind
    assert audit.read_bytes() == before


def test_after_a_refused_write_the_next_record_is_read(tmp_path):
    audit = tmp_path / "audit.jsonl"
    run_cache_clear(audit)
    run_with_file_size_limit(audit, audit.stat().st_size + 101)
    assert run_cache_clear(audit).ok  # room again

    records = list(AuditLog(audit).records())
    assert [r["outcome"] for r in records] == ["ok", "ok"]
    assert audit.read_bytes().count(b"\n") == 2


def test_a_torn_tail_never_hides_the_records_after_it(tmp_path):
    audit = tmp_path / "audit.jsonl"
    run_cache_clear(audit)
    with audit.open("ab") as handle:  # a crash in the middle of a record
        handle.write(b'{"time":"2026-11-27T03:00:00.000Z","user":"oncall1","act')
    assert run_cache_clear(audit).ok
    assert run_cache_clear(audit).ok

    records = list(AuditLog(audit).records())
    assert len(records) == 3 and all(r["action"] == "cache_clear" for r in records)


def test_a_symlinked_audit_log_is_never_written_through(tmp_path):
    precious = tmp_path / "authorized_keys"
    precious.write_text("ssh-ed25519 AAAA... oncall1\n")
    audit = tmp_path / "audit.jsonl"
    audit.symlink_to(precious)

    outcome = run_cache_clear(audit)

    assert precious.read_text() == "ssh-ed25519 AAAA... oncall1\n"
    assert not outcome.ok
    assert "cache cleared" in outcome.message and "NOT in the audit log" in outcome.message
    assert "symbolic link" in outcome.message


def test_an_audit_log_others_can_write_is_used_but_warned_about(tmp_path):
    audit = tmp_path / "audit.jsonl"
    audit.write_text("")
    audit.chmod(0o666)
    warnings: list[str] = []

    outcome = run_cache_clear(audit, on_warning=warnings.append)

    assert outcome.ok and len(list(AuditLog(audit).records())) == 1
    assert AuditLog(audit).warning() == warnings[0]
    assert "writable by others" in warnings[0] and "0666" in warnings[0], warnings


def test_a_new_audit_log_is_private_and_needs_no_warning(tmp_path):
    audit = tmp_path / "state" / "audit.jsonl"
    warnings: list[str] = []
    assert run_cache_clear(audit, on_warning=warnings.append).ok
    assert audit.stat().st_mode & 0o777 == 0o600
    assert warnings == [] and AuditLog(audit).warning() is None
