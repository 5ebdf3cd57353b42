"""Scrollbars drawn in whole cells, so no "▂▂"/"▄▄" glyph ever reads as part of a row."""

from __future__ import annotations

from textual.scrollbar import ScrollBar, ScrollBarRender


class WholeCellScrollBarRender(ScrollBarRender):
    """A thumb of whole reversed cells: in a terminal without colour (or a tmux capture,
    or a screen reader) it is blank, never a stray eighth-block character."""

    VERTICAL_BARS = [" "] * 8
    HORIZONTAL_BARS = [" "] * 8


def use_whole_cell_scrollbars() -> None:
    """Draw every scrollbar of the app in whole cells."""
    ScrollBar.renderer = WholeCellScrollBarRender
