"""Draw only the cells whose text changed (issue 13).

Static.update draws the whole widget again: every line, every cell, on every refresh,
for a header whose clock moved one digit. `update_changed` compares the new text with
the one drawn and, when they have the same shape (the same lines, each as long in cells,
styled in the same places), redraws only the span of each line that differs.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.widgets import Static


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


def update_changed(widget: Static, text: Text, drawn: Text | None) -> Text:
    """Show `text` in `widget` (laid out as before), drawing only the cells that changed
    since `drawn` (what the widget shows now, as this returned it last time); returns
    the text to pass as `drawn` next time."""
    regions = changed_spans(drawn, text)
    if regions is None:
        widget.update(text, layout=False)
    elif regions:
        # Static keeps its content in private names; update() would redraw every cell
        widget._Static__content = text  # type: ignore[attr-defined]
        widget._Static__visual = None  # type: ignore[attr-defined]
        widget.refresh(*regions)
    return text
