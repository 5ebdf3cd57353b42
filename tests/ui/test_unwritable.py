"""A state folder that cannot be written: the console keeps going and says so."""

from __future__ import annotations

from console.config import AuditConfig
from console.ui.screens.confirm import ConfirmScreen
from tests.pilot import finish_actions, toasts


async def test_unwritable_audit_and_timeline_are_reported_not_fatal(
    demo_app, tmp_path, monkeypatch
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))  # the timeline lives under it
    # a console on a real stack (the demo world stands in): its timeline is in XDG_STATE_HOME
    app = demo_app(
        "healthy",
        offset=200,
        sandboxed=False,
        audit=AuditConfig(path=str(blocker / "audit.jsonl")),
    )
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await app.poll_once()  # alerts go to the timeline: the write fails, the app goes on
        app.main.tick()
        await pilot.pause()
        assert app.timeline.local_error and "cannot write" in app.timeline.local_error
        assert any("Timeline: cannot write" in toast for toast in toasts(app))

        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await finish_actions(pilot)
        assert not app.runner.running
        bar = str(app.query_one("#action-bar").render())
        assert "cache cleared" in bar and "NOT in the audit log" in bar, bar
        # and it is still alive and answering
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
