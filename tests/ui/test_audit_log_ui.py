"""What the engineer sees when the audit log is attacked: not on record, and why."""

from __future__ import annotations

from console.config import AuditConfig
from console.ui.screens.confirm import ConfirmScreen
from tests.pilot import wait_until


def notifications(app) -> list[str]:
    return [n.message for n in app.told]


def bar_text(app) -> str:
    return str(app.query_one("#action-bar").render())


async def clear_the_cache(app, pilot) -> None:
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(app.screen, ConfirmScreen)
    await pilot.press("y")
    await wait_until(pilot, lambda: "cache" in bar_text(app) and not app.runner.running, 5, "ran")


async def test_an_action_missing_from_the_audit_log_is_still_on_the_timeline(demo_app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the audit folder should be")
    app = demo_app("healthy", sandboxed=False, audit=AuditConfig(path=str(blocker / "audit.jsonl")))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.poll_once()
        await clear_the_cache(app, pilot)
        assert "NOT in the audit log" in bar_text(app)

        (entry,) = [e for e in app.timeline.entries() if e.kind == "action"]
        assert entry.text.startswith("cache_clear genesis-orchestrator: ok (cache cleared")
        assert "not in the audit log: cannot write" in entry.text
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "TimelineScreen"
        table = app.screen.query_one("DataTable")
        rows = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert any("not in the audit log" in row for row in rows), rows


async def test_a_symlinked_audit_log_is_refused_and_the_result_says_why(demo_app, tmp_path):
    precious = tmp_path / "bashrc"
    precious.write_text("export PATH=/usr/bin\n")
    audit = tmp_path / "audit.jsonl"
    audit.symlink_to(precious)
    app = demo_app("healthy", sandboxed=False, audit=AuditConfig(path=str(audit)))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert any("is a symbolic link" in n for n in notifications(app))  # told at start
        await app.poll_once()
        await clear_the_cache(app, pilot)
        bar = bar_text(app)
        assert "cache cleared" in bar and "NOT in the audit log" in bar, bar
        assert "symbolic link" in bar, bar
    assert precious.read_text() == "export PATH=/usr/bin\n"


async def test_an_audit_log_anyone_can_write_is_warned_about(demo_app, tmp_path):
    audit = tmp_path / "audit.jsonl"
    audit.write_text("")
    audit.chmod(0o666)
    app = demo_app("healthy", sandboxed=False, audit=AuditConfig(path=str(audit)))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        # at start, before anything relies on it
        warned = [n for n in app.told if "writable by others" in n.message]
        assert len(warned) == 1 and warned[0].severity == "warning"
        assert str(audit) in warned[0].message and "0666" in warned[0].message

        await app.poll_once()
        await clear_the_cache(app, pilot)
        # the action is on record, and the warning is repeated where it matters
        assert "NOT in the audit log" not in bar_text(app)
        assert sum("writable by others" in n for n in notifications(app)) == 2
    assert audit.read_text().count("\n") == 1
