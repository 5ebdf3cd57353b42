"""The alert detail's "Why it is muted" section: one focusable line per silence or
inhibiting alert; the copy key takes the whole silence id or fingerprint."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from console.muting import MuteReason
from console.ui.screens.detail import CopyLine


class MutedLine(CopyLine):
    """A reason that wraps; the copy key copies its id, not the line."""

    DEFAULT_CSS = """
    MutedLine { margin: 0 0 0 2; }
    MutedLine > Static { width: 1fr; }
    """

    def __init__(self, reason: MuteReason, **kwargs: Any) -> None:
        super().__init__(reason.copy, **kwargs)
        self.text = reason.text

    def compose(self) -> ComposeResult:
        yield Static(Text(self.text))


class WhyMuted(Vertical):
    """Nothing for an alert that is not muted; else a heading and a line per reason."""

    DEFAULT_CSS = """
    WhyMuted { height: auto; }
    WhyMuted > .heading { text-style: bold; margin-top: 1; color: $accent; }
    """

    def __init__(self, reasons: list[MuteReason] | None, **kwargs: Any) -> None:
        super().__init__(id="why-muted", **kwargs)
        self.reasons = list(reasons or ())
        self.display = bool(self.reasons)

    def compose(self) -> ComposeResult:
        if self.reasons:
            yield Static("Why it is muted", classes="heading")
        for reason in self.reasons:
            yield MutedLine(reason)
