"""Draw only the cells whose text changed (issue 13).

Static.update draws the whole widget again: every line, every cell, on every refresh,
for a header whose clock moved one digit. `PartialText.show` compares the new text with
the one drawn and, when they have the same shape (the same lines, each as long in cells,
styled in the same places), redraws only the span of each line that differs (Textual
renders the widget again, but sends the terminal only the dirty regions).
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.widget import Widget


def changed_spans(old: Text | None, new: Text) -> list[Region] | None:
    """The regions (cells, one line each) where `new` differs from `old`; None when
    they differ in shape (lines, cell lengths, styles) and the whole must be drawn."""
    if old is None or old.no_wrap != new.no_wrap or old.overflow != new.overflow:
        return None
    if old.style != new.style or old.justify != new.justify:
        return None
    old_lines, new_lines = old.split("\n"), new.split("\n")
    if len(old_lines) != len(new_lines):
        return None
    regions = []
    for y, (before, after) in enumerate(zip(old_lines, new_lines, strict=True)):
        if before.spans != after.spans or before.style != after.style:
            return None
        a, b = before.plain, after.plain
        if a == b:
            continue
        if len(a) != len(b) or cell_len(a) != cell_len(b):
            return None
        start = next(i for i, (x, z) in enumerate(zip(a, b, strict=True)) if x != z)
        end = len(a) - next(
            i for i, (x, z) in enumerate(zip(a[::-1], b[::-1], strict=True)) if x != z
        )
        x = cell_len(a[:start])
        regions.append(Region(x, y, cell_len(a[start:end]), 1))
    return regions


class PartialText(Widget):
    """A widget that shows one Text and, when a new one has the same shape, redraws only
    the cells that changed (`show`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._text: Text = Text("")

    def render(self) -> Text:
        return self._text

    @property
    def content(self) -> Text:
        """The text shown now (as Static.content)."""
        return self._text

    def show(self, text: Text, *, whole: bool = False) -> None:
        """Show `text`: only the changed cells are drawn again when its lines keep their
        lengths and styles, everything otherwise (or when `whole`)."""
        regions = None if whole else changed_spans(self._text, text)
        self._text = text
        if regions is None:
            self.refresh()
        elif regions:
            self.refresh(*regions)
