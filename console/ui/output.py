"""What Textual writes to the terminal for a partial update: only the cells that changed.

Textual redraws a changed region of a widget by writing, on each line, from the left
edge of the widget to the end of the region (`ChopsUpdate.render_segments` crops only
the end), and a widget that refreshes writes every line of it again, changed or not: a
table whose one figure moved wrote all its rows. Two things here cut that down to what
curses would send (issue 13):

- the segments that lie wholly left of the region are skipped, so a clock whose last
  digit moved is written from the start of its styled run, not from the line's start;
- the terminal's content is remembered, per line, as the strips last written there
  (the "front buffer"). A strip identical to what the terminal already shows at the
  same place is not written at all; one that differs is written from its first changed
  segment to its last. A segment is never cut on the left, so a wide character is never
  split.

The front buffer is kept per Rich console (one per app) and forgotten whenever Textual
writes the whole screen (a `LayoutUpdate`: a resize, a screen pushed or popped, a
theme) or an inline update, so it never stands for anything but what was written since.
A strip written only in part is forgotten too, as is anything it overlaps.

`install()` puts both in place of Textual's; console.ui installs them on import.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from rich.console import Console
from rich.control import Control
from textual._compositor import ChopsUpdate, InlineUpdate, LayoutUpdate

if TYPE_CHECKING:
    from rich.segment import Segment
    from textual.strip import Strip

#: per console: line → {x: (end, strip)} of the strips the terminal shows there now
_Lines = dict[int, dict[int, tuple[int, "Strip"]]]
_front: weakref.WeakKeyDictionary[Console, _Lines] = weakref.WeakKeyDictionary()


def forget(console: Console) -> None:
    """The terminal's content is not known any more (the whole screen is written)."""
    _front.pop(console, None)


def _drop_overlapping(line: dict[int, tuple[int, Strip]], start: int, stop: int) -> None:
    for x in [x for x, (end, _strip) in line.items() if x < stop and end > start]:
        del line[x]


def _changed_span(old: Strip, new: Strip) -> tuple[int, int] | None:
    """(first, end) cells of `new` that differ from `old`, widened to whole segments;
    None when nothing differs. Both are as wide (the same place on screen)."""
    old_segments: list[Segment] = list(old)
    new_segments: list[Segment] = list(new)
    if old_segments == new_segments:
        return None
    # same leading segments: skipped
    first = 0
    lead = 0
    for before, after in zip(old_segments, new_segments, strict=False):
        if before != after:
            break
        first += after.cell_length
        lead += 1
    # same trailing segments (not reaching into the leading ones): skipped
    end = new.cell_length
    old_left, new_left = len(old_segments) - lead, len(new_segments) - lead
    for before, after in zip(reversed(old_segments), reversed(new_segments), strict=False):
        if old_left <= 0 or new_left <= 0 or before != after:
            break
        end -= after.cell_length
        old_left -= 1
        new_left -= 1
    if end <= first:  # a segment split differently, same cells: write the whole strip
        return 0, new.cell_length
    return first, end


def render_segments(self: ChopsUpdate, console: Console) -> str:
    """ChopsUpdate.render_segments (Textual 8.2), cropping each line's start as well and
    leaving out what the terminal already shows."""
    sequences: list[str] = []
    append = sequences.append
    move_to = Control.move_to
    chops = self.chops
    chop_ends = self.chop_ends
    front = _front.setdefault(console, {})

    # every write starts with a cursor move: no newline between lines (Textual's own
    # writes one, which on the bottom line would scroll the screen if it came twice)
    for y, x1, x2 in self.spans:
        line = chops[y]
        ends = chop_ends[y]
        shown = front.setdefault(y, {})
        for end, (x, strip) in zip(ends, line.items(), strict=False):
            if strip is None:
                continue
            if x > x2 or end <= x1:
                continue
            if x2 > x >= x1 and end <= x2:
                # the whole strip is in the region: write only where it differs from
                # what the terminal shows there
                before = shown.get(x)
                if before is not None and before[0] == end:
                    span = _changed_span(before[1], strip)
                    if span is None:
                        continue
                    start, stop = span
                else:
                    start, stop = 0, end - x
                _drop_overlapping(shown, x, end)
                shown[x] = (end, strip)
                if (start, stop) != (0, end - x):
                    strip = strip.crop(start, stop)
                append(move_to(x + start, y).segment.text)
                append(strip.render(console))
                continue
            start = x
            if x < x1:
                # skip whole segments left of the region (never cut one: wide characters)
                for segment in strip:
                    width = segment.cell_length
                    if start + width > x1:
                        break
                    start += width
            stop = min(end, x2)
            # written in part: what the terminal shows around it is not this strip's
            _drop_overlapping(shown, start, stop)
            strip = strip.crop(start - x, stop - x)
            append(move_to(start, y).segment.text)
            append(strip.render(console))

    return "".join(sequences)


_textual_layout_render = LayoutUpdate.render_segments
_textual_inline_render = InlineUpdate.render_segments


def render_layout(self: LayoutUpdate, console: Console) -> str:
    """LayoutUpdate.render_segments: the whole screen is written, the front buffer goes."""
    forget(console)
    return _textual_layout_render(self, console)


def render_inline(self: InlineUpdate, console: Console) -> str:
    """InlineUpdate.render_segments: lines written in place, the front buffer goes."""
    forget(console)
    return _textual_inline_render(self, console)


def install() -> bool:
    """Use `render_segments` for Textual's partial updates, on the Textual it was written
    for (8.x, whose ChopsUpdate has chops, chop_ends and spans), and forget the front
    buffer on every whole-screen or inline update; any other Textual keeps its own,
    which is correct, only wordier. True when installed."""
    from console.ui.textual_version import textual_major

    major = textual_major()
    if major != 8 or not hasattr(ChopsUpdate, "render_segments"):
        return False
    if getattr(ChopsUpdate.render_segments, "__module__", "") == __name__:
        return True  # installed already
    ChopsUpdate.render_segments = render_segments  # type: ignore[method-assign]
    LayoutUpdate.render_segments = render_layout  # type: ignore[method-assign]
    InlineUpdate.render_segments = render_inline  # type: ignore[method-assign]
    return True
