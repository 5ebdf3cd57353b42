"""One line under the header: the running action with a spinner, then how it ended."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from console.text import clean

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class ActionBar(Static):
    """Shows what the console is doing on the engineer's behalf."""

    DEFAULT_CSS = """
    ActionBar { height: 1; padding: 0 1; background: $boost; display: none; }
    ActionBar.-visible { display: block; }
    ActionBar.-ok { color: $status-ok; }
    ActionBar.-failed { color: $status-breached; }
    """

    def on_mount(self) -> None:
        self._frame = 0
        self._text = ""
        self._timer = self.set_interval(0.1, self._spin, pause=True)

    def running(self, text: str) -> None:
        """Show a running action with a spinner."""
        self._text = clean(text, 200)
        self.set_classes("-visible")
        self._timer.resume()
        self._spin()

    def finished(self, ok: bool, text: str) -> None:
        """Show how the last action ended (stays until the next one)."""
        self._timer.pause()
        self.set_classes(f"-visible {'-ok' if ok else '-failed'}")
        whole = ("✔ " if ok else "✖ ") + clean(text, 300)
        # one line, cut with an ellipsis when it must be; the whole of it is the tooltip and
        # the action's entry in the timeline (t, then Enter on the row)
        self.tooltip = whole
        self.update(Text(whole, no_wrap=True, overflow="ellipsis"), layout=False)

    def _spin(self) -> None:
        self._frame = (self._frame + 1) % len(FRAMES)
        self.update(
            Text(f"{FRAMES[self._frame]} {self._text}", no_wrap=True, overflow="ellipsis"),
            layout=False,
        )
