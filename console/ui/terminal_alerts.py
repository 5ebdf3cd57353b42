"""Ring the bell and send a desktop notification when a new critical alert fires.

The bell (BEL) is what tmux's monitor-bell and most terminals notice; OSC 9 (iTerm2,
Windows Terminal, kitty, foot) and OSC 777 (urxvt, VTE/GNOME Terminal) carry a message
to the desktop. Each alert notifies at most once per `quiet_seconds`.
"""

from __future__ import annotations

import os
import re

from console.model import Alert
from console.text import redact

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f;]")


def _plain(text: str, limit: int = 160) -> str:
    return _UNSAFE.sub(" ", redact(text))[:limit].strip()


def osc_sequences(title: str, body: str, *, in_tmux: bool) -> list[str]:
    """OSC 9 and OSC 777 notifications (wrapped for tmux passthrough when inside tmux)."""
    title, body = _plain(title, 60), _plain(body)
    sequences = [f"\x1b]9;{title}: {body}\x07", f"\x1b]777;notify;{title};{body}\x07"]
    if in_tmux:
        sequences = ["\x1bPtmux;" + s.replace("\x1b", "\x1b\x1b") + "\x1b\\" for s in sequences]
    return sequences


class TerminalAlerts:
    """Decides which new critical alerts ring, and what to write to the terminal."""

    def __init__(
        self,
        *,
        bell: bool,
        desktop: bool,
        quiet_seconds: float = 600.0,
        environment: str = "production",
    ) -> None:
        self.bell = bell
        self.desktop = desktop
        #: named in every notification, so a demo's or staging's never passes for production's
        self.environment = environment
        self.quiet_seconds = quiet_seconds
        self._last: dict[str, float] = {}
        self._primed = False

    def check(self, alerts: tuple[Alert, ...], now: float) -> list[str]:
        """What to write for these alerts now ([] when nothing new is critical).

        The first batch after start-up only primes the memory: opening the console in
        the middle of an incident should not ring for what everybody already sees.
        """
        fresh = []
        for alert in alerts:
            if alert.severity != "critical" or alert.display_state != "active":
                continue
            last = self._last.get(alert.fingerprint)
            if last is None or now - last >= self.quiet_seconds:
                self._last[alert.fingerprint] = now
                fresh.append(alert)
        if not self._primed:
            self._primed = True
            return []
        if not fresh:
            return []
        out = ["\x07"] if self.bell else []
        if self.desktop:
            names = ", ".join(sorted({a.name for a in fresh}))
            summary = fresh[0].summary if len(fresh) == 1 else f"{len(fresh)} new critical alerts"
            out += osc_sequences(
                f"GENESIS critical ({_plain(self.environment, 20)}): {names}",
                summary,
                in_tmux=bool(os.environ.get("TMUX")),
            )
        return out
