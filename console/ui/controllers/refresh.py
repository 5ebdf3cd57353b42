"""The refresh: pause it (htop's Z) and step its interval (`<` and `>` of the keymap)."""

from __future__ import annotations

from collections.abc import Callable

from console.poller import Poller
from console.ui.controllers.base import Notify

#: the refresh intervals the keys step through, in seconds
INTERVALS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class RefreshController:
    """Pause and re-time the poller, and say so in the header."""

    def __init__(
        self,
        *,
        configured_seconds: float,
        poller: Callable[[], Poller | None],
        pause_key: Callable[[], str],
        notify: Notify,
        redraw: Callable[[], None],
    ) -> None:
        #: the config's refresh interval
        self.configured_seconds = configured_seconds
        #: the poller of the moment (None before polling starts)
        self.poller = poller
        #: the key that pauses and resumes, as the keymap has it
        self.pause_key = pause_key
        self.notify = notify
        #: draw the header again
        self.redraw = redraw

    @property
    def paused(self) -> bool:
        """True while polling on the interval is paused."""
        poller = self.poller()
        return poller is not None and poller.paused

    def note(self) -> str:
        """The header's word on the refresh: PAUSED, "every 10s" when re-timed, or ""."""
        if self.paused:
            return "PAUSED"
        poller = self.poller()
        interval = poller.interval if poller else self.configured_seconds
        if interval != self.configured_seconds:
            return f"every {interval:g}s"
        return ""

    def pause(self) -> None:
        """Pause polling (what is on screen stays), or resume it."""
        poller = self.poller()
        if poller is None:
            return
        poller.pause(not poller.paused)
        if poller.paused:
            self.notify(f"Refresh paused: what you see stays as it is ({self.pause_key()} resumes)")
        else:
            self.notify(f"Refresh resumed, every {poller.interval:g}s")
        self.redraw()

    def step_interval(self, step: int) -> None:
        """Poll more often (step < 0) or less often (step > 0), along INTERVALS."""
        poller = self.poller()
        if poller is None:
            return
        now = poller.interval
        if step > 0:
            interval = next((i for i in INTERVALS if i > now), INTERVALS[-1])
        else:
            interval = next((i for i in reversed(INTERVALS) if i < now), INTERVALS[0])
        poller.set_interval(interval)
        self.notify(f"Refreshing every {interval:g}s" + (" (paused)" if self.paused else ""))
        self.redraw()
