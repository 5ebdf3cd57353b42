"""Issue 10, attack 2: server text that a real Alertmanager 0.25 cannot send but a
compromised one or a proxy can: an alert state carrying an OSC 52 clipboard write.
It is shown, never obeyed, in the pane and in the detail screen."""

from __future__ import annotations

import html

from console.model import Alert, AlertmanagerData, ProbeResult, Status
from console.ui.panes.alerts import AlertsPane
from console.ui.screens.alert_detail import AlertDetailScreen

OSC52 = "\x1b]52;c;aGFja2Vk\x07"


def screen_text(app) -> str:
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


async def test_a_hostile_alert_state_is_shown_not_obeyed(demo_app):
    app = demo_app("healthy")
    hostile = Alert(
        fingerprint="f00d",
        labels=(("alertname", "StateAttack"), ("severity", "warning")),
        annotations=(("summary", "state carries an escape"),),
        starts_at=app.clock.time() - 60,
        ends_at=None,
        state=OSC52 + "\u202e",
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await app.poll_once()
        await pilot.pause()
        app.main.on_result(
            ProbeResult(
                "alertmanager",
                Status.OK,
                "1 firing",
                obtained_at=app.clock.time(),
                data=AlertmanagerData(alerts=(hostile,)),
            )
        )
        await pilot.pause()
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert "\\x1b]52" in text  # the state column shows what was sent, visibly

        pane = app.query_one(AlertsPane)
        pane.table.focus()
        pane.table.move_cursor(row=0)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AlertDetailScreen)
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text
        assert "\\x1b]52;c;aGFja2Vk\\x07<U+202E>" in text
